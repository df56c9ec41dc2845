"""Demo and real never mix: a blocking check that refuses a run whose raw inputs are not all of its own kind.

A demo run (its snapshot is the bundled demo) may hold demo rows only; a live or replayed run (a real
snapshot) may hold real rows only. Rows are demo when their snapshot kind is `demo`, or, for submissions,
when their recorded origin is `demo` or their bytes are the bundled demo file's (however they got in). It
runs before dbt, so nothing of a mixed run is built or published; the dbt test `is_demo_matches_run` on
every published mart guards the marts themselves.
"""

import dagster as dg

from checks.kinds import CHECK_KIND_KEY, PYTHON
from pipeline.asset_keys import SSB_OBSERVATIONS, SUBMISSION_VALUES
from pipeline.demo.submission import demo_submission_bytes
from pipeline.resources import DataHome, Warehouse
from pipeline.submissions.store import sha256

MAX_EXAMPLES = 10


def _run_kind(is_demo: bool) -> str:
    return "demo run" if is_demo else "live or replayed run (real data)"


@dg.asset_check(asset=SUBMISSION_VALUES, blocking=True, additional_deps=[SSB_OBSERVATIONS],
                description="Demo and real never mix: a live or replayed run holds no demo row (no demo "
                            "snapshot value, no submission of demo origin or with the bundled demo file's "
                            "bytes), and a demo run no real submission. Blocks dbt and publishing.")
def run_holds_one_kind_of_data(warehouse: Warehouse, data_home: DataHome) -> dg.AssetCheckResult:
    demo_sha = sha256(demo_submission_bytes())
    with warehouse.connect(read_only=True) as con:
        is_demo, source = con.execute("select is_demo, source from raw.refresh_inputs").fetchone()
        ssb_wrong = con.execute("select count(*) from raw.ssb_observations where (snapshot_kind = 'demo') <> ?",
                                [is_demo]).fetchone()[0]
        subs_wrong = con.execute(
            """
            select submission_id, any_value(source_file), any_value(municipality_code), any_value(origin),
                   count(*)
            from raw.submission_values
            where (origin = 'demo' or content_sha256 = ?) <> ?
            group by submission_id order by submission_id
            """, [demo_sha, is_demo]).fetchall()
    run = _run_kind(bool(is_demo))
    wrong_kind = "real" if is_demo else "demo"
    problems: list[str] = []
    if ssb_wrong:
        problems.append(f"{ssb_wrong:,} SSB values of a {wrong_kind} snapshot")
    if subs_wrong:
        intake = data_home.home.intake("real" if not is_demo else "demo")
        examples = "; ".join(f"submission {sid} (file {file}, municipality {muni}, origin {origin}, {n} rows: "
                             f"{intake.accepted_dir / (sid + '.parquet')})"
                             for sid, file, muni, origin, n in subs_wrong[:MAX_EXAMPLES])
        problems.append(f"{sum(r[4] for r in subs_wrong):,} {wrong_kind} submission rows in "
                        f"{len(subs_wrong)} file(s): {examples}")
    passed = not problems
    if passed:
        description = f"{run}, source {source}: every row is {'demo' if is_demo else 'real'}"
    else:
        description = (f"{run}, source {source}, contains {wrong_kind} data, so nothing is published: "
                       + "; ".join(problems)
                       + (". Demo submissions are loaded only in demo runs: move these files out of the real "
                          "store (demo data belong in KOMMUNE_SDG_HOME/demo/)" if not is_demo else
                          ". A demo run loads the demo intake only: these files do not belong in it"))
    return dg.AssetCheckResult(passed=passed, severity=dg.AssetCheckSeverity.ERROR, description=description,
                               metadata={CHECK_KIND_KEY: PYTHON, "is_demo_run": dg.MetadataValue.bool(bool(is_demo)),
                                         "ssb_rows_of_other_kind": dg.MetadataValue.int(int(ssb_wrong)),
                                         "submission_files_of_other_kind": dg.MetadataValue.json(
                                             [r[0] for r in subs_wrong])})
