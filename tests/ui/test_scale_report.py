"""The report above the unit limit (pipeline/reports/scale.py), built from the shared published demo with the
limit lowered below its 357 municipalities: one unit page, data files grouped by code prefix, an index of units;
checked against the marts with queries, and opened in the real browser from disk and from a web server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from pipeline.reports.build import ReportResult, build_report
from pipeline.reports.data import fmt_number
from pipeline.reports.scale import UNIT_PAGE
from pipeline.resources import Warehouse
from tests.ui.conftest import Published, js_errors, open_page, screenshot
from tests.ui.test_site_pages import q

LIMIT = 100  # below the demo's 357 municipalities
CODE = "0301"
TIMEOUT = 90


@pytest.fixture(scope="module")
def scale_site(published: Published, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReportResult]:
    out = tmp_path_factory.mktemp("scale") / "reports"
    warehouse = Warehouse.for_home(published.home, published.settings.duckdb_memory_limit)
    result = build_report(published.home.published_db, out, dbt_docs=False, scale_from_units=LIMIT,
                          duckdb_config=warehouse.duckdb_config())
    return out, result


def js_calls(path: Path, fn: str) -> list[tuple[str | None, object]]:
    """Each line `fn(args);` of a data file, its arguments parsed as JSON: [(code or None, data)]."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        assert line.startswith(f"{fn}(") and line.endswith(");"), line[:80]
        args = json.loads(f"[{line[len(fn) + 1:-2]}]")
        out.append((args[0], args[1]) if len(args) == 2 else (None, args[0]))
    return out


def site_of(out: Path) -> dict:
    return js_calls(out / "data" / "site.js", "ksdgSite")[0][1]


def test_scale_build_writes_one_page_and_data_files_grouped_by_prefix(published: Published, scale_site) -> None:
    out, result = scale_site
    db = published.home.published_db
    codes = sorted(r[0] for r in q(db, "select municipality_code from marts.municipalities"))
    assert result.variant == "scale" and result.pages == len(codes) == 357
    assert not (out / "kommune").exists() and not (out / "goal").exists() and not (out / "indikator").exists()
    assert sorted(p.name for p in out.glob("*.html")) == ["enhet.html", "index.html"]
    site = site_of(out)
    plen = site["prefix_len"]
    prefixes = {c[:plen] for c in codes}
    files = sorted((out / "data" / "units").iterdir())
    assert [f.name for f in files] == sorted(f"{p}.js" for p in prefixes) and result.unit_files == len(prefixes)
    assert 1 < len(prefixes) < len(codes) / 20  # a few files of many units, not one, not one per unit
    seen = []
    for f in files:
        for code, data in js_calls(f, "ksdgUnit"):
            assert code[:plen] == f.stem and data["c"] == code
            seen.append(code)
    assert sorted(seen) == codes
    index = js_calls(out / "data" / "index.js", "ksdgIdx")
    assert [row[0] for _, row in index] == codes
    names = dict(q(db, "select municipality_code, municipality_name from marts.municipalities"))
    assert all(row[1] == names[row[0]] for _, row in index)
    report = json.loads((out / "report.json").read_text())
    assert report["variant"] == "scale" and report["unit_files"] == len(prefixes) and report["html_pages"] == 2
    for page in ("index.html", UNIT_PAGE):
        html = (out / page).read_text(encoding="utf-8")
        assert 'id="demo-banner"' in html and "(DEMO)" in html, page
        assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', html, re.I), page
        assert "indikator/index.html" not in html, page  # no links to pages the scale build leaves out


def test_a_units_data_file_holds_exactly_its_rows_of_the_marts(published: Published, scale_site) -> None:
    out, _ = scale_site
    db = published.home.published_db
    site = site_of(out)
    year = q(db, "select max(year) from marts.goal_scores where score is not null")[0][0]
    assert site["year"] == year
    unit = dict(js_calls(out / "data" / "units" / f"{CODE[:site['prefix_len']]}.js", "ksdgUnit"))[CODE]
    name, county, pop = q(db, "select municipality_name, county_name, population from marts.municipalities "
                              "where municipality_code = ?", [CODE])[0]
    assert (unit["n"], unit["cn"], unit["p"]) == (name, county, pop)
    goals = q(db, "select goal, score, rating, trend, rank, peer_rank, indicators_used, indicators_total "
                  "from marts.goal_scores where municipality_code = ? and year = ? order by goal", [CODE, year])
    assert [tuple(g) for g in unit["g"]] == [tuple(g) for g in goals] and len(goals) == 17
    # the latest year with a value, per indicator: a window here, arg_max in scale.py
    latest = q(db, """select indicator_id, year, value, score, rating, trend, status from (
                        select *, row_number() over (partition by indicator_id order by year desc) as rn
                        from marts.indicator_scores where municipality_code = ? and value is not null)
                      where rn = 1 order by indicator_id""", [CODE])
    assert [tuple(r) for r in unit["i"]] == [tuple(r) for r in latest] and len(latest) > 20
    series = q(db, "select year, score from marts.sdg_index where municipality_code = ? and score is not null "
                   "order by year", [CODE])
    assert [tuple(p) for p in unit["xs"]] == [tuple(p) for p in series]
    score, rank = q(db, "select score, rank from marts.sdg_index where municipality_code = ? and year = ?",
                    [CODE, year])[0]
    assert unit["x"][:2] == [score, rank]


