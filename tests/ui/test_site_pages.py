"""The report as a site (issue 18): every internal link of every generated page resolves, one page and one CSV
per indicator with what the marts say, the SDG network published and shown, and the municipality page's
comparison groups, small multiples and coverage (the demo refresh of conftest.published)."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb

from pipeline.paths import REPO_ROOT
from pipeline.reports.data import fmt_number
from pipeline.reports.indicator_pages import STATBANK_URL
from tests.ui.conftest import Published


def q(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


class _Links(HTMLParser):
    """href/src of every element, and every id, of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append((tag, value))
            elif name == "id" and value:
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def broken_links(site: Path) -> tuple[int, int, list[str]]:
    """(pages, internal links checked, problems): each relative href/src of each .html under site must name an
    existing file (query string ignored), and a #fragment an id in the target page."""
    pages = sorted(site.rglob("*.html"))
    parsed: dict[Path, _Links] = {}
    problems: list[str] = []
    checked = 0
    for page in pages:
        if "dbt-docs" in page.relative_to(site).parts:
            continue  # dbt's own generated site
        for tag, link in (parsed.setdefault(page, _parse(page))).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "data:", "javascript:")):
                continue
            checked += 1
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            where = f"{page.relative_to(site)}: <{tag}> {link}"
            if not target.is_file():
                problems.append(f"{where}: no file {target}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = parsed.setdefault(target, _parse(target)).ids
                if parts.fragment not in ids:
                    problems.append(f"{where}: no id {parts.fragment!r} in {target.name}")
    return len(pages), checked, problems


def test_every_internal_link_resolves(published: Published) -> None:
    site = published.home.reports_dir
    pages, checked, problems = broken_links(site)
    assert pages > 357 + 67, pages  # index, municipality pages, indicator pages
    assert checked > 30_000, checked
    assert problems == [], problems[:20]


def test_the_link_check_finds_a_broken_link_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ok.html").write_text('<p id="here">x</p>', encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<a href="a/ok.html#here">1</a><a href="a/ok.html?v=2">2</a><a href="https://example.org/x">3</a>'
        '<a href="a/missing.html">4</a><a href="a/ok.html#nowhere">5</a><script src="gone.js"></script>',
        encoding="utf-8")
    pages, checked, problems = broken_links(tmp_path)
    assert (pages, checked) == (2, 5)
    assert [p.split(": ")[1] for p in problems] == ["<a> a/missing.html", "<a> a/ok.html#nowhere",
                                                    "<script> gone.js"]


def test_one_page_and_one_csv_per_indicator(published: Published) -> None:
    db, site = published.home.published_db, published.home.reports_dir / "indikator"
    cols = ["indicator_id", "source_type", "table_id", "contents_code", "u4ssc_code", "unit", "direction",
            "threshold_green", "threshold_yellow", "threshold_orange", "target_source", "thresholds_source"]
    rows = [dict(zip(cols, r, strict=True)) for r in q(db, f"select {', '.join(cols)} from marts.indicators")]
    assert len(rows) == 67
    counts = dict(q(db, "select indicator_id, count(*) from marts.indicator_scores group by 1"))
    index = (site / "index.html").read_text(encoding="utf-8")
    for r in rows:
        ind = r["indicator_id"]
        html = (site / f"{ind}.html").read_text(encoding="utf-8")
        assert f'href="{ind}.html"' in index, ind
        assert f'data-indicator-page="{ind}"' in html
        if r["source_type"] == "ssb":
            url = STATBANK_URL.format(table_id=r["table_id"])
            assert f'<a href="{url}" rel="external" data-statbank="{r["table_id"]}">' in html, ind
            assert f"<code>{r['contents_code']}</code>" in html, ind
        else:
            assert f'data-u4ssc="{r["u4ssc_code"]}"' in html, ind
        for key in ("green", "yellow", "orange"):
            row = re.search(rf'<tr data-threshold="{key}">.*?</tr>', html, re.S).group(0)
            assert fmt_number(r[f"threshold_{key}"]) in row, (ind, key)
        assert "Lavere er bedre" in html if r["direction"] == "lower" else "Høyere er bedre" in html
        assert str(r["target_source"]).replace("'", "&#39;")[:40] in html.replace("&#34;", '"'), ind
        # the CSV holds exactly this indicator's rows of marts.indicator_scores, all columns
        text = (site / f"{ind}.csv").read_text(encoding="utf-8")
        data = list(csv.DictReader(io.StringIO(text)))
        assert len(data) == counts.get(ind, 0), ind
        assert {d["indicator_id"] for d in data} <= {ind}
        assert f'href="{ind}.csv" download' in html
        # the map of the latest values: every municipality, coloured by the rating the mart gives it
        latest = dict(q(db, "select municipality_code, rating from marts.indicator_scores where indicator_id = ? "
                            "and value is not null and year = (select max(year) from marts.indicator_scores "
                            "where indicator_id = ? and value is not null)", [ind, ind]))
        if latest:
            fig = re.search(rf'<figure class="map" id="map-{ind}".*?</figure>', html, re.S)
            assert fig, ind
            assert fig.group(0).count('<a href="../kommune/') == 357, ind
            assert "Kartverket" in fig.group(0)
            keys = dict(re.findall(r'data-code="(\d{4})" data-key="([a-z]+)"', fig.group(0)))
            rated = {c for c, r in latest.items() if r}
            assert {c for c, k in keys.items() if k != "none"} == rated, ind
    header = next(csv.reader(io.StringIO((site / f"{rows[0]['indicator_id']}.csv").read_text(encoding="utf-8"))))
    assert header == [c for c, in q(db, "select column_name from information_schema.columns where "
                                        "table_schema='marts' and table_name='indicator_scores' "
                                        "order by ordinal_position")]


