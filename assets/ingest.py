"""Ingest layer: the SSB snapshot (demo, live fetch or replay) and the load-only step that puts it and the
accepted submissions into a fresh build database."""

import shutil
from dataclasses import dataclass, field

import dagster as dg
from dagster import AssetExecutionContext

from pipeline.asset_keys import SSB_OBSERVATIONS, SSB_SNAPSHOT, SUBMISSION_INBOX, SUBMISSION_VALUES
from pipeline.catalog import ssb_catalog
from pipeline.diskspace import guard
from pipeline.raw_tables import SSB_COLUMNS, accepted_submissions, write_ssb_parquet
from pipeline.refresh_inputs import decide
from pipeline.regions import normalise_region
from pipeline.resources import DataHome, ReferenceData, SsbSource, Warehouse
from pipeline.snapshot import SnapshotError, open_snapshot
from pipeline.sources import Source, resolve_snapshot


class SnapshotConfig(dg.Config):
    """source: 'demo' (bundled synthetic snapshot), 'live' (SSB API) or 'snapshot:DIR' (replay); empty: the
    `ssb` resource's source (the schedule's)."""

    source: str = ""


class LoadConfig(dg.Config):
    # Rebuild even when the snapshot, the accepted submissions and the code equal the published run's.
    force: bool = False


@dataclass(frozen=True)
class SnapshotRef:
    """What the snapshot asset hands to the load step: the folder and its manifest hash (the data version)."""

    root: str
    kind: str
    manifest_sha256: str
    source: str
    fetch: dict[str, dict] = field(default_factory=dict)


@dg.asset(key=SSB_SNAPSHOT, group_name="ingest", owners=["team:data-engineering"], kinds={"json"},
          description="The SSB snapshot a refresh reads: the bundled DEMO snapshot, a live PxWebApi v2 fetch "
                      "(incremental, within SSB's limits) or a stored snapshot replayed. Content-addressed under "
                      "KOMMUNE_SDG_HOME/snapshots/; its data version is the manifest's sha256.")
