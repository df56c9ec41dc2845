"""Ingest layer: load the snapshot's SSB tables and accepted submissions into a fresh build database."""

import os
import shutil

import dagster as dg
from dagster import AssetExecutionContext

from pipeline.build_db import connect, reset_build_db
from pipeline.catalog import ssb_catalog
from pipeline.paths import home
from pipeline.raw_tables import SSB_COLUMNS, accepted_submissions, write_ssb_parquet
from pipeline.refresh_inputs import FORCE_ENV, refresh_inputs, unchanged_since_publish
from pipeline.regions import normalise_region
from pipeline.sources import default_source, resolve_snapshot

SSB_OBSERVATIONS = dg.AssetKey(["raw", "ssb_observations"])
SUBMISSION_VALUES = dg.AssetKey(["raw", "submission_values"])
SUBMISSION_INBOX = dg.AssetKey("submission_inbox")


class RefreshConfig(dg.Config):
    """source: 'demo' (bundled synthetic snapshot), 'live' (SSB API) or 'snapshot:DIR' (replay)."""

    source: str = ""
    # Rebuild even when the snapshot, the accepted submissions and the code equal the published run's.
    force: bool = False


@dg.multi_asset(
    specs=[
        dg.AssetSpec(SSB_OBSERVATIONS, group_name="ingest", owners=["team:data-engineering"], skippable=True,
                     description="Every value of every catalog SSB table in the snapshot (long format), loaded "
                                 "into a fresh build database."),
        dg.AssetSpec(SUBMISSION_VALUES, group_name="ingest", owners=["team:data-engineering"], skippable=True,
                     deps=[SUBMISSION_INBOX],
                     description="Every row of every accepted municipal KPI submission, all versions."),
    ],
    pool="kommune_sdg_warehouse",
)
def raw_tables(context: AssetExecutionContext, config: RefreshConfig):
    """Recreate the build database and load raw.ssb_observations and raw.submission_values."""
    h = home().ensure()
    source = config.source or default_source()
    resolved = resolve_snapshot(source, h, log=context.log.info)
    snapshot = resolved.snapshot
    catalog = ssb_catalog()
    missing = [t.id for t in catalog.tables if t.id not in snapshot.table_ids]
    if missing:
        raise dg.Failure(f"{snapshot.root / 'manifest.json'}: catalog tables {missing} are not in the snapshot")
    inputs = refresh_inputs(snapshot, h, source)
    published = None if (config.force or os.environ.get(FORCE_ENV)) else unchanged_since_publish(inputs, h)
    if published:
        # Nothing changed since the published run: no output, so dbt, the checks and publish are skipped and
        # the published warehouse stays as it is (it is exactly what a rebuild would give).
        message = (f"unchanged since published run {published['run_id']} (snapshot, submissions and code "
                   "identical): ingest, dbt, checks and publish skipped; force with run config force: true or "
                   f"{FORCE_ENV}=1")
        context.log.info(message)
        for key in (SSB_OBSERVATIONS, SUBMISSION_VALUES):
            context.log_event(dg.AssetObservation(asset_key=key, description=message, metadata={
                "skipped": dg.MetadataValue.bool(True),
                "reason": dg.MetadataValue.text("unchanged since the last published refresh"),
                "published_run_id": dg.MetadataValue.text(str(published["run_id"])),
                **{k: dg.MetadataValue.text(v) for k, v in inputs.items()}}))
        return
    # Each table streams to Parquet (one file per data file, dictionary-encoded, no pandas round trip);
    # DuckDB then reads the files directly: peak memory is one data file, not the whole snapshot.
    path = reset_build_db(h)
    parquet_dir = path.parent / "raw_parquet"
    shutil.rmtree(parquet_dir, ignore_errors=True)
    files: list[str] = []
    for i, table in enumerate(catalog.tables, start=1):
        written = write_ssb_parquet(snapshot, catalog, table.id, parquet_dir)
        files += [str(p) for p in written]
        context.log.info(f"[{i}/{len(catalog.tables)}] table {table.id}: {len(written)} file(s)")
    subs = accepted_submissions(h)
    with connect(h) as con:
        con.execute("create schema raw")
        columns = ", ".join(SSB_COLUMNS)
        con.execute(f"create table raw.ssb_observations as select {columns} from read_parquet(?)", [files])
        con.register("subs_df", subs)
        con.execute("create table raw.submission_values as select * from subs_df")
        # what this build was made from; publish copies it into meta.refresh (the next run's skip test)
        con.execute("create table raw.refresh_inputs as select ? as source, ? as snapshot_sha256, "
                    "? as submissions_sha256, ? as code_version",
                    [inputs["source"], inputs["snapshot_sha256"], inputs["submissions_sha256"],
                     inputs["code_version"]])
        per_table = dict(con.execute("select table_id, count(*) from raw.ssb_observations group by 1 order by 1"
                                     ).fetchall())
        n_rows, n_missing = con.execute("select count(*), count(*) - count(value) from raw.ssb_observations"
                                        ).fetchone()
        region_rows = con.execute("select region, count(*) from raw.ssb_observations group by 1").fetchall()
        preview = con.execute("select * from raw.ssb_observations limit 10").df()
    shutil.rmtree(parquet_dir, ignore_errors=True)
    # country totals, counties, K-Rest, 9999 ...: kept raw, left out of the municipal marts
    left_out = {r: n for r, n in region_rows if normalise_region(r)[0] != "municipality"}
    context.log.info(f"build database {path}: {n_rows:,} SSB values, {len(subs):,} submission rows")
    yield dg.MaterializeResult(asset_key=SSB_OBSERVATIONS, metadata={
        "rows": dg.MetadataValue.int(n_rows),
        "tables": dg.MetadataValue.int(len(per_table)),
        "rows_per_table": dg.MetadataValue.json(per_table),
        "missing_values": dg.MetadataValue.int(n_missing),
        "non_municipal_rows_left_out": dg.MetadataValue.int(sum(left_out.values())),
        "non_municipal_regions_left_out": dg.MetadataValue.json(sorted(left_out)),
        "snapshot": dg.MetadataValue.path(str(snapshot.root)),
        "snapshot_kind": dg.MetadataValue.text(snapshot.kind),
        "demo_data": dg.MetadataValue.bool(snapshot.is_demo),
        "build_database": dg.MetadataValue.path(str(path)),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
        "skipped": dg.MetadataValue.bool(False),
        **{k: dg.MetadataValue.text(v) for k, v in inputs.items()},
        **({"ssb_fetch": dg.MetadataValue.json(resolved.fetch),
            "ssb_requests": dg.MetadataValue.int(sum(t["requests"] for t in resolved.fetch.values())),
            "ssb_tables_unchanged": dg.MetadataValue.json(
                sorted(tid for tid, t in resolved.fetch.items() if t["status"] == "unchanged"))}
           if resolved.fetch else {}),
    })
    yield dg.MaterializeResult(asset_key=SUBMISSION_VALUES, metadata={
        "rows": dg.MetadataValue.int(len(subs)),
        "submissions": dg.MetadataValue.int(int(subs["submission_id"].nunique())),
    })
