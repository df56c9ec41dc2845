"""The report site in headless Chromium (issue 18), from the file system and from a plain static web server: no
console errors, the language switch and the comparison picker work from the keyboard, the choice of language
is remembered between pages, and every chart has a text alternative."""

from __future__ import annotations

import json
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.ui.conftest import Published, js_errors, open_page, screenshot
from tests.ui.test_report_browser import wait_for_charts

SAMPLE = ["index.html", "indikator/index.html", "kommune/3201.html", "kommune/1151.html",
          "indikator/median_household_income.html", "indikator/child_low_income.html"]


def _visible(driver, css: str) -> bool:
    return driver.find_element(By.CSS_SELECTOR, css).is_displayed()


def _tab_to(driver, element_id: str, limit: int = 40, start: str = "") -> None:
    """Press Tab from the top of the page (or from element #start) until the element has the focus (as a keyboard
    user would)."""
    driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    if start:
        driver.execute_script("document.getElementById(arguments[0]).focus()", start)
        driver.switch_to.active_element.send_keys(Keys.TAB)
    else:
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(limit):
        if driver.execute_script("return document.activeElement && document.activeElement.id") == element_id:
            return
        driver.switch_to.active_element.send_keys(Keys.TAB)
    pytest.fail(f"#{element_id} never got the keyboard focus in {limit} Tab presses")


def _charts_expected(driver) -> int:
    return driver.execute_script("return document.querySelectorAll('[data-figure]').length")


@pytest.mark.parametrize("where", ["file", "http"])
def test_sample_pages_open_without_errors(published: Published, report_server: str, browser, where: str) -> None:
    site = published.home.reports_dir
    for page in SAMPLE:
        url = (site / page).as_uri() if where == "file" else f"{report_server}/{page}"
        open_page(browser, url)
        wait_for_charts(browser, _charts_expected(browser))
        assert js_errors(browser) == [], (url, js_errors(browser))
        # every Plotly chart has a text alternative, every small multiple is hidden from AT beside its caption
        unlabeled = browser.execute_script(
            "return [...document.querySelectorAll('[data-figure]')].filter(el => el.getAttribute('role') !== 'img'"
            " || !(el.getAttribute('aria-label') || '').trim()).map(el => el.id);")
        assert unlabeled == [], (page, unlabeled)
        bare = browser.execute_script(
            "return [...document.querySelectorAll('svg.spark')].filter(s => s.getAttribute('aria-hidden') !== 'true'"
            " || !s.closest('figure').querySelector('figcaption') || !s.closest('figure').querySelector('.caption'))"
            ".length;")
        assert bare == 0, page


@pytest.mark.parametrize("where", ["file", "http"])
def test_language_switch_from_the_keyboard_is_remembered(published: Published, report_server: str, browser,
                                                         where: str) -> None:
    site = published.home.reports_dir

    def url(page: str) -> str:
        return (site / page).as_uri() if where == "file" else f"{report_server}/{page}"

    open_page(browser, url("index.html"))
    browser.execute_script("localStorage.clear();")
    open_page(browser, url("index.html"))
    wait_for_charts(browser, 2)
    assert browser.execute_script("return document.documentElement.lang") == "nb"
    assert _visible(browser, "h1 [lang=nb]") and not _visible(browser, "h1 [lang=en]")
    _tab_to(browser, "lang-switch")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert _visible(browser, "h1 [lang=en]") and not _visible(browser, "h1 [lang=nb]")
    assert browser.find_element(By.ID, "lang-switch").get_attribute("aria-pressed") == "true"
    assert browser.title.startswith("All municipalities")
    assert browser.find_element(By.ID, "filter").get_attribute("placeholder") == "Name or code"
    assert browser.execute_script("return document.getElementById('chart-national').layout.title.text") \
        .startswith("National median per goal")
    screenshot(browser, f"site_index_en_{where}")
    # the next page opens in English
    open_page(browser, url("kommune/3201.html"))
    wait_for_charts(browser, 2)
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert not _visible(browser, "#goal-table thead [lang=nb]") and _visible(browser, "#goal-table thead [lang=en]")
    assert browser.execute_script("return document.getElementById('chart-goals').layout.title.text") \
        .startswith("Goal scores")
    # and Space on the switch brings bokmål back, charts included
    _tab_to(browser, "lang-switch")
    browser.switch_to.active_element.send_keys(Keys.SPACE)
    assert browser.execute_script("return document.documentElement.lang") == "nb"
    assert browser.execute_script("return document.getElementById('chart-goals').layout.title.text") \
        .startswith("Målscore")
    assert js_errors(browser) == []
    browser.execute_script("localStorage.clear();")


def test_comparison_picker_from_the_keyboard(published: Published, report_server: str, browser) -> None:
    open_page(browser, f"{report_server}/kommune/3201.html")
    browser.execute_script("localStorage.clear();")
    wait_for_charts(browser, 2)
    raw = browser.execute_script("return document.getElementById('figures').textContent")
    figures = json.loads(raw)
    assert browser.execute_script("return document.getElementById('compare-scope').dataset.compare") == "size"
    _tab_to(browser, "compare")
    for kind in ("county", "country", "network"):
        browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        assert browser.execute_script("return document.getElementById('compare').value") == kind
        assert browser.execute_script("return document.getElementById('compare-scope').dataset.compare") == kind
        for chart in ("goals", "index"):
            want = figures[chart]["compare"]["groups"][kind]
            got = browser.execute_script(f"const t = document.getElementById('chart-{chart}').data[1];"
                                         "return [t.y, t.name];")
            assert got == [want["y"], want["name"]["nb"]], (chart, kind)
        shown = browser.execute_script(
            "return [...document.querySelectorAll('#goal-table [data-group]')].filter(e => e.offsetParent)"
            ".map(e => e.dataset.group);")
        assert set(shown) == {kind} and len(shown) == 17
        lines = browser.execute_script(
            "return [...document.querySelectorAll('#multiples polyline.cmp')]"
            ".filter(e => getComputedStyle(e).display !== 'none').map(e => e.dataset.group);")
        assert lines and set(lines) == {kind}
    assert re.search(r"Bærekraftsnettverket", browser.find_element(By.ID, "compare").text)
    assert js_errors(browser) == []
    screenshot(browser, "site_municipality_network")


def test_index_filters_the_network(published: Published, report_server: str, browser) -> None:
    open_page(browser, f"{report_server}/index.html")
    wait_for_charts(browser, 2)
    _tab_to(browser, "network-only", start="filter")  # the index map's 357 links come before the filters
    browser.switch_to.active_element.send_keys(Keys.SPACE)
    rows = browser.find_elements(By.CSS_SELECTOR, "#municipalities tbody tr")
    visible = [r.find_element(By.CSS_SELECTOR, "td").text for r in rows if r.is_displayed()]
    assert len(visible) == 12 and "3201" in visible and "0301" not in visible
    assert js_errors(browser) == []