def test_the_network_is_published_and_shown(published: Published) -> None:
    db, site = published.home.published_db, published.home.reports_dir
    with (REPO_ROOT / "dbt_project" / "seeds" / "sdg_network.csv").open(encoding="utf-8") as fh:
        seed = {r["member_code"]: r for r in csv.DictReader(fh) if r["member_kind"] == "municipality"}
    members = dict(q(db, "select municipality_code, sdg_network_joined_year from marts.municipalities "
                         "where in_sdg_network"))
    assert members == {c: int(r["joined_year"]) if r["joined_year"] else None for c, r in seed.items()}
    assert q(db, "select count(*) from marts.municipalities where not in_sdg_network "
                 "and sdg_network_joined_year is not null") == [(0,)]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert sorted(re.findall(r'<tr data-search="(\d{4}) [^"]*" data-county="[^"]*" data-network="true"',
                             index)) == sorted(seed)
    for code in ("3201", "0301"):
        html = (site / "kommune" / f"{code}.html").read_text(encoding="utf-8")
        assert ('id="network-member"' in html) == (code in seed)


def _figures(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="figures">(.*?)</script>', html, re.S).group(1)
    return json.loads(raw.replace("<\\/", "</"))


def test_municipality_page_compares_with_each_group(published: Published) -> None:
    """The picker offers the four groups; each figure carries each group's median (the network's median is the
    median of its members' index), the tables hold a median per group, and every indicator has a small
    multiple whose caption gives its latest value."""
    db, site = published.home.published_db, published.home.reports_dir
    html = (site / "kommune" / "0301.html").read_text(encoding="utf-8")
    select = re.search(r'<select id="compare".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', select) == ["size", "county", "country", "network"]
    assert 'data-compare="size"' in html
    figs = _figures(html)
    years = figs["index"]["data"][0]["x"]
    network = dict(q(db, "select year, median(score) from marts.sdg_index i join marts.municipalities m "
                         "using (municipality_code) where m.in_sdg_network group by year"))
    nat = dict(q(db, "select year, median(score) from marts.sdg_index group by year"))
    groups = figs["index"]["compare"]["groups"]
    assert set(groups) == {"size", "county", "country", "network"}
    for i, y in enumerate(years):
        for kind, ref in (("network", network), ("country", nat)):
            want = ref.get(y)
            got = groups[kind]["y"][i]
            assert (got is None and want is None) or abs(got - round(want, 1)) < 1e-9, (kind, y, got, want)
    assert groups["network"]["name"] == {"nb": "Bærekraftsnettverket (median)", "en": "SDG network (median)"}
    assert len(figs["goals"]["compare"]["groups"]["county"]["y"]) == 17
    goal_row = re.search(r'<table class="data" id="goal-table">.*?<tbody>\s*<tr>.*?</tr>', html, re.S).group(0)
    assert re.findall(r'data-group="(\w+)"', goal_row) == ["country", "county", "size", "network"]
    ids = [r[0] for r in q(db, "select indicator_id from marts.indicators")]
    multiples = re.findall(r'<li class="multiple( nodata)?" data-multiple="([^"]+)">', html)
    assert sorted(i for _, i in multiples) == sorted(ids)
    ind, year, value = q(db, "select indicator_id, year, value from marts.indicator_values where "
                             "municipality_code = '0301' and value is not null order by indicator_id, year desc "
                             "limit 1")[0]
    item = re.search(rf'<li class="multiple" data-multiple="{ind}">.*?</li>', html, re.S).group(0)
    assert f"{year}: <b>{fmt_number(value)}</b>" in item and 'aria-hidden="true"' in item
    # coverage: the goal rows count the indicators with a value on the page, beside goal_coverage's figures
    cov = re.findall(r'<tr data-coverage-goal="(\d+)">.*?<td class="num">(\d+) / (\d+)</td>', html, re.S)
    assert [int(g) for g, _, _ in cov] == list(range(1, 18))
    assert sum(int(n) for _, n, _ in cov) == len(re.findall(r'<li class="multiple" ', html))
    assert sum(int(t) for _, _, t in cov) == len(ids)
