"""The indicator catalog's shape, and the scoring marts on the run's shared demo refresh."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from pipeline.catalog import load_indicators, ssb_catalog
from pipeline.submissions.catalog import code_key, load_u4ssc_kpis
from testkit.shared_demo import PublishedDemo

NEW_MARTS = {"county_goal_scores", "u4ssc_codes", "u4ssc_kpis", "u4ssc_dimensions", "goal_coverage",
             "score_sensitivity"}
# Goals whose SSB indicators are all unverified (no evidenced codes yet, docs/methodology.md): no index indicator,
# so no goal score until their tables' metadata is read.
GOALS_WITHOUT_INDEX = {12, 14}
# Goals with one index indicator: their second was a duplicate of the first (goal 2: the same 09594 farmland area
# per inhabitant; goal 7: energy expenditure per m2 = energy use per m2 times a price) and no other municipal
# series for them has evidence (docs/research/replacements.md; docs/methodology.md section 9).
GOALS_WITH_ONE_INDEX_INDICATOR = {2, 7}


def test_catalog_covers_every_goal_and_its_tables_are_fetched() -> None:
    rows = load_indicators()
    assert len(rows) >= 60
    assert len({r["indicator_id"] for r in rows}) == len(rows)
    per_goal = Counter(int(r["goal"]) for r in rows)
    assert set(per_goal) == set(range(1, 18)) and min(per_goal.values()) >= 1
    index_per_goal = Counter(int(r["goal"]) for r in rows if r["in_index"] == "true")
    assert set(index_per_goal) == set(range(1, 18)) - GOALS_WITHOUT_INDEX
    assert {g for g, n in index_per_goal.items() if n < 2} == GOALS_WITH_ONE_INDEX_INDICATOR
    catalog = ssb_catalog()
    for r in rows:
        assert r["direction"] in ("higher", "lower"), r["indicator_id"]
        # sourced thresholds in the good direction; empty ones follow the rule (int_indicators__thresholds)
        sourced = [float(r[c]) for c in ("green", "yellow", "orange") if r[c]]
        sign = 1 if r["direction"] == "higher" else -1
        pairs = zip(sourced, sourced[1:], strict=False)
        assert all(sign * (a - b) > 0 for a, b in pairs), f"{r['indicator_id']}: thresholds out of order"
        if r["source_type"] == "ssb":
            assert r["contents_code"] in catalog.table(r["table_id"]).contents_codes, r["indicator_id"]
            _assert_filters_selected(catalog.table(r["table_id"]), r["filters"], r["indicator_id"])
            den = r["denominator"]
            if den.startswith("ssb:"):
                _, table, contents, den_filters = den.split(":")
                assert contents in catalog.table(table).contents_codes, r["indicator_id"]
                _assert_filters_selected(catalog.table(table), den_filters, r["indicator_id"])
            else:
                assert den in ("", "population"), r["indicator_id"]
        else:
            assert r["source_type"] == "submission" and r["in_index"] == "false"
        if r["u4ssc_benchmark"]:  # a benchmark only where a U4SSC code says what it benchmarks
            assert r["u4ssc_code"], r["indicator_id"]


def _assert_filters_selected(table, filters: str, indicator_id: str) -> None:
    """Every series the filters name (alternatives separated by '|', summed) is one the catalog selects: each
    selected dimension gets exactly one of its selected codes."""
    for alternative in filters.split("|"):
        pairs = dict(f.split("=") for f in alternative.split(";") if f)
        assert set(pairs) == set(table.selection), (indicator_id, alternative, table.selection)
        assert all(v in table.selection[k] for k, v in pairs.items()), (indicator_id, alternative)
        assert alternative == ";".join(f"{k}={pairs[k]}" for k in sorted(pairs)), f"{indicator_id}: sort the filters"


@pytest.fixture(scope="module")
def demo(published_demo: PublishedDemo) -> duckdb.DuckDBPyConnection:
    """The run's shared demo refresh (tests/conftest.py), read only."""
    assert published_demo.summary.success
    con = duckdb.connect(str(published_demo.home.published_db), read_only=True)
    yield con
    con.close()


