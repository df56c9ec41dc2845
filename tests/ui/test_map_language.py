"""One language at a time on the map pages (issue 18 item 6), in headless Chromium: on a goal page, a county page
and an indicator page, bokmål mode shows no English map text and English mode no bokmål map text (title,
legend, note, info line, summary, table link, Kartverket credit, headings, charts), and the map's hover/focus
info line and tooltips follow the language, also when it changes with a municipality in focus."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from tests.ui.conftest import Published, js_errors, open_page, screenshot
from tests.ui.test_maps import wait_for_maps
from tests.ui.test_report_browser import wait_for_charts

# Words only one language's map texts use (whole words, in the page's visible text).
ONLY_NB = ["Kartdata", "Tabell", "Tegnforklaring", "Pek på", "Kartet viser", "Alle kommuner", "Kart", "Fylker"]
ONLY_EN = ["Map data", "Table", "Legend", "Hover over", "The map shows", "All municipalities", "Map", "Counties"]
# page, map id, number of charts, chart whose title follows the language (id, bokmål start, English start)
PAGES = [
    ("goal/03.html", "map-goal-3", 2, ("chart-distribution", "Fordeling av målscore", "Distribution of goal scores")),
    ("fylke/46.html", "map-county-46", 1, ("chart-county", "Fylkets målscore", "County goal scores")),
    ("indikator/median_household_income.html", "map-median_household_income", None, None),
]


def _visible_text(driver) -> str:
    """What a reader sees: innerText leaves out everything the stylesheet hides (the other language)."""
    return driver.execute_script("return document.body.innerText")


def _found(words: list[str], text: str) -> list[str]:
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


def _switch_to(driver, lang: str) -> None:
    """A click on the header's switch (scrolled to the top first: the sticky demo banner covers it otherwise)."""
    if driver.execute_script("return document.documentElement.lang") != lang:
        driver.execute_script("window.scrollTo(0, 0)")
        driver.find_element(By.ID, "lang-switch").click()
    assert driver.execute_script("return document.documentElement.lang") == lang


@pytest.mark.parametrize(("page", "map_id", "charts", "chart"), PAGES, ids=[p[0].split("/")[0] for p in PAGES])
def test_map_pages_show_one_language(published: Published, report_server: str, browser, page: str, map_id: str,
                                     charts: int | None, chart: tuple[str, str, str] | None) -> None:
    open_page(browser, f"{report_server}/{page}")
    browser.execute_script("localStorage.clear();")
    open_page(browser, f"{report_server}/{page}")
    wait_for_maps(browser, 1)
    if charts is not None:
        wait_for_charts(browser, charts)
    assert js_errors(browser) == [], page
    fig = browser.find_element(By.ID, map_id)
    legend = fig.find_element(By.CSS_SELECTOR, '.map-legend[data-mode="rating"]')
    link = fig.find_elements(By.CSS_SELECTOR, "svg a[data-code]")[0]
    title = link.find_element(By.TAG_NAME, "title")
    label = {lang: title.get_attribute(f"data-text-{lang}") for lang in ("nb", "en")}
    assert label["nb"] and label["en"] and label["nb"] != label["en"], label

    # bokmål (the default): no English map text anywhere on the page
    text = _visible_text(browser)
    assert _found(ONLY_EN, text) == [], (page, _found(ONLY_EN, text))
    assert {"Kartdata", "Tabell", "Pek på"} <= set(_found(ONLY_NB, text)), page
    assert legend.get_attribute("aria-label") == "Tegnforklaring"
    assert fig.find_element(By.CSS_SELECTOR, "svg").get_attribute("aria-label").startswith("Kart:")
    assert title.get_attribute("textContent") == label["nb"]
    browser.execute_script("arguments[0].focus()", link)
    assert fig.find_element(By.CSS_SELECTOR, ".map-info").text == label["nb"]
    if chart:
        assert browser.execute_script(f"return document.getElementById('{chart[0]}').layout.title.text") \
            .startswith(chart[1])

    # English (the switch takes the focus: the info line shows its hint again)
    _switch_to(browser, "en")
    text = _visible_text(browser)
    assert _found(ONLY_NB, text) == [], (page, _found(ONLY_NB, text))
    assert {"Map data", "Table", "Hover over"} <= set(_found(ONLY_EN, text)), page
    assert fig.find_element(By.CSS_SELECTOR, ".map-info").text == "Hover over or tab to a municipality"
    assert legend.get_attribute("aria-label") == "Legend"
    assert fig.find_element(By.CSS_SELECTOR, "svg").get_attribute("aria-label").startswith("Map:")
    assert title.get_attribute("textContent") == label["en"]
    other = fig.find_elements(By.CSS_SELECTOR, "svg a[data-code]")[1]
    browser.execute_script("arguments[0].focus()", other)
    assert fig.find_element(By.CSS_SELECTOR, ".map-info").text == \
        other.find_element(By.TAG_NAME, "title").get_attribute("data-text-en")
    if chart:
        assert browser.execute_script(f"return document.getElementById('{chart[0]}').layout.title.text") \
            .startswith(chart[2])
    screenshot(browser, f"map_language_en_{page.split('/')[0]}")

    # back to bokmål while a municipality has the focus (as when another tab switches): the line follows at once
    browser.execute_script("window.kommuneSdgLang.set('nb')")
    assert browser.execute_script("return document.documentElement.lang") == "nb"
    assert fig.find_element(By.CSS_SELECTOR, ".map-info").text == \
        other.find_element(By.TAG_NAME, "title").get_attribute("data-text-nb")
    assert _found(ONLY_EN, _visible_text(browser)) == [], page
    assert js_errors(browser) == []
    browser.execute_script("localStorage.clear();")


def test_nav_reaches_goals_and_counties(published: Published, report_server: str, browser) -> None:
    """The site menu links the goal list and the county list on the index, on every kind of page."""
    for page in ("kommune/3201.html", "goal/03.html", "fylke/46.html", "indikator/index.html"):
        open_page(browser, f"{report_server}/{page}")
        links = browser.execute_script(
            "return [...document.querySelectorAll('nav.site-nav a')].map(a => a.href)")
        assert f"{report_server}/index.html#goals" in links and f"{report_server}/index.html#counties" in links, page
    browser.find_element(By.CSS_SELECTOR, 'nav.site-nav a[href$="index.html#counties"]').click()
    assert browser.find_element(By.ID, "counties").is_displayed()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#county-links a")) == 15
    assert len(browser.find_elements(By.CSS_SELECTOR, "#goal-links a")) == 17
