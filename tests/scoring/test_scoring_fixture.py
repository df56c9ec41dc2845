"""The scoring marts on a tiny hand-made fixture, checked against numbers worked out by hand.

The real dbt project (models, macros, KLASS seeds, dbt tests) is copied to a temp dir; only three seeds are
replaced (indicator catalog, municipalities, counties) and the raw tables are written into a fresh build
database. One `dbt build` per module runs every model and every dbt test on it (a failing rule test fails it).

Fixture: five municipalities whose codes never changed (so harmonisation is the identity), years 2019-2024,
base year 2022 (the project default). The minimum of reporting municipalities (var
min_reporting_municipalities, 10 in the product) is 4 here: five municipalities cannot reach 10.

    code  population size class  county
    0301      60 000      6        03
    1101      15 000      4        11
    1106      40 000      5        11      (20 000 on 1 January 2021)
    1111       3 000      2        11
    1112       3 500      2        11      (no population for 2023)

Indicators (goal, direction, bounds, thresholds green/yellow/orange); "index" = counts towards goal scores:
    hi_pct      goal 1, index, higher; ub 100 (target), worst = p2.5 of 2022; 80/60/40
    lo_rate     goal 1, index, lower; count per 1,000 inhabitants (07459); ub 0, worst = p97.5 of 2022;
                5/12/15; U4SSC benchmark 5; only 2022 and 2024 reported (missing years)
    all_equal   goal 2, index, higher; 50 everywhere every year: zero variance -> published, not scored
    floor_ind   goal 2, index, higher; no ub; 70/65/60; every value green, so the data's worst (p2.5 = 70.5)
                lies on the good side of the orange threshold 60 -> worst bound 60
    gap_ind     goal 2, index, higher; lb 20 and ub 100 pinned; 80/60/40; 1111 never reports (4 of 5 = the
                minimum, so scored); goal 2 has 3 index indicators, 1111 only floor_ind -> goal withheld
    one_ind     goal 3, index, lower; the goal's only indicator; lb 100 and ub 0 pinned; values beyond both
    no_data     goal 2, not in the index; the table has only missing values ('..'); U4SSC benchmark 50
    period_3yr  goal 1, not in the index; a three-year-period table (2018-2020 .. 2022-2024), keyed by END year
    sub_kpi     goal 1, submission KPI, not in the index; U4SSC benchmark 80; two versions for 1112
    few_kpi     goal 1, submission KPI, not in the index; 40/30/20; reported by 3 municipalities (< 4)
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.catalog import INDICATORS_FILE
from pipeline.paths import Home
from pipeline.raw_tables import SUBMISSION_COLUMNS
from pipeline.ssb.periods import period_year
from tests.dbt_fixture import copy_dbt_project, dbt_build, load_raw, write_csv

MUNIS = {"0301": ("Oslo", "03", 60000), "1101": ("Eigersund", "11", 15000), "1106": ("Haugesund", "11", 40000),
         "1111": ("Sokndal", "11", 3000), "1112": ("Lund", "11", 3500)}
A, B, C, D, E = MUNIS
YEARS = range(2019, 2025)
MIN_REPORTING = 4
POPULATION_CHANGES = {(C, 2021): 20000, (E, 2023): None}  # otherwise the seed's population every year

CATALOG = [
    # indicator_id, goal, direction, source_type, table_id, contents, denominator, scale, u4ssc, lb, ub, g, y, o,
    # benchmark, in_index
    ("hi_pct", 1, "higher", "ssb", "90001", "Andel", "", 1, "", "", 100, 80, 60, 40, "", "true"),
    ("lo_rate", 1, "lower", "ssb", "90002", "Antall", "population", 1000, "SC: SH: SI: 3C", "", 0, 5, 12, 15, 5,
     "true"),
    ("all_equal", 2, "higher", "ssb", "90003", "Likt", "", 1, "", "", "", 60, 50, 40, "", "true"),
    ("floor_ind", 2, "higher", "ssb", "90007", "Golv", "", 1, "", "", "", 70, 65, 60, "", "true"),
    ("gap_ind", 2, "higher", "ssb", "90008", "Hull", "", 1, "", 20, 100, 80, 60, 40, "", "true"),
    ("no_data", 2, "higher", "ssb", "90004", "Tomt", "", 1, "EN: EN: WS: 1C", "", "", 60, 50, 40, 50, "false"),
    ("one_ind", 3, "lower", "ssb", "90005", "Enkelt", "", 1, "", 100, 0, 20, 40, 60, "", "true"),
    ("period_3yr", 1, "higher", "ssb", "90006", "Andel3", "", 1, "", "", "", 80, 60, 40, "", "false"),
    ("sub_kpi", 1, "higher", "submission", "", "", "", 1, "EC: ICT: ICT: 1C", "", 100, 80, 60, 40, 80, "false"),
    ("few_kpi", 1, "higher", "submission", "", "", "", 1, "EC: ICT: ICT: 4C", "", 100, 40, 30, 20, 80, "false"),
]

HI_PCT = {A: [None, 10, 15, 20, 25, 30], B: [50, 48, 46, 40, 42, 40], C: [40, 45, 50, 60, 60, 60],
          D: [72, 75, 78, 80, 76, 73], E: [100] * 6}
LO_COUNT = {A: 600, B: 300, C: 400, D: 12, E: 0}  # 2022 and 2024; rates 10, 20, 10, 4, 0 per 1,000
ONE_IND = {A: 150, B: -10, C: 25, D: None, E: 50}  # every year
FLOOR_IND = {A: 70, B: 75, C: 85, D: 95, E: 100}  # every year; all green (>= 70)
GAP_IND = {A: 20, B: 40, C: 60, D: None, E: 100}  # every year
PERIODS = ["2018-2020", "2019-2021", "2020-2022", "2021-2023", "2022-2024"]
SUBMISSIONS = [  # (submission, municipality, indicator, value, received_at)
    ("s1", A, "sub_kpi", 20.0, "2025-01-01"), ("s2", B, "sub_kpi", 40.0, "2025-01-01"),
    ("s3", C, "sub_kpi", 64.0, "2025-01-01"), ("s4", D, "sub_kpi", 76.0, "2025-01-01"),
    ("s5", E, "sub_kpi", 10.0, "2025-01-01"), ("s6", E, "sub_kpi", 90.0, "2025-02-01"),
    ("s7", A, "few_kpi", 90.0, "2025-01-01"), ("s8", B, "few_kpi", 50.0, "2025-01-01"),
    ("s9", C, "few_kpi", 70.0, "2025-01-01"),
]


def _ssb_rows() -> list[dict]:
    rows: list[dict] = []

    def add(table: str, contents: str, code: str, period: str, value: float | None, status: str | None = None
            ) -> None:
        rows.append({"table_id": table, "region": code, "contents_code": contents, "filters": "", "period": period,
                     "year": period_year(period), "value": value,
                     "status": status if value is not None else (status or ".."),
                     "source_file": f"tables/{table}/data-000.json", "sha256": "f" * 64, "snapshot_kind": "fixture"})

    for k, (code, (_, _, pop)) in enumerate(MUNIS.items()):
        for i, year in enumerate(YEARS):
            add("07459", "Personer1", code, str(year), POPULATION_CHANGES.get((code, year), pop))
            add("90001", "Andel", code, str(year), HI_PCT[code][i])
            add("90003", "Likt", code, str(year), 50.0)
            add("90004", "Tomt", code, str(year), None)
            add("90005", "Enkelt", code, str(year), ONE_IND[code])
            add("90007", "Golv", code, str(year), FLOOR_IND[code])
            add("90008", "Hull", code, str(year), GAP_IND[code])
            if year in (2022, 2024):
                add("90002", "Antall", code, str(year), LO_COUNT[code], "-" if LO_COUNT[code] == 0 else None)
        for period in PERIODS:  # value = the period's end year - 2000 + 10 per municipality: 2020-2022 -> 22 for 0301
            add("90006", "Andel3", code, period, float(int(period[-4:]) - 2000 + 10 * k))
    return rows


def _submission_frame() -> pd.DataFrame:
    frame = pd.DataFrame([{
        "submission_id": sid, "municipality_code": code, "indicator_id": ind, "year": 2024, "value": value,
        "unit": "prosent", "comment": "", "source_file": f"{code}_kpi.csv", "row_number": 2,
        "content_sha256": "e" * 64, "received_at": pd.Timestamp(received, tz="UTC"), "origin": "real",
    } for sid, code, ind, value, received in SUBMISSIONS])
    return frame[list(SUBMISSION_COLUMNS)].astype(SUBMISSION_COLUMNS)


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("scoring")
    project = copy_dbt_project(root)
    seeds = project / "seeds"
    header = INDICATORS_FILE.read_text(encoding="utf-8").splitlines()[0].split(",")  # the real catalog's columns
    assert header[-5:] == ["numerator", "u4ssc_benchmark", "in_index", "vocabulary", "verification"]
    write_csv(seeds / "indicator_catalog.csv", header, [
        (i, f"{i} nb", f"{i} en", g, f"{g}.1", "prosent", d, st, t, c, "", den, sc, u, lb, ub, gr, ye, orr,
         "teller" if den else "", bm, inx, "fixture", "confirmed" if st == "ssb" else "submission")
        for i, g, d, st, t, c, den, sc, u, lb, ub, gr, ye, orr, bm, inx in CATALOG])
    write_csv(seeds / "municipalities_2024.csv", ["municipality_code", "municipality_name", "county_code",
                                                   "population_2024"],
               [(code, name, county, pop) for code, (name, county, pop) in MUNIS.items()])
    write_csv(seeds / "counties_2024.csv", ["county_code", "county_name"], [("03", "Oslo"), ("11", "Rogaland")])

    home = Home(root / "home").ensure()
    load_raw(home, _ssb_rows(), _submission_frame())
    dbt_build(project, home, "--exclude", "assert_every_goal_has_indicators",  # goals without indicators here
              vars={"min_reporting_municipalities": MIN_REPORTING})
    con = duckdb.connect(str(home.build_db), read_only=True)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, *params) -> tuple:
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, (sql, rows)
    return rows[0]


def score(con, muni: str, ind: str, year: int = 2024) -> tuple:
    return one(con, "select score, rating, trend from marts.indicator_scores "
                    "where municipality_code = ? and indicator_id = ? and year = ?", muni, ind, year)


def test_bounds_fixed_from_base_year(marts) -> None:
    rows = {r[0]: r[1:] for r in marts.execute(
        "select indicator_id, bounds_base_year, bound_worst, bound_best, best_basis, worst_basis, "
        "bounds_municipalities, scoring_withheld_reason from marts.indicators").fetchall()}
    # hi_pct 2022 values 20, 40, 60, 80, 100: p2.5 at position 0.025 * 4 = 0.1 -> 20 + 0.1 * 20 = 22
    # (22 < orange 40: on the bad side, kept)
    assert rows["hi_pct"][0] == 2022
    assert rows["hi_pct"][1] == pytest.approx(22.0)
    assert rows["hi_pct"][2:] == (100.0, "target", "p2.5", 5, None)
    # lo_rate 2022 rates 10, 20, 10, 4, 0 per 1,000: sorted 0, 4, 10, 10, 20; p97.5 at 3.9 -> 10 + 0.9 * 10 = 19
    # (19 > orange 15: lower is better, so on the bad side, kept)
    assert rows["lo_rate"][1] == pytest.approx(19.0)
    assert rows["lo_rate"][2] == 0.0
    # catalog-pinned bounds (lb 100 is on the bad side of orange 60 for lower-is-better)
    assert rows["one_ind"][1:3] == (100.0, 0.0) and rows["one_ind"][4] == "catalog_lb"
    # gap_ind: 4 of 5 municipalities reported in 2022 = the minimum (4): scored on its pinned bounds 20..100
    assert rows["gap_ind"][1:] == (20.0, 100.0, "target", "catalog_lb", 4, None)


def test_worst_bound_never_on_the_good_side_of_orange(marts) -> None:
    # floor_ind 2022 values 70, 75, 85, 95, 100, all green (>= 70): p2.5 = 70 + 0.1 * (75 - 70) = 70.5 lies on
    # the good side of the orange threshold 60, so the worst bound is 60; best = mean of the five best =
    # (70 + 75 + 85 + 95 + 100) / 5 = 85.
    assert one(marts, "select bound_worst, bound_best, worst_basis, best_basis from marts.indicators "
                      "where indicator_id = 'floor_ind'") == (60.0, 85.0, "orange_threshold", "top5_mean")
    # 0301 at 70 is green: 100 * (70 - 60) / (85 - 60) = 40 (on the bounds from the data alone, 70 < 70.5:
    # score 0 beside a green rating). 1101 at 75: 100 * 15 / 25 = 60; 85 and beyond: 100.
    assert score(marts, A, "floor_ind") == (40.0, "green", "on track")  # green since 2019: on track
    assert score(marts, B, "floor_ind")[:2] == (60.0, "green")
    assert score(marts, D, "floor_ind")[:2] == (100.0, "green")
    # the rule, everywhere: a score of 0 is rated orange or red
    assert marts.execute("select count(*) from marts.indicator_scores where score = 0 "
                         "and rating not in ('orange', 'red')").fetchone()[0] == 0
    assert marts.execute("select count(*) from marts.indicator_scores where score = 0").fetchone()[0] > 0


def test_too_few_municipalities_published_but_not_scored(marts) -> None:
    # few_kpi: 3 municipalities reported (90, 50, 70) < the minimum 4. Scored on their own bounds it would give
    # p2.5 = 50 + 0.05 * 20 = 51 as the worst: 1101 at 50 would score 0 beside a green rating (>= 40).
    assert one(marts, "select bounds_base_year, bound_worst, bound_best, bounds_municipalities, "
                      "scoring_withheld_reason from marts.indicators where indicator_id = 'few_kpi'"
               ) == (2024, None, None, 3, "too_few_municipalities")
    rows = marts.execute("select municipality_code, value, score, rating, trend, distance_to_target "
                         "from marts.indicator_scores where indicator_id = 'few_kpi' and value is not null "
                         "order by municipality_code").fetchall()
    assert rows == [(A, 90.0, None, None, None, None), (B, 50.0, None, None, None, None),
                    (C, 70.0, None, None, None, None)]  # the values are published
    # sub_kpi: 5 reporters (1112's later version counts once): scored; worst p2.5 of 20, 40, 64, 76, 90 =
    # 20 + 0.1 * 20 = 22, base year 2024 (no 2022 values)
    assert one(marts, "select bounds_base_year, bound_worst, bounds_municipalities, scoring_withheld_reason "
                      "from marts.indicators where indicator_id = 'sub_kpi'")[0::2] == (2024, 5)


def test_zero_variance_and_no_data_not_scored(marts) -> None:
    # all_equal: 50 everywhere in 2022: nothing tells municipalities apart -> no bounds, no score (it used to
    # score 100 for everyone), no rating, no trend
    assert one(marts, "select bound_worst, bound_best, bounds_municipalities, scoring_withheld_reason "
                      "from marts.indicators where indicator_id = 'all_equal'") == (None, None, 5, "zero_variance")
    assert one(marts, "select count(*), count(value), count(score), count(rating), count(trend) "
                      "from marts.indicator_scores where indicator_id = 'all_equal'") == (30, 30, 0, 0, 0)
    # no_data: rows exist, no values, no scores
    assert one(marts, "select bounds_base_year, bounds_municipalities, scoring_withheld_reason "
                      "from marts.indicators where indicator_id = 'no_data'") == (None, 0, "no_values")
    assert one(marts, "select count(*), count(score) from marts.indicator_scores "
                      "where indicator_id = 'no_data'") == (30, 0)


def test_three_year_periods_keyed_by_end_year(marts) -> None:
    # period_3yr: 2018-2020 .. 2022-2024 -> years 2020 .. 2024; 0301's value for 2020-2022 is 22, keyed 2022
    years = [r[0] for r in marts.execute("select distinct year from marts.indicator_values "
                                         "where indicator_id = 'period_3yr' order by year").fetchall()]
    assert years == [2020, 2021, 2022, 2023, 2024]
    assert one(marts, "select value from marts.indicator_values where indicator_id = 'period_3yr' "
                      "and municipality_code = ? and year = 2022", A) == (22.0,)
    assert one(marts, "select bounds_base_year from marts.indicators where indicator_id = 'period_3yr'") == (2022,)


def test_rates_from_counts_and_population(marts) -> None:
    vals = dict(marts.execute("select municipality_code, value from marts.indicator_values "
                              "where indicator_id = 'lo_rate' and year = 2024").fetchall())
    assert vals == pytest.approx({A: 600 / 60, B: 300 / 15, C: 400 / 40, D: 12 / 3, E: 0.0})
    src, status = one(marts, "select source, status from marts.indicator_values where indicator_id = 'lo_rate' "
                             "and municipality_code = ? and year = 2024", E)
    assert "90002" in src and "07459" in src and status == "-"


def test_indicator_scores_ratings_and_trends(marts) -> None:
    # hi_pct 2024 on bounds 22..100; trends from the earliest year in 2019-2022 against green 80 by 2030
    s, r, t = score(marts, A, "hi_pct")  # 30; start 2020 (2019 missing): +5/yr vs (80-10)/10 = 7 needed
    assert s == pytest.approx(100 * 8 / 78, abs=1e-3) and r == "red" and t == "moderately improving"
    s, r, t = score(marts, B, "hi_pct")  # 40; from 50 in 2019: -2/yr
    assert s == pytest.approx(100 * 18 / 78, abs=1e-3) and r == "orange" and t == "decreasing"
    s, r, t = score(marts, C, "hi_pct")  # 60; +4/yr vs 40/11 = 3.64 needed
    assert s == pytest.approx(100 * 38 / 78, abs=1e-3) and r == "yellow" and t == "on track"
    s, r, t = score(marts, D, "hi_pct")  # 73; +0.2/yr vs 8/11 = 0.73 needed (27%)
    assert s == pytest.approx(100 * 51 / 78, abs=1e-3) and r == "yellow" and t == "stagnating"
    s, r, t = score(marts, E, "hi_pct")  # 100 = target; green since 2019
    assert s == 100.0 and r == "green" and t == "on track"
    # gap_ind on 20..100: 20 -> 0 red, 40 -> 25 orange, 60 -> 50 yellow, 100 -> 100 green; values unchanged
    # since 2019: stagnating (0/yr where (80 - x) / 11 is needed) unless green from the start (on track)
    assert score(marts, A, "gap_ind") == (0.0, "red", "stagnating")
    assert score(marts, B, "gap_ind") == (25.0, "orange", "stagnating")
    assert score(marts, C, "gap_ind") == (50.0, "yellow", "stagnating")
    assert score(marts, E, "gap_ind") == (100.0, "green", "on track")
    assert score(marts, D, "gap_ind") == (None, None, None)


def test_lower_is_better_beyond_bounds_and_missing_years(marts) -> None:
    # lo_rate on bounds 19 (worst) .. 0 (best); only 2022 and 2024 reported -> trend over 2 years, no change
    s, r, t = score(marts, A, "lo_rate")  # 10 per 1,000
    assert s == pytest.approx(100 * (10 - 19) / (0 - 19), abs=1e-3) and r == "yellow" and t == "stagnating"
    s, r, _ = score(marts, B, "lo_rate")  # 20: beyond the worst bound -> 0
    assert s == 0.0 and r == "red"
    s, r, t = score(marts, D, "lo_rate")  # 4, below the green threshold 5 since 2022
    assert s == pytest.approx(100 * 15 / 19, abs=1e-3) and r == "green" and t == "on track"
    assert not marts.execute("select 1 from marts.indicator_scores where indicator_id = 'lo_rate' and year = 2023"
                             ).fetchall()
    # one_ind: pinned 100 (worst) .. 0 (best)
    assert score(marts, A, "one_ind")[:2] == (0.0, "red")  # 150, beyond worst
    assert score(marts, B, "one_ind")[:2] == (100.0, "green")  # -10, beyond best
    assert score(marts, C, "one_ind")[:2] == (75.0, "yellow")
    assert score(marts, E, "one_ind")[:2] == (50.0, "orange")
    assert score(marts, D, "one_ind")[:2] == (None, None)  # missing value


def _goal(marts, muni: str, goal: int, year: int = 2024) -> tuple:
    return one(marts, "select score, rating, trend, indicators_used, indicators_total, distance_to_target "
                      "from marts.goal_scores where municipality_code = ? and goal = ? and year = ?", muni, goal, year)


def test_goal_scores(marts) -> None:
    hi = {A: 100 * 8 / 78, B: 100 * 18 / 78, C: 100 * 38 / 78, D: 100 * 51 / 78, E: 100.0}
    lo = {A: 100 * 9 / 19, B: 0.0, C: 100 * 9 / 19, D: 100 * 15 / 19, E: 100.0}
    expected_rating = {A: "orange",  # red + yellow -> (1 + 3) / 2 = 2
                       B: "orange",  # orange + red -> 1.5: red only if both are red
                       C: "yellow", D: "yellow",  # yellow + green -> 3.5: green only if both are green
                       E: "green"}
    expected_trend = {A: "moderately improving",  # (3 + 2) / 2 = 2.5
                      B: "stagnating",  # (1 + 2) / 2 = 1.5
                      C: "moderately improving", D: "moderately improving", E: "on track"}
    for m in MUNIS:
        s, r, t, used, total, dist = _goal(marts, m, 1)
        assert s == pytest.approx((hi[m] + lo[m]) / 2, abs=0.006), m
        assert dist == pytest.approx(100 - s, abs=0.011)
        assert (r, t, used, total) == (expected_rating[m], expected_trend[m], 2, 2), m  # KPIs not in the index
    # goal 2 has 3 index indicators; all_equal (zero variance) is scored for nobody, so 2 of 3 is the most:
    #   0301: floor 40 (green, on track) + gap 0 (red, stagnating) -> score 20; rating (4 + 1) / 2 = 2.5
    #         orange; trend (4 + 2) / 2 = 3 moderately improving
    assert _goal(marts, A, 2)[:5] == (20.0, "orange", "moderately improving", 2, 3)
    #   1101: floor 60 + gap 25 -> 42.5; green + orange -> 3 yellow; (4 + 2) / 2 = 3
    assert _goal(marts, B, 2)[:5] == (42.5, "yellow", "moderately improving", 2, 3)
    #   1106: floor 100 + gap 50 -> 75; green + yellow -> 3.5 yellow (green only if both)
    assert _goal(marts, C, 2)[:3] == (75.0, "yellow", "moderately improving")
    #   1112: 100 + 100, both green and on track
    assert _goal(marts, E, 2)[:3] == (100.0, "green", "on track")
    #   1111: floor only (gap never reported): 1 of 3 < half -> no score, and so no rating (floor alone is
    #   green) and no trend (on track) either
    assert _goal(marts, D, 2)[:5] == (None, None, None, 1, 3)
    # the rule, everywhere: never a goal rating or trend beside a withheld score
    assert marts.execute("select count(*) from marts.goal_scores where score is null "
                         "and (rating is not null or trend is not null)").fetchone()[0] == 0
    # goal 3 has one indicator: the goal score is that indicator's score; none where it is missing
    assert _goal(marts, C, 3)[:2] == (75.0, "yellow")
    assert _goal(marts, A, 3)[:2] == (0.0, "red")
    assert _goal(marts, D, 3)[:5] == (None, None, None, 0, 1)
    # goals without indicators: a row, no score
    assert _goal(marts, A, 17)[:5] == (None, None, None, 0, 0)
    # lo_rate missing in 2023: goal 1 has 1 of 2 -> still scored (half), on hi_pct alone, rated by it alone
    s2023 = _goal(marts, B, 1, 2023)
    assert s2023[0] == pytest.approx(100 * 20 / 78, abs=0.006) and s2023[1] == "orange" and s2023[3] == 1


def test_index_ranks_and_peer_groups(marts) -> None:
    goal1 = {A: (100 * 8 / 78 + 100 * 9 / 19) / 2, B: (100 * 18 / 78 + 0) / 2,
             C: (100 * 38 / 78 + 100 * 9 / 19) / 2, E: 100.0}
    # mean of goals 1, 2 and 3 (goal 2 from test_goal_scores, goal 3 = one_ind)
    expected = {A: (goal1[A] + 20 + 0) / 3, B: (goal1[B] + 42.5 + 100) / 3, C: (goal1[C] + 75 + 75) / 3,
                E: (100 + 100 + 50) / 3}
    rows = {r[0]: r[1:] for r in marts.execute(
        "select municipality_code, score, rank, peer_group, peer_rank, indicators_used, indicators_total "
        "from marts.sdg_index where year = 2024").fetchall()}
    for m, value in expected.items():
        assert rows[m][0] == pytest.approx(value, abs=0.011), m
    # 6 index indicators; all_equal is never scored, so 5 of 6 = 83% >= 80% for the others;
    # 1111 misses one_ind and gap_ind too: 3 of 6 -> no index
    assert rows[A][4:] == (5, 6)
    assert rows[D][0] is None and rows[D][4:] == (3, 6)
    # national rank: E 83.33, C 66.01, B 51.35, A 16.27
    assert {m: rows[m][1] for m in MUNIS} == {E: 1, C: 2, B: 3, A: 4, D: None}
    # size classes: 60 000 -> 6, 15 000 -> 4, 40 000 -> 5, 3 000 and 3 500 -> 2
    assert {m: rows[m][2] for m in MUNIS} == {A: 6, B: 4, C: 5, D: 2, E: 2}
    assert rows[E][3] == 1 and rows[D][3] is None
    goal_rank = dict(marts.execute("select municipality_code, rank from marts.goal_scores "
                                   "where goal = 3 and year = 2024").fetchall())
    assert goal_rank == {B: 1, C: 2, E: 3, A: 4, D: None}


def _county(marts, county: str, goal: int, year: int) -> tuple:
    return one(marts, "select score, municipalities_scored, municipalities_total, population_share_scored "
                      "from marts.county_goal_scores where county_code = ? and goal = ? and year = ?",
               county, goal, year)


def test_county_rollup_population_weighted(marts) -> None:
    g1 = {B: (100 * 18 / 78) / 2, C: (100 * 38 / 78 + 100 * 9 / 19) / 2, D: (100 * 51 / 78 + 100 * 15 / 19) / 2,
          E: 100.0}
    pop = {B: 15000, C: 40000, D: 3000, E: 3500}
    s, scored, total, share = _county(marts, "11", 1, 2024)
    assert s == pytest.approx(sum(g1[m] * pop[m] for m in pop) / sum(pop.values()), abs=0.006)
    assert (scored, total, share) == (4, 4, 1.0)
    # goal 3 (one_ind: 1101 100, 1106 75, 1112 50, 1111 missing every year), weighted by 1 January of the year:
    # 2024: 1111 (3 000 of 61 500) has no score -> (100 * 15 000 + 75 * 40 000 + 50 * 3 500) / 58 500 = 79.91
    s3, scored3, _, share3 = _county(marts, "11", 3, 2024)
    assert s3 == pytest.approx((100 * 15000 + 75 * 40000 + 50 * 3500) / 58500, abs=0.006)
    assert scored3 == 3 and share3 == pytest.approx(58500 / 61500, abs=1e-4)
    # 2021: 1106 had 20 000 inhabitants that year (40 000 in 2024): (1 500 000 + 75 * 20 000 + 175 000) / 38 500
    # = 3 175 000 / 38 500 = 82.47 (the 2024 population would give 79.91); share 38 500 / 41 500
    s21, _, _, share21 = _county(marts, "11", 3, 2021)
    assert s21 == pytest.approx(3175000 / 38500, abs=0.006) and share21 == pytest.approx(38500 / 41500, abs=1e-4)
    # 2023: 1112 is scored but SSB has no population for it that year: no other year stands in, the county score
    # and share are withheld (with the latest population it would be 79.91 again)
    assert _county(marts, "11", 3, 2023) == (None, 3, 4, None)
    # county 03 (0301 alone) has its population in 2023: its own goal 3 score, 0
    assert _county(marts, "03", 3, 2023) == (0.0, 1, 1, 1.0)


def test_u4ssc_points(marts) -> None:
    pts = {(r[0], r[1]): r[2:] for r in marts.execute(
        "select municipality_code, indicator_id, share_of_benchmark, points from marts.u4ssc_kpis "
        "where year = 2024").fetchall()}
    # sub_kpi (higher, benchmark 80): 20 -> 25% = 1; 40 -> 50% = 2; 64 -> 80% = 3; 76 -> 95% = 4;
    # 1112: the later submission (90, 112.5%) replaces the first (10)
    assert {m: pts[(m, "sub_kpi")][1] for m in MUNIS} == {A: 1, B: 2, C: 3, D: 4, E: 4}
    assert pts[(E, "sub_kpi")][0] == pytest.approx(90 / 80)
    # lo_rate (lower, benchmark 5 per 1,000): 10 -> 5/10 = 50% = 2; 20 -> 25% = 1; 4 -> 125% = 4; 0 -> 4
    assert {m: pts[(m, "lo_rate")][1] for m in MUNIS} == {A: 2, B: 1, C: 2, D: 4, E: 4}
    # few_kpi is not scored (3 reporters) but has U4SSC points: 90/80 = 112.5% -> 4; 50/80 = 62.5% -> 2;
    # 70/80 = 87.5% -> 3
    assert {m: pts[(m, "few_kpi")] for m in (A, B, C)} == {A: (1.125, 4), B: (0.625, 2), C: (0.875, 3)}
    # no_data: a missing value has no share of the benchmark and no points (not the cap, 10)
    # (u4ssc_kpis keeps one row per municipality, code and year: the code's rows say no_data, carrier NULL)
    n, shares, points, statuses = one(
        marts, "select count(*), count(share_of_benchmark), count(points), list(distinct data_status) "
               "from marts.u4ssc_kpis where u4ssc_code = 'EN: EN: WS: 1C'")
    assert n >= len(MUNIS) and (shares, points, statuses) == (0, 0, ["no_data"])


def test_goal_coverage(marts) -> None:
    rows = {r[0]: r[1:] for r in marts.execute(
        "select goal, indicators_total, indicators_reported, value_coverage, municipalities_scored "
        "from marts.goal_coverage where year = 2024").fetchall()}
    assert rows[1] == (2, 2, 1.0, 5)
    # goal 2: all_equal (5 values, not scored), floor_ind (5), gap_ind (4): 14 of 3 x 5 = 0.9333; 1111 unscored
    assert rows[2] == (3, 3, 0.9333, 4)
    assert rows[3] == (1, 1, 0.8, 4)  # 1111 missing
    assert rows[17] == (0, 0, None, 0)