def test_demo_goal_scores_cover_all_goals(demo: duckdb.DuckDBPyConnection) -> None:
    tables = {r[0] for r in demo.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    assert tables >= NEW_MARTS
    latest = demo.execute("select max(year) from marts.goal_scores").fetchone()[0]
    rows = demo.execute("select goal, municipalities_scored, municipalities_total, min_score, max_score "
                        "from marts.goal_coverage where year = ? order by goal", [latest]).fetchall()
    assert [r[0] for r in rows] == list(range(1, 18))
    for goal, scored, total, lo, hi in rows:
        if goal in GOALS_WITHOUT_INDEX:
            assert scored == 0, f"goal {goal} has no index indicator but {scored} scores"
            continue
        assert scored >= 0.9 * total, f"goal {goal}: {scored}/{total} scored"
        assert hi - lo > 10, f"goal {goal}: no spread ({lo}-{hi})"
    n_index, n_munis = demo.execute("select count(score), count(*) from marts.sdg_index where year = ?",
                                    [latest]).fetchone()
    assert n_index >= 0.9 * n_munis
    ranks = [r[0] for r in demo.execute("select rank from marts.sdg_index where year = ? and rank is not null "
                                        "order by rank", [latest]).fetchall()]
    assert ranks[0] == 1 and len(ranks) == n_index


def test_demo_goal_score_is_mean_of_its_indicator_scores(demo: duckdb.DuckDBPyConnection) -> None:
    """Recompute a goal score and the county rollup in Python from the published indicator scores."""
    latest = demo.execute("select max(year) from marts.goal_scores").fetchone()[0]
    scores = [r[0] for r in demo.execute(
        "select s.score from marts.indicator_scores s join marts.indicators i using (indicator_id) "
        "where s.municipality_code = '0301' and s.goal = 11 and s.year = ? and i.in_index and s.score is not null",
        [latest]).fetchall()]
    total = demo.execute("select count(*) from marts.indicators where goal = 11 and in_index").fetchone()[0]
    goal = demo.execute("select score, indicators_used from marts.goal_scores where municipality_code = '0301' "
                        "and goal = 11 and year = ?", [latest]).fetchone()
    assert goal[1] == len(scores)
    if 2 * len(scores) >= total:
        assert goal[0] == pytest.approx(sum(scores) / len(scores), abs=0.006)
    munis = demo.execute("select g.score, m.population from marts.goal_scores g join marts.municipalities m "
                         "using (municipality_code) where m.county_code = '46' and g.goal = 4 and g.year = ? "
                         "and g.score is not null", [latest]).fetchall()
    county = demo.execute("select score from marts.county_goal_scores where county_code = '46' and goal = 4 "
                          "and year = ?", [latest]).fetchone()[0]
    # weights are the population of that year; the published population is the latest year's, so compare loosely
    assert county == pytest.approx(sum(s * p for s, p in munis) / sum(p for _, p in munis), abs=0.5)


def test_demo_u4ssc_points_follow_the_benchmark(demo: duckdb.DuckDBPyConnection) -> None:
    rows = demo.execute("select direction, value, benchmark, points from marts.u4ssc_kpis "
                        "where value is not null").fetchall()
    assert rows
    for direction, value, bench, points in rows:
        if bench is None:  # a KPI without a benchmark has no points
            assert points is None
            continue
        share = value / bench if direction == "higher" else (bench / value if value > 0 else 1.0)
        expected = 1 if share < 0.33 else 2 if share < 0.66 else 3 if share < 0.95 else 4
        assert points == expected, (direction, value, bench, points)


def test_sensitivity_scenarios_recomputed_in_python(demo: duckdb.DuckDBPyConnection) -> None:
    """marts.score_sensitivity against the published goal and indicator scores, recomputed here: the geometric
    mean of goal scores (each floored at 1), equal indicator weights, and a rank interval that holds every
    scenario's rank; the same municipalities are ranked in every scenario."""
    import math  # noqa: PLC0415

    latest = demo.execute("select max(year) from marts.sdg_index where score is not null").fetchone()[0]
    sens = {(m, s): (score, rank, lo, hi) for m, s, score, rank, lo, hi in demo.execute(
        "select municipality_code, scenario, score, rank, rank_low, rank_high from marts.score_sensitivity "
        "where year = ?", [latest]).fetchall()}
    published = dict(demo.execute("select municipality_code, score from marts.sdg_index where year = ? "
                                  "and score is not null", [latest]).fetchall())
    scenarios = {s for _, s in sens}
    assert scenarios == {"baseline", "bounds_p5_p95", "bounds_p10_p90", "geometric_mean", "indicator_weights"}
    for scenario in scenarios:
        assert {m for m, s in sens if s == scenario} == set(published), scenario
    for code in ("0301", "3201", "1151"):
        if code not in published:
            continue
        goals = [r[0] for r in demo.execute(
            "select score from marts.goal_scores where municipality_code = ? and year = ? and score is not null",
            [code, latest]).fetchall()]
        geometric = math.exp(sum(math.log(max(g, 1.0)) for g in goals) / len(goals))
        assert sens[(code, "geometric_mean")][0] == pytest.approx(geometric, abs=0.02), code
        assert sens[(code, "baseline")][0] == published[code]
        indicators = [r[0] for r in demo.execute(
            "select s.score from marts.indicator_scores s join marts.indicators i using (indicator_id) "
            "join marts.goal_scores g on g.municipality_code = s.municipality_code and g.goal = s.goal "
            "and g.year = s.year where s.municipality_code = ? and s.year = ? and i.in_index "
            "and s.score is not null and g.score is not null", [code, latest]).fetchall()]
        assert sens[(code, "indicator_weights")][0] == pytest.approx(sum(indicators) / len(indicators), abs=0.02)
        ranks = [sens[(code, s)][1] for s in scenarios]
        assert sens[(code, "baseline")][2:] == (min(ranks), max(ranks)), code


def test_demo_u4ssc_kpis_cover_every_code(demo: duckdb.DuckDBPyConnection) -> None:
    """Every seed KPI for every municipality and year; values from SSB where the catalog has a table, from the
    demo submission (Bærum) for the rest; missing ones NULL with data_status no_data; the rollup adds up."""
    kpis = {k.code: k for k in load_u4ssc_kpis()}
    assert len(kpis) == 91  # KS's 90 codes + EN: EN: WS: 4C
    n_munis = demo.execute("select count(*) from marts.municipalities").fetchone()[0]
    per_year = demo.execute("select year, count(*), count(distinct u4ssc_code) from marts.u4ssc_kpis "
                            "group by year").fetchall()
    assert per_year and all(n == n_munis * len(kpis) and codes == len(kpis) for _, n, codes in per_year)
    dims = dict(demo.execute("select distinct u4ssc_code, dimension from marts.u4ssc_kpis").fetchall())
    assert dims == {c: {"EC": "economy", "EN": "environment", "SC": "society_and_culture"}[c[:2]] for c in kpis}
    assert demo.execute("select count(*) from marts.u4ssc_kpis where (value is null) <> (data_status = 'no_data') "
                        "or (value is null and (share_of_benchmark is not null or points is not null))"
                        ).fetchone()[0] == 0
    latest = demo.execute("select max(year) from marts.u4ssc_kpis").fetchone()[0]
    status = dict(demo.execute("select u4ssc_code, data_status from marts.u4ssc_kpis where municipality_code = "
                               "'3201' and year = ?", [latest]).fetchall())
    carried = {code_key(r["u4ssc_code"]): r["source_type"] for r in load_indicators() if r["u4ssc_code"]}
    for code in kpis:
        source = carried.get(code_key(code))
        if source is None:  # only the demo submission has it
            assert status[code] == "submission", code
        elif source == "ssb" and status[code] == "ssb":
            assert demo.execute("select count(*) from marts.u4ssc_kpis where u4ssc_code = ? and year = ? "
                                "and data_status = 'ssb'", [code, latest]).fetchone()[0] > n_munis / 2, code
    assert "no_data" in demo.execute("select distinct data_status from marts.u4ssc_kpis where municipality_code "
                                     "= '0301'").fetchnumpy()["data_status"]
    carriers = dict(demo.execute("select u4ssc_code, indicator_ids from marts.u4ssc_codes").fetchall())
    assert len(carriers) == len(kpis)
    # the corrected mappings (issue 15): shore access is not "Protected natural areas", wastewater treatment is 4C
    assert carriers["EN: EN: PSN: 3A"] == "protected_area_share"
    assert carriers["EN: EN: WS: 4C"] == "wastewater_compliance" and carriers["EN: EN: WS: 3C"] is None
    assert carriers["SC: SH: SI: 3C"] == "low_income_eu60|poverty_share"  # SSB first
    rollup = demo.execute(
        "select d.municipality_code, d.dimension, d.year, d.kpis_total, d.kpis_reported, d.kpis_from_ssb, "
        "d.kpis_from_submissions, k.total, k.reported, k.ssb, k.sub from marts.u4ssc_dimensions d join ("
        "  select municipality_code, dimension, year, count(*) total, count(value) reported,"
        "  count(*) filter (where data_status = 'ssb') ssb, count(*) filter (where data_status = 'submission') sub"
        "  from marts.u4ssc_kpis group by all) k using (municipality_code, dimension, year)").fetchall()
    assert len(rollup) == 3 * n_munis * len(per_year)
    assert all(r[3:7] == r[7:11] for r in rollup)
    assert sum(r[3] for r in rollup if r[0] == "3201" and r[2] == latest) == len(kpis)