def wait_rendered(driver, code: str) -> None:
    WebDriverWait(driver, TIMEOUT).until(
        lambda d: d.execute_script("return document.body.dataset.unitRendered") == code
        or d.execute_script("return (window.__jsErrors || []).length") > 0)
    assert driver.execute_script("return document.body.dataset.unitRendered") == code, js_errors(driver)


def test_unit_page_shows_the_units_name_and_scores_from_disk_and_server(published: Published, scale_site,
                                                                        browser) -> None:
    import functools  # noqa: PLC0415
    import http.server  # noqa: PLC0415
    import threading  # noqa: PLC0415

    out, _ = scale_site
    db = published.home.published_db
    year = q(db, "select max(year) from marts.goal_scores where score is not null")[0][0]
    # from disk: file:// allows scripts, not fetch; the unit's data file comes by a script tag
    open_page(browser, f"{(out / UNIT_PAGE).as_uri()}#{CODE}")
    wait_rendered(browser, CODE)
    assert js_errors(browser) == []
    name = q(db, "select municipality_name from marts.municipalities where municipality_code = ?", [CODE])[0][0]
    assert browser.find_element(By.ID, "unit-title").text.startswith(name)
    assert browser.find_element(By.ID, "demo-banner").is_displayed()
    score = q(db, "select score from marts.sdg_index where municipality_code = ? and year = ?", [CODE, year])[0][0]
    assert browser.find_element(By.ID, "index-score").text == fmt_number(score, 1)
    goals = dict(q(db, "select goal, score from marts.goal_scores where municipality_code = ? and year = ?",
                   [CODE, year]))
    cells = browser.execute_script(
        "return Array.from(document.querySelectorAll('#goal-table tbody tr')).map("
        "function (r) { return [Number(r.dataset.goal), r.cells[1].textContent]; });")
    assert {g: t for g, t in cells} == {g: fmt_number(s, 1) for g, s in goals.items()}
    assert len(browser.find_elements(By.CSS_SELECTOR, "#goal-tiles li.tile")) == 17
    assert browser.execute_script("return document.querySelectorAll('#chart-goals g.trace').length") >= 1
    screenshot(browser, "scale_unit_page")

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        open_page(browser, f"{base}/index.html")
        WebDriverWait(browser, TIMEOUT).until(lambda d: d.execute_script("return document.body.dataset.unitsListed"))
        browser.find_element(By.ID, "unit-filter").send_keys("bærum")
        rows = browser.find_elements(By.CSS_SELECTOR, "#units tbody tr")
        assert [r.find_element(By.CSS_SELECTOR, "td").text for r in rows] == ["3201"]
        rows[0].find_element(By.CSS_SELECTOR, "a").click()
        wait_rendered(browser, "3201")
        assert browser.find_element(By.ID, "unit-title").text.startswith("Bærum")
        browser.execute_script("location.hash = '#0000'")  # no such unit: said so, no error
        wait_rendered(browser, "missing")
        assert browser.find_element(By.ID, "unit-missing").is_displayed()
        assert js_errors(browser) == []
    finally:
        server.shutdown()
        server.server_close()


def test_report_asset_config_switches_variant_both_ways(demo_home_copy) -> None:
    """The limit travels as the report asset's run config; a scale build replaces the per-unit site, and a
    national build (default limit) replaces the scale site again, leaving no files of the other variant."""
    import dagster as dg  # noqa: PLC0415

    from assets.reports import municipality_report  # noqa: PLC0415
    from pipeline.definitions import DBT_EXECUTABLE  # noqa: PLC0415
    from pipeline.resources import build_resources  # noqa: PLC0415

    settings = demo_home_copy
    reports = settings.home.reports_dir
    resources = {k: v for k, v in build_resources(settings, DBT_EXECUTABLE).items()
                 if k in ("data_home", "warehouse", "reference")}
    assert len(list((reports / "kommune").glob("*.html"))) == 357

    def run(config: dict) -> dict:
        res = dg.materialize([municipality_report], instance=dg.DagsterInstance.ephemeral(), resources=resources,
                             run_config={"ops": {municipality_report.op.name: {"config": config}}})
        assert res.success
        return res.asset_materializations_for_node(municipality_report.op.name)[0].metadata

    meta = run({"scale_from_units": LIMIT})
    assert meta["variant"].value == "scale" and meta["pages"].value == 357 and meta["unit_files"].value > 1
    assert (reports / UNIT_PAGE).exists() and (reports / "data" / "index.js").exists()
    assert not (reports / "kommune").exists() and not (reports / "indikator").exists()
    assert (reports / "dbt-docs" / "static_index.html").exists()  # kept: not the report's to remove
    meta = run({})
    assert meta["variant"].value == "national"
    assert len(list((reports / "kommune").glob("*.html"))) == 357 and (reports / "indikator" / "index.html").exists()
    assert not (reports / UNIT_PAGE).exists() and not (reports / "data").exists()
