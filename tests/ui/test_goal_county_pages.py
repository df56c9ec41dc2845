"""The 17 goal pages and 15 county pages of the report: content from the marts, maps drawn in headless Chromium
(357 shapes on each goal map, the county's municipalities on each county map), charts with text alternatives,
no console errors; county authorities in the SDG network are marked."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from pipeline.paths import DBT_PROJECT_DIR
from pipeline.reports.build import build_report
from pipeline.reports.data import fmt_number, rating_of
from tests.ui.conftest import Published, js_errors, open_page, screenshot
from tests.ui.test_maps import drawn_shapes, wait_for_maps
from tests.ui.test_report import q
from tests.ui.test_report_browser import wait_for_charts

SEEDS = DBT_PROJECT_DIR / "seeds"


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def report_year(db: Path) -> int:
    return q(db, "select max(year) from marts.goal_scores where score is not null")[0][0]


def test_goal_pages_hold_the_goal_from_the_marts(published: Published) -> None:
    db, reports = published.home.published_db, published.home.reports_dir
    year = report_year(db)
    assert sorted(p.name for p in (reports / "goal").glob("*.html")) == [f"{g:02d}.html" for g in range(1, 18)]
    index = (reports / "index.html").read_text(encoding="utf-8")
    for goal, name_nb in q(db, "select goal, name_nb from marts.goals order by goal"):
        html = (reports / "goal" / f"{goal:02d}.html").read_text(encoding="utf-8")
        assert f'href="goal/{goal:02d}.html"' in index
        assert f'<h1 data-goal="{goal}">' in html and name_nb in html
        indicators = [r[0] for r in q(db, f"select indicator_id from marts.indicators where goal = {goal}")]
        assert sorted(re.findall(r'<tr data-indicator="([^"]+)"', html)) == sorted(indicators)
        assert sorted(re.findall(r'href="../indikator/([^"]+)\.html" data-indicator-link', html)) == sorted(indicators)
        rows = q(db, f"select municipality_code, score, rating from marts.goal_scores where goal = {goal} "
                     f"and year = {year}")
        keys = dict(re.findall(r'<a href="../kommune/(\d{4}).html" data-code="\d{4}" data-key="(\w+)">', html))
        assert len(keys) == 357
        assert keys == {c: rating_of(r)[0] for c, _, r in rows} | {c: "none" for c in keys if c not in
                                                                    {r[0] for r in rows}}
        scored = sorted((r for r in rows if r[1] is not None), key=lambda r: (-r[1], r[0]))
        best = re.search(r'<table class="data" id="goal-best">.*?</table>', html, re.S).group(0)
        assert re.findall(r'<tr data-code="(\d{4})">', best) == [r[0] for r in scored[:10]]
        worst = re.search(r'<table class="data" id="goal-worst">.*?</table>', html, re.S).group(0)
        if len(scored) > 10:
            assert re.findall(r'<tr data-code="(\d{4})">', worst) == [r[0] for r in scored[::-1][:10]]
        counts = Counter(rating_of(r[2])[0] for r in rows)
        legend = re.search(r'<ul class="map-legend.*?</ul>', html, re.S).group(0)
        assert f"({counts.get('red', 0)})" in legend and f"({counts.get('green', 0)})" in legend
        assert "Kartverket" in html and 'id="local-meaning"' in html


def test_goal_pages_draw_map_and_charts_in_chromium(published: Published, report_server: str, browser) -> None:
    for goal in range(1, 18):
        open_page(browser, f"{report_server}/goal/{goal:02d}.html")
        wait_for_maps(browser, 1)
        wait_for_charts(browser, 2)
        assert js_errors(browser) == [], goal
        assert drawn_shapes(browser, f"map-goal-{goal}") == 357, goal
        fig = browser.find_element(By.ID, f"map-goal-{goal}")
        assert "Kartverket" in fig.find_element(By.CSS_SELECTOR, ".map-credit").text
        # every chart has a text alternative it is described by
        for chart in browser.find_elements(By.CSS_SELECTOR, "[data-figure]"):
            alt = browser.find_element(By.ID, chart.get_attribute("aria-describedby"))
            assert len(alt.text) > 20, (goal, chart.get_attribute("id"))
        if goal == 3:
            link = fig.find_element(By.CSS_SELECTOR, 'a[data-code="0301"]')
            browser.execute_script("arguments[0].focus()", link)
            info = fig.find_element(By.CSS_SELECTOR, ".map-info").text
            assert info.startswith("Oslo (0301)") and "/" not in info and ("score" in info or "ingen score" in info)
            # the colouring switches from rating to score classes and back; the legend follows
            path = link.find_element(By.TAG_NAME, "path")
            rating_fill = path.get_attribute("fill")
            fig.find_element(By.CSS_SELECTOR, '.map-modes input[value="score"]').click()
            assert path.get_attribute("fill") == path.get_attribute("data-alt-fill") != rating_fill
            assert fig.find_element(By.CSS_SELECTOR, '.map-legend[data-mode="score"]').is_displayed()
            assert not fig.find_element(By.CSS_SELECTOR, '.map-legend[data-mode="rating"]').is_displayed()
            screenshot(browser, "report_goal_03_score")
            fig.find_element(By.CSS_SELECTOR, '.map-modes input[value="rating"]').click()
            assert path.get_attribute("fill") == rating_fill
            assert js_errors(browser) == []
            screenshot(browser, "report_goal_03")


def test_county_pages_show_their_municipalities(published: Published, report_server: str, browser) -> None:
    db, reports = published.home.published_db, published.home.reports_dir
    year = report_year(db)
    counties = seed_rows("counties_2024.csv")
    per_county = Counter(r["county_code"] for r in seed_rows("municipalities_2024.csv"))
    assert sorted(p.stem for p in (reports / "fylke").glob("*.html")) == sorted(c["county_code"] for c in counties)
    rollup = {(c, g): s for c, g, s in q(db, f"select county_code, goal, score from marts.county_goal_scores "
                                              f"where year = {year}")}
    for county in counties:
        code = county["county_code"]
        open_page(browser, f"{report_server}/fylke/{code}.html")
        wait_for_maps(browser, 1)
        wait_for_charts(browser, 1)
        assert js_errors(browser) == [], code
        assert county["county_name"] in browser.find_element(By.TAG_NAME, "h1").text
        assert drawn_shapes(browser, f"map-county-{code}") == per_county[code], code
        assert len(browser.find_elements(By.CSS_SELECTOR, "#county-municipalities tbody tr")) == per_county[code]
        assert "Kartverket" in browser.find_element(By.CSS_SELECTOR, f"#map-county-{code} .map-credit").text
        cells = {int(tr.get_attribute("data-goal")): tr.find_elements(By.TAG_NAME, "td")[1].text
                 for tr in browser.find_elements(By.CSS_SELECTOR, "#county-goals tbody tr")}
        assert cells == {g: fmt_number(rollup.get((code, g)), 1) for g in range(1, 18)}, code
        if code == "46":
            screenshot(browser, "report_county_46")
    # a municipality page links to its county page, and the link works
    open_page(browser, f"{report_server}/kommune/3201.html")
    browser.find_element(By.ID, "county-link").click()
    assert browser.current_url.endswith("/fylke/32.html")
    assert js_errors(browser) == []


@pytest.fixture(scope="module")
def network_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The network as the dbt seed states it (the agreed county members, and one municipality)."""
    path = tmp_path_factory.mktemp("network") / "sdg_network.csv"
    path.write_text("member_code,member_name,member_kind,joined_year,source\n"
                    "15,Møre og Romsdal fylkeskommune,county,2019,KS\n50,Trøndelag fylkeskommune,county,2019,KS\n"
                    "31,Østfold fylkeskommune,county,2024,KS\n32,Akershus fylkeskommune,county,2024,KS\n"
                    "33,Buskerud fylkeskommune,county,2024,KS\n3201,Bærum,municipality,2020,KS\n", encoding="utf-8")
    return path


