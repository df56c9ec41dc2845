"""The report in a real browser (headless Debian Chromium): charts render, no JavaScript errors, the index
filters; screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.ui.conftest import Published, js_errors, open_page, screenshot

CHART_TIMEOUT = 90


def wait_for_charts(driver, expected: int) -> None:
    WebDriverWait(driver, CHART_TIMEOUT).until(
        lambda d: d.execute_script("return document.body.dataset.chartsRendered") is not None
        or d.execute_script("return (window.__jsErrors || []).length") > 0)
    assert driver.execute_script("return document.body.dataset.chartsRendered") == str(expected), js_errors(driver)


def drawn_traces(driver, chart_id: str) -> int:
    """SVG trace groups Plotly drew inside one chart container (bars, scatter or histogram)."""
    return driver.execute_script(
        "var el = document.getElementById(arguments[0]);"
        "if (!el || !el.classList.contains('js-plotly-plot')) { return -1; }"
        "return el.querySelectorAll('svg.main-svg g.trace').length;", chart_id)


def test_index_page_renders_and_filters(published: Published, report_server: str, browser) -> None:
    open_page(browser, f"{report_server}/index.html")
    wait_for_charts(browser, 2)
    assert js_errors(browser) == []
    assert drawn_traces(browser, "chart-national") >= 1 and drawn_traces(browser, "chart-histogram") >= 1
    bars = browser.execute_script("return document.querySelectorAll('#chart-national g.trace.bars g.point').length")
    assert bars == 17
    assert browser.find_element(By.ID, "demo-banner").is_displayed()
    rows = browser.find_elements(By.CSS_SELECTOR, "#municipalities tbody tr")
    assert len(rows) == 357
    screenshot(browser, "report_index")
    box = browser.find_element(By.ID, "filter")
    box.send_keys("bærum")
    visible = [r for r in rows if r.is_displayed()]
    assert [r.find_element(By.CSS_SELECTOR, "td").text for r in visible] == ["3201"]


@pytest.mark.parametrize("code", ["3201", "0301", "1151"])
def test_municipality_page_charts_render_without_errors(published: Published, report_server: str, browser,
                                                        code: str) -> None:
    db = published.home.published_db
    con = duckdb.connect(str(db), read_only=True)
    try:
        year = con.execute("select max(year) from marts.goal_scores where score is not null").fetchone()[0]
        scored = con.execute(f"select count(score) from marts.goal_scores where municipality_code='{code}' "
                             f"and year={year}").fetchone()[0]
        colours = dict(con.execute("select goal, colour from marts.goals").fetchall())
    finally:
        con.close()
    open_page(browser, f"{report_server}/kommune/{code}.html")
    wait_for_charts(browser, 2)
    assert js_errors(browser) == []
    assert drawn_traces(browser, "chart-goals") == 3 and drawn_traces(browser, "chart-index") == 3
    # the bar trace holds every scored goal, and a visible bar is drawn for each positive score (plotly keeps a
    # flat path for a goal without a score: goals 12 and 14 have no verified indicator)
    values, visible, positive = browser.execute_script(
        "const gd = document.getElementById('chart-goals'); const ys = gd.data[0].y;"
        "const paths = [...gd.querySelectorAll('g.trace.bars g.point path')];"
        "return [ys.filter(v => v !== null).length, paths.filter(p => p.getBBox().height > 0).length,"
        "        ys.filter(v => v !== null && v > 0).length];")
    assert values == scored and visible == positive
    tiles = browser.find_elements(By.CSS_SELECTOR, "#goal-tiles li.tile[data-rating]")
    assert len(tiles) == 17
    for tile in tiles:
        goal = int(tile.get_attribute("data-goal"))
        hexcol = colours[goal].lstrip("#")
        rgb = tuple(int(hexcol[i:i + 2], 16) for i in (0, 2, 4))
        assert tile.value_of_css_property("background-color") in (f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, 1)",
                                                                  f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})")
    assert browser.find_element(By.ID, "demo-banner").is_displayed()
    screenshot(browser, f"report_{code}")


def test_harness_catches_a_broken_chart(served_reports: Path, report_server: str, browser) -> None:
    """Negative control: a page whose figure JSON is broken must show up as a JavaScript error."""
    reports = served_reports
    html = (reports / "kommune" / "3201.html").read_text(encoding="utf-8")
    broken = reports / "kommune" / "_broken_test_page.html"
    broken.write_text(html.replace('<script type="application/json" id="figures">{',
                                   '<script type="application/json" id="figures">{oops', 1), encoding="utf-8")
    try:
        open_page(browser, f"{report_server}/kommune/{broken.name}")
        WebDriverWait(browser, CHART_TIMEOUT).until(lambda d: d.execute_script("return document.readyState")
                                                    == "complete")
        WebDriverWait(browser, 10).until(lambda d: js_errors(d))
        assert any("JSON" in e or "Unexpected" in e for e in js_errors(browser))
        assert browser.execute_script("return document.body.dataset.chartsRendered") is None
    finally:
        broken.unlink()
