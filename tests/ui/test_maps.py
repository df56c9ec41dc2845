"""The report's maps: the committed geometry covers the 2024 structure and is reproducible from Kartverket's
borders; in headless Chromium the index map draws 357 municipality shapes coloured like the marts, hover and
focus show name, score and trend, a click or Enter opens the municipality; the credit, year and legend are on
the map; the run metadata reports the build time and the site's size."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from pipeline.asset_keys import MUNICIPALITY_REPORT
from pipeline.paths import DBT_PROJECT_DIR, REPO_ROOT, SHARED_DATA_DIR
from pipeline.refresh import instance_for
from pipeline.reports.data import fmt_number
from pipeline.reports.geo import GEOMETRY_FILE, load_geometry, path_bbox
from pipeline.reports.maps import index_class
from tests.ui.conftest import Published, js_errors, open_page, screenshot
from tests.ui.test_report import q

SEEDS = DBT_PROJECT_DIR / "seeds"
WAIT = 90


def seed_codes(name: str, column: str) -> list[str]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as f:
        return [r[column] for r in csv.DictReader(f)]


def wait_for_maps(driver, expected: int) -> None:
    settled = "return document.body.dataset.mapsReady !== undefined || (window.__jsErrors || []).length > 0"
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(settled))
    assert driver.execute_script("return document.body.dataset.mapsReady") == str(expected), js_errors(driver)


def click_inside(driver, path) -> None:
    """Click a point of the shape that is on top there (its box's centre may lie on a neighbour's border)."""
    spot = driver.execute_script(
        "const p = arguments[0]; p.scrollIntoView({block: 'center'}); const b = p.getBoundingClientRect();"
        "for (let i = 1; i < 10; i++) { for (let j = 1; j < 10; j++) {"
        "  const x = b.left + b.width * i / 10, y = b.top + b.height * j / 10;"
        "  if (document.elementFromPoint(x, y) === p) {"
        "    return [x, y]; } } }"
        "return null;", path)
    assert spot is not None, "no visible point of the shape"
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):  # a trusted click at that point of the viewport
        driver.execute_cdp_cmd("Input.dispatchMouseEvent", {"type": kind, "x": spot[0], "y": spot[1],
                                                            "button": "left", "clickCount": 1})


def drawn_shapes(driver, map_id: str) -> int:
    """Municipality paths of one map that the browser laid out with a non-empty box."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#' + arguments[0] + ' svg a[data-code] path')]"
        ".filter(p => { const b = p.getBBox(); return b.width > 0 && b.height > 0; }).length;", map_id)


def test_geometry_covers_the_2024_structure() -> None:
    geo = load_geometry()
    assert sorted(geo.municipalities) == sorted(seed_codes("municipalities_2024.csv", "municipality_code"))
    assert len(geo.municipalities) == 357
    assert sorted(geo.counties) == sorted(seed_codes("counties_2024.csv", "county_code"))
    assert len(geo.counties) == 15
    assert geo.credit == "Kartverket" and geo.licence == "CC BY 4.0"
    for shape in [*geo.municipalities.values(), *geo.counties.values()]:
        x0, y0, x1, y1 = path_bbox(shape.d)
        assert x1 > x0 and y1 > y0, shape.code
    # every municipality lies inside its county's box (codes of 2024 start with the county code)
    for code, shape in geo.municipalities.items():
        cx0, cy0, cx1, cy1 = geo.counties[code[:2]].bbox
        x0, y0, x1, y1 = shape.bbox
        assert cx0 - 20 <= x0 and cy0 - 20 <= y0 and x1 <= cx1 + 20 and y1 <= cy1 + 20, code
    assert GEOMETRY_FILE.stat().st_size < 300_000


def test_geometry_is_reproduced_from_kartverket_borders(tmp_path: Path) -> None:
    out = tmp_path / "norway.json"
    subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "build_map_geometry.py"),
                    "--geo-dir", str(SHARED_DATA_DIR / "geo"), "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == GEOMETRY_FILE.read_bytes()


