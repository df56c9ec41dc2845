"""Ingest layer: load the snapshot's SSB tables and accepted submissions into a fresh build database."""

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from pipeline.build_db import connect, reset_build_db
from pipeline.catalog import ssb_catalog
from pipeline.paths import home
from pipeline.raw_tables import accepted_submissions, ssb_long_frame
from pipeline.regions import normalise_region
from pipeline.sources import default_source, resolve_snapshot

SSB_OBSERVATIONS = dg.AssetKey(["raw", "ssb_observations"])
SUBMISSION_VALUES = dg.AssetKey(["raw", "submission_values"])
SUBMISSION_INBOX = dg.AssetKey("submission_inbox")


class RefreshConfig(dg.Config):
    """source: 'demo' (bundled synthetic snapshot), 'live' (SSB API) or 'snapshot:DIR' (replay)."""

    source: str = ""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(SSB_OBSERVATIONS, group_name="ingest", owners=["team:data-engineering"],
                     description="Every value of every catalog SSB table in the snapshot (long format), loaded "
                                 "into a fresh build database."),
        dg.AssetSpec(SUBMISSION_VALUES, group_name="ingest", owners=["team:data-engineering"],
                     deps=[SUBMISSION_INBOX],
                     description="Every row of every accepted municipal KPI submission, all versions."),
    ],
    pool="kommune_sdg_warehouse",
)
def raw_tables(context: AssetExecutionContext, config: RefreshConfig):
    """Recreate the build database and load raw.ssb_observations and raw.submission_values."""
    h = home().ensure()
    source = config.source or default_source()
    snapshot = resolve_snapshot(source, h, log=context.log.info)
    catalog = ssb_catalog()
    missing = [t.id for t in catalog.tables if t.id not in snapshot.table_ids]
    if missing:
        raise dg.Failure(f"{snapshot.root / 'manifest.json'}: catalog tables {missing} are not in the snapshot")
    frames = []
    per_table: dict[str, int] = {}
    for i, table in enumerate(catalog.tables, start=1):
        frame = ssb_long_frame(snapshot, catalog, table.id)
        per_table[table.id] = len(frame)
        frames.append(frame)
        context.log.info(f"[{i}/{len(catalog.tables)}] table {table.id}: {len(frame):,} values")
    ssb = pd.concat(frames, ignore_index=True)
    kinds = ssb["region"].drop_duplicates().map(lambda code: normalise_region(code)[0])
    region_kinds = pd.Series(kinds.values, index=ssb["region"].drop_duplicates().values)
    left_out = ssb[ssb["region"].map(region_kinds) != "municipality"]
    subs = accepted_submissions(h)
    path = reset_build_db(h)
    with connect(h) as con:
        con.execute("create schema raw")
        con.register("ssb_df", ssb)
        con.execute("create table raw.ssb_observations as select * from ssb_df")
        con.register("subs_df", subs)
        con.execute("create table raw.submission_values as select * from subs_df")
    context.log.info(f"build database {path}: {len(ssb):,} SSB values, {len(subs):,} submission rows")
    yield dg.MaterializeResult(asset_key=SSB_OBSERVATIONS, metadata={
        "rows": dg.MetadataValue.int(len(ssb)),
        "tables": dg.MetadataValue.int(len(per_table)),
        "rows_per_table": dg.MetadataValue.json(per_table),
        "missing_values": dg.MetadataValue.int(int(ssb["value"].isna().sum())),
        # country totals, counties, K-Rest, 9999 ...: kept raw, left out of the municipal marts
        "non_municipal_rows_left_out": dg.MetadataValue.int(len(left_out)),
        "non_municipal_regions_left_out": dg.MetadataValue.json(sorted(left_out["region"].unique().tolist())),
        "snapshot": dg.MetadataValue.path(str(snapshot.root)),
        "snapshot_kind": dg.MetadataValue.text(snapshot.kind),
        "demo_data": dg.MetadataValue.bool(snapshot.is_demo),
        "build_database": dg.MetadataValue.path(str(path)),
        "preview": dg.MetadataValue.md(ssb.head(10).to_markdown(index=False)),
    })
    yield dg.MaterializeResult(asset_key=SUBMISSION_VALUES, metadata={
        "rows": dg.MetadataValue.int(len(subs)),
        "submissions": dg.MetadataValue.int(int(subs["submission_id"].nunique())),
    })
