"""The publish gate, in one place: which checks block publishing, and which marts are published.

The published warehouse (`assets/publish.py`) is replaced only when all of this holds for the build:
1. every check in BLOCKING_CHECKS passed: Dagster does not run a step whose upstream blocking check
   failed (`blocking=True`, severity ERROR). They guard the raw tables (catalog coverage, the GX suites
   and drift per SSB table, the submission suite) before dbt runs, and the goal scores after it;
2. `dbt build` succeeded: every dbt test of severity error passed (a failing one fails the dbt step,
   after its result is recorded as an asset check);
3. the build is of one kind: a live or replayed run holds no demo row and a demo run no real one
   (`checks/demo_separation.py`, before dbt), and every published mart's `is_demo` equals the run's kind
   (the dbt test `is_demo_matches_run`);
4. what is published is exactly the dbt models in `dbt_project/models/marts/` (the dbt selection
   `marts`, read from the manifest: `published_marts`), nothing else in the build database.

Checks that only warn (drift between the warn and error thresholds, `gx_submissions_plausible`, and
`checks/freshness.py: ssb_tables_current`, which names the tables a live fetch kept stale or dropped because
SSB's metadata no longer match the catalog) report with severity WARN and never stop publishing.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from checks.blocking import goal_scores_complete_and_in_range, ssb_tables_cover_all_municipalities
from checks.demo_separation import run_holds_one_kind_of_data
from checks.quality_checks import ssb_quality_suites, submission_quality_suites
from pipeline.dbt_manifest import mart_models

BLOCKING_CHECKS: list[dg.AssetChecksDefinition] = [
    ssb_tables_cover_all_municipalities,  # every catalog table covers every municipality; population > 0
    ssb_quality_suites,  # GX suite + drift per SSB table (drift blocks beyond its error threshold)
    submission_quality_suites,  # GX suite on the accepted submissions
    run_holds_one_kind_of_data,  # demo and real never mix: no demo row in a live/replayed run, and vice versa
    goal_scores_complete_and_in_range,  # one score per municipality x goal, all within 0-100
]


def published_marts(manifest_path: Path) -> list[str]:
    """The marts the gate lets through: every model in the dbt project's marts folder."""
    return mart_models(manifest_path)
