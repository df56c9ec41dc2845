"""The quality report (pipeline/quality/): kinds read from check metadata, rendering (escaping included),
publishing from a real Dagster run, and the drift baseline promotion. No dbt: the runs here are a few
small assets and checks materialized in a test instance."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from checks.drift import baseline_path, promote_baseline, stats_path
from checks.kinds import CHECK_KIND_KEY, DBT, DRIFT, GX, PYTHON, UNKNOWN
from pipeline.paths import Home
from pipeline.quality import QUALITY_REPORT_KEY, CheckRow, QualityReport, publish_quality_report, report_dir
from pipeline.quality.collect import kind_of
from pipeline.quality.render import REPORT_STATIC_DIR, to_html, to_json, to_markdown

HOSTILE = "<script>alert('x')</script>"
DBT_METADATA = {"unique_id": "test.kommune_sdg.not_null_marts_goal_scores_score.1a2b3c", "invocation_id": "0f1e2d",
                "status": "pass"}


# ------------------------------------------------------------------------------------------------ kinds

@pytest.mark.parametrize(("metadata", "kind"), [
    ({CHECK_KIND_KEY: GX}, GX),
    ({CHECK_KIND_KEY: DRIFT, "drift": {}}, DRIFT),
    ({CHECK_KIND_KEY: dg.MetadataValue.text(PYTHON)}, PYTHON),  # as stored: a TextMetadataValue
    ({CHECK_KIND_KEY: DBT}, DBT),
    (DBT_METADATA, DBT),  # dagster-dbt's own metadata on a test evaluation
    ({k: dg.MetadataValue.text(v) for k, v in DBT_METADATA.items()}, DBT),
    ({"unique_id": "model.kommune_sdg.goal_scores", "invocation_id": "0f1e2d"}, UNKNOWN),  # not a test
    ({"unique_id": "test.kommune_sdg.x"}, UNKNOWN),  # no dbt invocation
    ({CHECK_KIND_KEY: "GX suite"}, UNKNOWN),  # not an allowed value
    ({CHECK_KIND_KEY: {"kind": GX}}, UNKNOWN),
    ({"failures": []}, UNKNOWN),
    ({}, UNKNOWN),
])
def test_kind_from_metadata(metadata: dict, kind: str) -> None:
    assert kind_of(metadata) == kind


# ------------------------------------------------------------------------------------------------ render

def _report() -> QualityReport:
    return QualityReport(
        run_id="0123456789abcdef", job="nightly_refresh", status="FAILURE", started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:03:00+00:00", published=False, source="demo",
        checks=[
            CheckRow("raw/ssb_observations", "gx_ssb_10540", "GX suite", "failed", "ERROR", True,
                     f"values out of range {HOSTILE}", 12, [f"expect_column_values_to_be_between value: 12 rows "
                                                              f"e.g. {HOSTILE}", "second | example"]),
            CheckRow("marts/goal_scores", "not_null_goal_scores_score", "dbt test", "not run", "", None,
                     "not evaluated"),
            CheckRow("raw/ssb_observations", "drift_ssb_10540", "drift", "passed", "WARN", True, "within thresholds"),
        ],
        failures=[f"step raw_tables: {HOSTILE}"], rows={"raw/ssb_observations": 10})


def test_html_shows_failing_check_and_escapes_text() -> None:
    page = to_html(_report())
    assert "gx_ssb_10540" in page and "not_null_goal_scores_score" in page
    assert '<tr class="status-failed"><td>failed</td><td>ERROR blocking</td><td>GX suite</td>' in page
    assert '<tr class="status-not-run">' in page and '<tr class="status-passed">' in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "e.g. &lt;script&gt;" in page and "<br>second | example" in page  # examples, one a line
    for section in ("<h1>Data quality report</h1>", "<h2>Failures</h2>", "<th>detail / examples</th>",
                    "3 checks: 1 passed, 1 failed (1 blocking),", "not published", "0123456789abcdef"):
        assert section in page
    assert (REPORT_STATIC_DIR / "report.css").read_text(encoding="utf-8") in page  # the public report's CSS


def test_html_without_failures_has_no_failures_section() -> None:
    report = _report()
    report.failures, report.published, report.status = [], True, "SUCCESS"
    page = to_html(report)
    assert "<h2>Failures</h2>" not in page and "not published" not in page


def test_markdown_and_json() -> None:
    report = _report()
    md = to_markdown(report)
    assert md.startswith("**Run 01234567: FAILURE**, NOT published (source demo)")
    assert "Checks: 3 total, 1 passed, 1 failed (1 blocking), 1 not run." in md
    assert "| failed | ERROR blocking | GX suite | raw/ssb_observations | gx_ssb_10540 | 12 |" in md
    assert "second \\| example" in md  # a pipe in a cell cannot break the table
    doc = json.loads(to_json(report))
    assert list(doc) == ["run_id", "job", "status", "started_at", "finished_at", "published", "source", "checks",
                         "failures", "rows", "generated_at", "counts"]
    assert list(doc["checks"][0]) == ["asset", "check", "kind", "status", "severity", "blocking", "description",
                                      "failed_count", "examples"]
    assert doc["counts"] == {"total": 3, "passed": 1, "failed": 1, "not run": 1, "failed_blocking": 1}


# ------------------------------------------------------------------------------------------------ baseline

def _stats(home: Home, run_id: str) -> Path:
    path = stats_path(home, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run_id": run_id, "tables": {}}))
    return path


def test_promote_baseline(tmp_path: Path) -> None:
    home = Home(tmp_path)
    _stats(home, "run-a")
    _stats(home, "run-b")
    assert promote_baseline(home, "run-b")
    assert json.loads(baseline_path(home).read_text())["run_id"] == "run-b"
    assert not list(stats_path(home, "x").parent.glob("*.json"))  # other runs' stats are never needed again


def test_promote_baseline_without_stats_keeps_the_baseline(tmp_path: Path) -> None:
    home = Home(tmp_path)
    _stats(home, "run-a")
    promote_baseline(home, "run-a")
    _stats(home, "run-c")
    assert not promote_baseline(home, "run-b")  # run-b wrote no stats (failed before the checks)
    assert json.loads(baseline_path(home).read_text())["run_id"] == "run-a"
    assert stats_path(home, "run-c").exists()


# ------------------------------------------------------------------------------------------------ a run

GX_PASSES = {"value": True}


@dg.asset(key=["raw", "table"])
def raw_table() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 7})


@dg.asset_check(asset=raw_table, blocking=True)
def gx_table() -> dg.AssetCheckResult:
    failures = [] if GX_PASSES["value"] else [
        {"expectation": "expect_column_values_to_not_be_null", "column": "value", "unexpected_count": 3,
         "detail": "values present", "examples": [HOSTILE]}]
    return dg.AssetCheckResult(passed=GX_PASSES["value"], metadata={CHECK_KIND_KEY: GX, "failures": failures})


@dg.asset(key=["marts", "scores"], deps=[raw_table])
def scores() -> None:
    return None


@dg.asset_check(asset=scores)
def not_null_scores() -> dg.AssetCheckResult:  # metadata as dagster-dbt writes it for a dbt test
    return dg.AssetCheckResult(passed=True, metadata=DBT_METADATA)


@dg.asset_check(asset=scores)
def gx_named_but_undeclared() -> dg.AssetCheckResult:  # a name is no kind
    return dg.AssetCheckResult(passed=True)


@dg.asset(key=["publish", "warehouse"], deps=[scores])
def publish_warehouse() -> None:
    return None


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst


def _run(instance: dg.DagsterInstance, home: Home, gx_passes: bool) -> str:
    GX_PASSES["value"] = gx_passes
    result = dg.materialize([raw_table, gx_table, scores, not_null_scores, gx_named_but_undeclared,
                             publish_warehouse], instance=instance, raise_on_error=False,
                            tags={"kommune_sdg/source": "demo"})
    _stats(home, result.run_id)  # what the drift check writes
    return result.run_id


def _kinds(report: QualityReport) -> dict[str, tuple[str, str]]:
    return {c.check: (c.kind, c.status) for c in report.checks}


def test_publish_report_of_a_run(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    home = Home(tmp_path)
    good = _run(instance, home, gx_passes=True)
    report = publish_quality_report(instance, good, home)
    assert report.status == "SUCCESS" and report.published and report.source == "demo"
    assert report.rows == {"raw/table": 7}
    assert _kinds(report) == {"gx_table": ("GX suite", "passed"), "not_null_scores": ("dbt test", "passed"),
                              "gx_named_but_undeclared": ("unknown", "passed")}
    base = report_dir(home)
    for name in (f"runs/{good}.json", f"runs/{good}.html", "latest.json", "latest.html"):
        assert (base / name).exists(), name
    assert json.loads((base / "latest.json").read_text())["run_id"] == good
    assert json.loads(baseline_path(home).read_text())["run_id"] == good  # published: promoted
    mat = instance.get_latest_materialization_event(QUALITY_REPORT_KEY).asset_materialization
    assert mat.metadata["run_id"].value == good and mat.metadata["checks_total"].value == 3
    assert "| passed | ERROR | dbt test | marts/scores | not_null_scores |" in mat.metadata["report"].value

    bad = _run(instance, home, gx_passes=False)
    report = publish_quality_report(instance, bad, home)
    assert report.status == "FAILURE" and not report.published
    # checks the run never evaluated carry the kind of their latest evaluation; unknown stays unknown
    assert _kinds(report) == {"gx_table": ("GX suite", "failed"), "not_null_scores": ("dbt test", "not run"),
                              "gx_named_but_undeclared": ("unknown", "not run")}
    failed = report.checks[0]
    assert failed.check == "gx_table" and failed.failed_count == 3 and HOSTILE in failed.examples[0]
    assert report.counts["failed_blocking"] == 1
    assert json.loads(baseline_path(home).read_text())["run_id"] == good  # not published: baseline kept
    assert stats_path(home, bad).exists()
    page = (report_dir(home) / "latest.html").read_text()
    assert "gx_table" in page and "<script" not in page


def test_not_run_check_never_evaluated_is_unknown(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    home = Home(tmp_path)
    report = publish_quality_report(instance, _run(instance, home, gx_passes=False), home)
    assert _kinds(report)["not_null_scores"] == ("unknown", "not run")
    assert not baseline_path(home).exists()