def test_network_county_authorities_are_marked(published: Published, network_seed: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = build_report(published.home.published_db, out, dbt_docs=False, network_seed=network_seed)
    assert result.county_pages == 15 and result.goal_pages == 17
    members = {"15", "50", "31", "32", "33"}
    for page in (out / "fylke").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert ('id="network-member"' in html) == (page.stem in members), page.name
    assert 'since 2019' in (out / "fylke" / "15.html").read_text(encoding="utf-8")
    akershus = (out / "fylke" / "32.html").read_text(encoding="utf-8")
    row = re.search(r'<tr data-code="3201">.*?</tr>', akershus, re.S).group(0)
    assert "badge network" in row
    index = (out / "index.html").read_text(encoding="utf-8")
    listed = re.search(r'<ul class="county-links".*?</ul>', index, re.S).group(0)
    marked = re.findall(r'<a href="fylke/(\d\d).html">[^<]*</a> <span class="small">\(\d+\)</span> '
                        r'<span class="badge network"', listed)
    assert set(marked) == members
    # without a seed (and no network mart) nothing is marked
    build_report(published.home.published_db, out, dbt_docs=False, network_seed=tmp_path / "absent.csv")
    assert not any('id="network-member"' in p.read_text(encoding="utf-8") for p in (out / "fylke").glob("*.html"))


def test_bad_network_seed_names_file_row_and_field(published: Published, tmp_path: Path) -> None:
    seed = tmp_path / "sdg_network.csv"
    seed.write_text("member_code,member_name,member_kind,joined_year,source\n15,Møre og Romsdal,fylke,2019,KS\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"sdg_network.csv row 2: .*member_kind.*'fylke'"):
        build_report(published.home.published_db, tmp_path / "reports", dbt_docs=False, network_seed=seed)