def test_index_map_draws_every_municipality(published: Published, report_server: str, browser) -> None:
    db = published.home.published_db
    year = q(db, "select max(year) from marts.goal_scores where score is not null")[0][0]
    index = dict(q(db, f"select municipality_code, score from marts.sdg_index where year = {year}"))
    open_page(browser, f"{report_server}/index.html")
    wait_for_maps(browser, 1)
    assert js_errors(browser) == []
    assert drawn_shapes(browser, "map-index") == 357
    fig = browser.find_element(By.ID, "map-index")
    assert "Kartverket" in fig.find_element(By.CSS_SELECTOR, ".map-credit").text
    assert fig.find_element(By.CSS_SELECTOR, ".map-year").text == str(year)
    assert len(fig.find_elements(By.CSS_SELECTOR, ".map-legend li")) == 6
    assert str(len(index)) in fig.find_element(By.CSS_SELECTOR, ".map-alt").text
    # colours follow the published index: the same class for every municipality as the report's own classing
    keys = browser.execute_script("return Object.fromEntries([...document.querySelectorAll('#map-index a[data-code]')]"
                                  ".map(a => [a.dataset.code, a.dataset.key]))")
    breaks = sorted(float(b) for b in fig.get_attribute("data-breaks").split())
    assert {c: index_class(index.get(c), breaks)[0] for c in keys} == keys
    assert sum(1 for k in keys.values() if k == "none") == sum(1 for v in index.values() if v is None)
    screenshot(browser, "report_index_map")

    # hover shows name, index and rank in the info line, as the link's title (the tooltip) does
    names = dict(q(db, "select municipality_code, municipality_name from marts.municipalities"))
    big = browser.find_element(By.CSS_SELECTOR, '#map-index a[data-code="3401"]')
    ActionChains(browser).move_to_element(big.find_element(By.TAG_NAME, "path")).perform()
    info = fig.find_element(By.CSS_SELECTOR, ".map-info").text
    title = big.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert info == title and info.startswith(f"{names['3401']} (3401)")
    assert fmt_number(index["3401"], 1) in info and "rang " in info and "endring siden " in info and "/" not in info
    # keyboard: focus a municipality, the info line follows; Enter opens its page
    link = browser.find_element(By.CSS_SELECTOR, '#map-index a[data-code="4601"]')
    browser.execute_script("arguments[0].focus()", link)
    assert fig.find_element(By.CSS_SELECTOR, ".map-info").text.startswith("Bergen (4601)")
    link.send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda d: d.current_url.endswith("/kommune/4601.html"))
    assert browser.find_element(By.CSS_SELECTOR, "h1[data-municipality]").get_attribute("data-municipality") == "4601"
    # and a click on a shape opens the municipality
    open_page(browser, f"{report_server}/index.html")
    wait_for_maps(browser, 1)
    click_inside(browser, browser.find_element(By.CSS_SELECTOR, '#map-index a[data-code="5001"] path'))
    WebDriverWait(browser, WAIT).until(lambda d: d.current_url.endswith("/kommune/5001.html"))
    assert js_errors(browser) == []


def test_maps_work_from_the_file_system(published: Published, browser) -> None:
    """Opened as file:// (no server): the index and a goal page draw their maps, nothing fails to load."""
    reports = published.home.reports_dir
    for page, map_id in (("index.html", "map-index"), ("goal/13.html", "map-goal-13"), ("fylke/46.html", None)):
        open_page(browser, (reports / page).as_uri())
        wait_for_maps(browser, 1)
        assert js_errors(browser) == [], page
        if map_id:
            assert drawn_shapes(browser, map_id) == 357, page


def test_run_metadata_reports_build_time_and_site_size(published: Published) -> None:
    instance = instance_for(published.home)
    mat = instance.get_latest_materialization_event(MUNICIPALITY_REPORT).asset_materialization
    meta = {k: v.value for k, v in mat.metadata.items()}
    reports = published.home.reports_dir
    html = sum(1 for _ in reports.rglob("*.html"))
    assert meta["goal_pages"] == 17 and meta["county_pages"] == 15
    assert meta["html_pages"] == html and html >= 357 + 1 + 17 + 15
    assert meta["seconds"] > 0
    files = [p for p in reports.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert meta["site_bytes"] == sum(p.stat().st_size for p in files)
    assert meta["site_files"] == len(files)
