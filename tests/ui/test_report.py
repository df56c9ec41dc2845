"""The static HTML report built by the nightly refresh: one page per municipality, content from the marts,
bundled Plotly (no CDN), demo label, and build speed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.reports.build import build_report, plotly_js_path
from pipeline.reports.data import fmt_number, rating_of, trend_of
from tests.ui.conftest import Published


def q(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_refresh_builds_index_and_one_page_per_municipality(published: Published) -> None:
    home = published.home
    reports = home.reports_dir
    codes = {r[0] for r in q(home.published_db, "select municipality_code from marts.municipalities")}
    pages = {p.stem for p in (reports / "kommune").glob("*.html")}
    assert pages == codes and len(pages) == 357
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert all(f'href="kommune/{c}.html"' in index for c in codes)
    assert (reports / "assets" / "plotly.min.js").stat().st_size == plotly_js_path().stat().st_size
    assert (reports / "dbt-docs" / "static_index.html").stat().st_size > 100_000
    assert 'href="dbt-docs/static_index.html"' in index
    meta = (reports / "report.json").read_text()
    assert published.summary.run_id in meta


def test_pages_load_nothing_from_the_network(published: Published) -> None:
    reports = published.home.reports_dir
    external = re.compile(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', re.I)
    for page in [reports / "index.html", *sorted((reports / "kommune").glob("*.html"))[:40]]:
        html = page.read_text(encoding="utf-8")
        assert not external.search(html), page
        assert "assets/plotly.min.js" in html and "assets/report.js" in html


def test_municipality_page_matches_the_marts(published: Published) -> None:
    home = published.home
    db = home.published_db
    year = q(db, "select max(year) from marts.goal_scores where score is not null")[0][0]
    html = (home.reports_dir / "kommune" / "3201.html").read_text(encoding="utf-8")
    assert '<h1 data-municipality="3201">Bærum' in html
    ratings = dict(q(db, f"select goal, rating from marts.goal_scores where municipality_code = '3201' "
                        f"and year = {year}"))
    tiles = re.findall(r'data-goal="(\d+)" data-rating="(\w+)"', html)
    assert [int(g) for g, _ in tiles] == list(range(1, 18))
    assert {int(g): r for g, r in tiles} == {g: rating_of(ratings.get(g))[0] for g in range(1, 18)}
    for goal, name_nb, name_en, colour in q(db, "select goal, name_nb, name_en, colour from marts.goals"):
        assert name_nb in html and name_en in html and f"--goal:{colour}" in html, goal
    ids = set(re.findall(r'<tr data-indicator="([^"]+)"', html))
    assert ids == {r[0] for r in q(db, "select indicator_id from marts.indicators")}
    # the latest value of one indicator, formatted the Norwegian way, with its year
    ind, y, value = q(db, "select indicator_id, year, value from marts.indicator_values where municipality_code='3201' "
                          "and value is not null order by year desc, indicator_id limit 1")[0]
    row = re.search(rf'<tr data-indicator="{re.escape(ind)}".*?</tr>', html, re.S).group(0)
    assert fmt_number(value) in row and f">{y}<" in row
    # index score, national median and peer group shown
    score = q(db, f"select score from marts.sdg_index where municipality_code='3201' and year={year}")[0][0]
    assert f'id="index-score">{fmt_number(score, 1)}<' in html
    assert 'id="peer-group"' in html and "Landsmedian" in html and "National median" in html
    assert 'id="demo-banner"' in html and "DEMO" in html
    assert 'id="freshness"' in html and published.summary.run_id in html
    # indicators whose SSB codes are unverified say so on their row, and only they do
    unverified = {r[0] for r in q(db, "select indicator_id from marts.indicators where verification = 'unverified'")}
    assert unverified
    for ind in ids:
        row = re.search(rf'<tr data-indicator="{re.escape(ind)}".*?</tr>', html, re.S).group(0)
        assert ("ikke verifisert" in row) == (ind in unverified), ind


def test_municipality_page_shows_the_rank_interval(published: Published) -> None:
    """The rank interval of marts.score_sensitivity ("rank 40-55 under reasonable choices") and each scenario's
    rank, for the report year."""
    db = published.home.published_db
    year = q(db, "select max(year) from marts.sdg_index where score is not null")[0][0]
    rows = q(db, f"select scenario, rank, rank_low, rank_high from marts.score_sensitivity "
                 f"where municipality_code = '3201' and year = {year} order by scenario")
    low, high = rows[0][2], rows[0][3]
    assert low == min(r[1] for r in rows) and high == max(r[1] for r in rows)
    html = (published.home.reports_dir / "kommune" / "3201.html").read_text(encoding="utf-8")
    block = re.search(r'<div class="kpi-sub" id="rank-interval".*?</details></div>', html, re.S).group(0)
    assert f"rank {fmt_number(low, 0)}–{fmt_number(high, 0)} under reasonable choices" in block
    assert len(re.findall(r"<li>[^<]+: \d+</li>", block)) == len(rows) == 5


def test_trend_and_rating_labels() -> None:
    assert trend_of("on track").arrow == "↑"
    assert trend_of("moderately improving").arrow == "↗"
    assert trend_of("stagnating").arrow == "→"
    assert trend_of("decreasing").arrow == "↓"
    assert trend_of(None).arrow == "" and trend_of(float("nan")).arrow == ""
    assert rating_of("Green")[0] == "green" and rating_of(None)[0] == "none"
    assert fmt_number(12345.678) == "12\u202f346" and fmt_number(12.5) == "12,5" and fmt_number(None) == "–"


@pytest.fixture(scope="module")
def live_copy(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published warehouse as if it came from a live SSB fetch (no demo flags)."""
    db = tmp_path_factory.mktemp("live") / "kommune_sdg.duckdb"
    shutil.copyfile(published.home.published_db, db)
    con = duckdb.connect(str(db))
    try:
        con.execute("update meta.refresh set snapshot_kind = 'live'")
        for (t,) in con.execute("select table_name from information_schema.columns where table_schema='marts' "
                                "and column_name='is_demo'").fetchall():
            con.execute(f"update marts.{t} set is_demo = false")
    finally:
        con.close()
    return db


def test_no_demo_label_on_live_data(live_copy: Path, tmp_path: Path) -> None:
    """(The build's speed is measured by bench/report_build.py, not asserted here.)"""
    result = build_report(live_copy, tmp_path / "reports", dbt_docs=False)
    assert result.pages == 357 and not result.demo and result.seconds > 0
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    page = (tmp_path / "reports" / "kommune" / "0301.html").read_text(encoding="utf-8")
    assert 'id="demo-banner"' not in index and 'id="demo-banner"' not in page
    assert "dbt-docs/static_index.html" not in index


def test_rebuild_removes_pages_of_vanished_municipalities(live_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    build_report(live_copy, out, dbt_docs=False)
    (out / "kommune" / "9999.html").write_text("stale")
    result = build_report(live_copy, out, dbt_docs=False)
    assert result.removed_pages == 1 and not (out / "kommune" / "9999.html").exists()