def ssb_snapshot(context: AssetExecutionContext, config: SnapshotConfig, data_home: DataHome,
                 ssb: SsbSource) -> dg.Output[SnapshotRef]:
    source = Source.parse(config.source or ssb.source)
    resolved = resolve_snapshot(source, data_home.home, ssb.base_url, log=context.log.info)
    snapshot = resolved.snapshot
    catalog_ids = [t.id for t in ssb_catalog().tables]
    missing = [t for t in catalog_ids if t not in snapshot.table_ids and t not in snapshot.dropped]
    if missing:
        raise SnapshotError(f"{snapshot.root / 'manifest.json'}: catalog tables {missing} are not in the snapshot")
    statuses = {t: snapshot.table_status(t) for t in catalog_ids}
    for t, st in statuses.items():
        if st["status"] != "current":
            context.log.warning(f"SSB table {t} is {st['status'].upper()}"
                                + (f" (data of {st['data_fetched_at']})" if st["data_fetched_at"] else "")
                                + f": {st['reason']}")
    sha = snapshot.manifest_sha256()
    ref = SnapshotRef(str(snapshot.root), snapshot.kind, sha, str(source), resolved.fetch)
    metadata: dict[str, dg.MetadataValue] = {
        "snapshot": dg.MetadataValue.path(str(snapshot.root)),
        "snapshot_kind": dg.MetadataValue.text(snapshot.kind),
        "demo_data": dg.MetadataValue.bool(snapshot.is_demo),
        "source": dg.MetadataValue.text(str(source)),
        "tables": dg.MetadataValue.int(len(snapshot.table_ids)),
        "manifest_sha256": dg.MetadataValue.text(sha),
        "tables_stale": dg.MetadataValue.json({t: st for t, st in statuses.items() if st["status"] == "stale"}),
        "tables_dropped": dg.MetadataValue.json({t: st["reason"] for t, st in statuses.items()
                                                 if st["status"] == "dropped"}),
    }
    if resolved.fetch:
        metadata |= {
            "ssb_fetch": dg.MetadataValue.json(resolved.fetch),
            "ssb_requests": dg.MetadataValue.int(sum(t["requests"] for t in resolved.fetch.values())),
            "ssb_tables_unchanged": dg.MetadataValue.json(
                sorted(tid for tid, t in resolved.fetch.items() if t["status"] == "unchanged")),
        }
    return dg.Output(ref, data_version=dg.DataVersion(sha), metadata=metadata)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(SSB_OBSERVATIONS, group_name="ingest", owners=["team:data-engineering"], skippable=True,
                     deps=[SSB_SNAPSHOT],
                     description="Every value of every catalog SSB table in the snapshot (long format), loaded "
                                 "into a fresh build database."),
        dg.AssetSpec(SUBMISSION_VALUES, group_name="ingest", owners=["team:data-engineering"], skippable=True,
                     deps=[SUBMISSION_INBOX],
                     description="Every row of every accepted municipal KPI submission, all versions."),
    ],
    ins={"snapshot": dg.AssetIn(SSB_SNAPSHOT)},
    pool="kommune_sdg_warehouse",
)
def raw_tables(context: AssetExecutionContext, config: LoadConfig, snapshot: SnapshotRef, data_home: DataHome,
               warehouse: Warehouse, reference: ReferenceData):
    """Load only: recreate the build database and load raw.ssb_observations and raw.submission_values, unless
    nothing changed since the published run (then nothing downstream runs)."""
    h = data_home.home
    snap = open_snapshot(snapshot.root)
    decision = decide(snap, h, snapshot.source, warehouse.published_path, reference.project_dir, config.force)
    if decision.unchanged:
        # No output, so dbt, the checks and publish are skipped and the published warehouse stays as it is
        # (it is exactly what a rebuild would give).
        message = (f"{decision.reason} (snapshot, submissions and code identical): ingest, dbt, checks and "
                   "publish skipped; force with run config force: true or `kommune-sdg refresh --force`")
        context.log.info(message)
        for key in (SSB_OBSERVATIONS, SUBMISSION_VALUES):
            context.log_event(dg.AssetObservation(asset_key=key, description=message, metadata={
                "skipped": dg.MetadataValue.bool(True),
                "reason": dg.MetadataValue.text("unchanged since the last published refresh"),
                "published_run_id": dg.MetadataValue.text(str(decision.published["run_id"])),
                **{k: dg.MetadataValue.text(v) for k, v in decision.inputs.items()}}))
        return
    context.log.info(f"rebuilding: {decision.reason}")
    inputs = decision.inputs
    catalog = ssb_catalog()
    # Each table streams to Parquet (one file per data file, dictionary-encoded, no pandas round trip);
    # DuckDB then reads the files directly: peak memory is one data file, not the whole snapshot.
    # a full disk while loading: a clear DiskFull naming the build database, which is removed with the raw
    # Parquet files (the space comes back; the next refresh recreates both)
    raw_parquet = warehouse.build_path.parent / "raw_parquet"
    with guard("the build database (load)", warehouse.build_path,
               on_full=lambda: (warehouse.reset_build_db(), shutil.rmtree(raw_parquet, ignore_errors=True))):
        path = warehouse.reset_build_db()
        parquet_dir = path.parent / "raw_parquet"
        shutil.rmtree(parquet_dir, ignore_errors=True)
        files: list[str] = []
        statuses = {t.id: snap.table_status(t.id) for t in catalog.tables}
        for i, table in enumerate(catalog.tables, start=1):
            if statuses[table.id]["status"] == "dropped":
                context.log.warning(f"[{i}/{len(catalog.tables)}] table {table.id}: dropped from this refresh")
                continue
            written = write_ssb_parquet(snap, catalog, table.id, parquet_dir)
            files += [str(p) for p in written]
            context.log.info(f"[{i}/{len(catalog.tables)}] table {table.id}: {len(written)} file(s)")
        # a demo run loads the demo intake's submissions only, a live or replayed run the real ones only
        subs = accepted_submissions(h.intake(snap.origin))
        with warehouse.connect() as con:
            con.execute("create schema raw")
            columns = ", ".join(SSB_COLUMNS)
            con.execute(f"create table raw.ssb_observations as select {columns} from read_parquet(?)", [files])
            con.register("subs_df", subs)
            con.execute("create table raw.submission_values as select * from subs_df")
            # per catalog table: current, stale (kept the last good data) or dropped, with the reason
            con.execute("create table raw.ssb_table_status (table_id varchar, status varchar, reason varchar, "
                        "data_fetched_at varchar)")
            con.executemany("insert into raw.ssb_table_status values (?, ?, ?, ?)",
                            [[t, s["status"], s["reason"], s["data_fetched_at"]] for t, s in statuses.items()])
            # what this build was made from, and whether it is a demo run (every mart's is_demo must equal
            # it); publish copies it into meta.refresh (the next run's skip test)
            con.execute("create table raw.refresh_inputs as select ? as source, ? as snapshot_sha256, "
                        "? as submissions_sha256, ? as code_version, ? as is_demo",
                        [inputs["source"], inputs["snapshot_sha256"], inputs["submissions_sha256"],
                         inputs["code_version"], snap.is_demo])
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
        "snapshot": dg.MetadataValue.path(snapshot.root),
        "snapshot_kind": dg.MetadataValue.text(snapshot.kind),
        "demo_data": dg.MetadataValue.bool(snap.is_demo),
        "build_database": dg.MetadataValue.path(str(path)),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
        "skipped": dg.MetadataValue.bool(False),
        "table_status": dg.MetadataValue.json({t: s["status"] for t, s in statuses.items()}),
        **{k: dg.MetadataValue.text(v) for k, v in inputs.items()},
    })
    yield dg.MaterializeResult(asset_key=SUBMISSION_VALUES, metadata={
        "rows": dg.MetadataValue.int(len(subs)),
        "origin": dg.MetadataValue.text(snap.origin),
        "intake": dg.MetadataValue.path(str(h.intake(snap.origin).accepted_dir)),
        "submissions": dg.MetadataValue.int(int(subs["submission_id"].nunique())),
    })
