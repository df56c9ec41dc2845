"""Choropleth maps as inline SVG: one <a><title/><path/></a> per municipality (coloured by rating, or by
SDG-index class), linking to the municipality's page: the link takes keyboard focus, its <title> is both the
hover tooltip and the link's accessible name. Every map carries a legend, the year and the Kartverket credit;
a sentence next to it is its text alternative. Texts carry bokmål and English (i18n; the areas' <title>s as
data-text-nb/-en) and the page shows one of them, the reader's language.

No tiles, no CDN, no script needed to draw: the maps work offline from disk and from any static server
(static/maps.js only mirrors the hovered or focused municipality into the map's info line)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import Any

import pandas as pd
from markupsafe import Markup

from pipeline.reports.data import (
    NO_RATING,
    RATINGS,
    Marts,
    fmt_number,
    frame_records,
    is_missing,
    rating_of,
    trend_of,
)
from pipeline.reports.geo import Geometry, union_bbox
from pipeline.reports.i18n import ta, tt

PAGES_SUBDIR = "kommune"

# The index itself has no SDSN rating: index maps colour the national quintiles of the report year, highest
# first (one set of classes for every index map of a build, so county maps compare with the national one).
INDEX_COLOURS = ("#08519c", "#3182bd", "#6baed6", "#bdd7e7", "#eff3ff")
# Goal maps can also be coloured by score (a switch next to the map): fixed classes of 20 points, highest first.
SCORE_CLASSES: list[tuple[float, str, str]] = [
    (80.0, INDEX_COLOURS[0], "80–100"), (60.0, INDEX_COLOURS[1], "60–80"), (40.0, INDEX_COLOURS[2], "40–60"),
    (20.0, INDEX_COLOURS[3], "20–40"), (float("-inf"), INDEX_COLOURS[4], "0–20"),
]
INDEX_NOTE = ("Klassene er landets kvintiler av SDG-indeksen i rapportåret.",
              "The classes are the national quintiles of the SDG index in the report year.")


@dataclass(frozen=True)
class LegendItem:
    colour: str
    nb: str
    en: str
    count: int = 0


@dataclass(frozen=True)
class Area:
    """One municipality on a map: colour, class key and the text shown on hover and focus."""

    code: str
    name: str
    fill: str
    key: str
    label_nb: str
    label_en: str
    alt_fill: str = ""  # goal maps: the colour of the score class (the map's second colouring)
    alt_key: str = ""


@dataclass
class MapModel:
    map_id: str
    title_nb: str
    title_en: str
    year: int | None
    svg: Markup
    legend: list[LegendItem]
    summary_nb: str
    summary_en: str
    shapes: int
    table_href: str = ""
    legend_note: tuple[str, str] = ("", "")
    breaks: list[float] = field(default_factory=list)  # index classes' bounds (index maps only)
    alt_legend: list[LegendItem] = field(default_factory=list)  # goal maps: legend of the score colouring


@dataclass
class MapData:
    """What every map needs, grouped once per build: names, counties, the index and goal scores of the year."""

    year: int | None
    names: dict[str, str]
    counties: dict[str, str]               # municipality code -> county code
    county_names: dict[str, str]
    population: dict[str, Any]
    index: dict[str, float]                # municipality -> SDG index in the report year
    index_rank: dict[str, int]
    index_change: dict[str, tuple[int, float]]  # municipality -> (first year, change since then)
    index_breaks: list[float] = field(default_factory=list)  # quintile bounds of the index, ascending
    goal_rows: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)  # goal -> municipality -> row


def map_data(marts: Marts, munis: pd.DataFrame, year: int | None) -> MapData:
    codes = munis["municipality_code"]
    names = {str(c): str(c) if is_missing(n) else str(n)
             for c, n in zip(codes, munis.get("municipality_name", codes), strict=True)}
    counties = {c: c[:2] for c in names}
    if "county_code" in munis.columns:
        counties = {str(c): str(k) if not is_missing(k) else str(c)[:2]
                    for c, k in zip(munis["municipality_code"], munis["county_code"], strict=True)}
    county_names: dict[str, str] = {}
    if "county_name" in munis.columns and "county_code" in munis.columns:
        county_names = {str(k): str(n) for k, n in zip(munis["county_code"], munis["county_name"], strict=True)
                        if not is_missing(k) and not is_missing(n)}
    population = dict(zip(munis["municipality_code"], munis["population"], strict=True)) \
        if "population" in munis.columns else {}

    index: dict[str, float] = {}
    rank: dict[str, int] = {}
    change: dict[str, tuple[int, float]] = {}
    idx = marts.get("sdg_index")
    if idx is not None and {"municipality_code", "year", "score"} <= set(idx.columns) and year is not None:
        scored = idx[idx["score"].notna()]
        now = scored[scored["year"] == year]
        index = {str(c): float(s) for c, s in zip(now["municipality_code"], now["score"], strict=True)}
        ranks = now["rank"] if "rank" in now.columns else now["score"].rank(ascending=False, method="min")
        rank = {str(c): int(r) for c, r in zip(now["municipality_code"], ranks, strict=True) if not is_missing(r)}
        first = scored.sort_values("year").drop_duplicates("municipality_code", keep="first")
        for c, y, s in zip(first["municipality_code"], first["year"], first["score"], strict=True):
            if str(c) in index and int(y) < year:
                change[str(c)] = (int(y), index[str(c)] - float(s))

    goal_rows: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    gs = marts.get("goal_scores")
    if gs is not None and year is not None and not gs.empty:
        for r in frame_records(gs[gs["year"] == year]):
            goal_rows[int(r["goal"])][str(r["municipality_code"])] = r
    breaks = [round(float(b), 1) for b in pd.Series(list(index.values())).quantile([0.2, 0.4, 0.6, 0.8])] \
        if len(index) >= 5 else []
    return MapData(year, names, counties, county_names, population, index, rank, change, breaks, dict(goal_rows))


def index_classes(breaks: list[float]) -> list[tuple[float, str, str, str]]:
    """(lower bound, colour, label nb, label en) per class, highest first; one class when there are no breaks."""
    if not breaks:
        return [(float("-inf"), INDEX_COLOURS[2], "alle", "all")]
    lows = list(reversed(breaks))
    labels = [f"≥ {fmt_number(lows[0], 1)}"]
    labels += [f"{fmt_number(lo, 1)}–{fmt_number(hi, 1)}" for lo, hi in zip(lows[1:], lows[:-1], strict=True)]
    labels.append(f"< {fmt_number(breaks[0], 1)}")
    return list(zip([*lows, float("-inf")], INDEX_COLOURS, labels, labels, strict=True))


def index_class(score: float | None, breaks: list[float]) -> tuple[str, str]:
    """(key, colour) of an SDG-index value; no value -> the report's 'not rated' grey."""
    if score is not None:
        for i, (low, colour, _nb, _en) in enumerate(index_classes(breaks)):
            if score >= low:
                return f"c{i}", colour
    return "none", NO_RATING[0]


def _labels(parts: list[tuple[str, str]]) -> tuple[str, str]:
    """An area's hover text in bokmål and in English from (nb, en) parts."""
    return " · ".join(nb for nb, _ in parts), " · ".join(en for _, en in parts)


def index_areas(data: MapData, codes: list[str]) -> list[Area]:
    out = []
    for code in codes:
        name = data.names.get(code, code)
        score = data.index.get(code)
        key, colour = index_class(score, data.index_breaks)
        head = f"{name} ({code})"
        parts = [(head, head)]
        if score is None:
            parts.append(("ingen SDG-indeks", "no SDG index"))
        else:
            parts.append((f"SDG-indeks {fmt_number(score, 1)}", f"SDG index {fmt_number(score, 1)}"))
            if code in data.index_rank:
                parts.append((f"rang {data.index_rank[code]}", f"rank {data.index_rank[code]}"))
            if code in data.index_change:
                y0, d = data.index_change[code]
                change = f"{'+' if d >= 0 else '−'}{fmt_number(abs(d), 1)}"
                parts.append((f"endring siden {y0}: {change}", f"change since {y0}: {change}"))
        out.append(Area(code, name, colour, key, *_labels(parts)))
    return out


def goal_areas(data: MapData, goal: int, codes: list[str]) -> list[Area]:
    rows = data.goal_rows.get(goal, {})
    out = []
    for code in codes:
        name = data.names.get(code, code)
        r = rows.get(code, {})
        key, colour, nb, en = rating_of(r.get("rating"))
        trend = trend_of(r.get("trend"))
        score = r.get("score")
        head = f"{name} ({code})"
        labels = _labels([
            (head, head),
            (f"score {fmt_number(score, 1)}",) * 2 if score is not None else ("ingen score", "no score"),
            (nb, en),
            (f"{trend.arrow} {trend.nb}".strip(), f"{trend.arrow} {trend.en}".strip()),
        ])
        s_key, s_colour = "none", NO_RATING[0]
        if score is not None:
            s_key, s_colour = next((f"s{i}", c) for i, (low, c, _) in enumerate(SCORE_CLASSES) if score >= low)
        out.append(Area(code, name, colour, key, *labels, s_colour, s_key))
    return out


def score_legend(areas: list[Area]) -> list[LegendItem]:
    n = Counter(a.alt_key for a in areas)
    items = [LegendItem(colour, label, label, n[f"s{i}"]) for i, (_, colour, label) in enumerate(SCORE_CLASSES)]
    return [*items, LegendItem(NO_RATING[0], "Ingen score", "No score", n["none"])]


def index_legend(areas: list[Area], breaks: list[float]) -> list[LegendItem]:
    n = Counter(a.key for a in areas)
    items = [LegendItem(colour, nb, en, n[f"c{i}"])
             for i, (_, colour, nb, en) in enumerate(index_classes(breaks))]
    return [*items, LegendItem(NO_RATING[0], "Ingen indeks", "No index", n["none"])]


def rating_legend(areas: list[Area]) -> list[LegendItem]:
    n = Counter(a.key for a in areas)
    items = [LegendItem(v[0], v[1], v[2], n[k]) for k, v in RATINGS.items()]
    return [*items, LegendItem(NO_RATING[0], NO_RATING[1], NO_RATING[2], n["none"])]


def summary(legend: list[LegendItem], total: int, what_nb: str, what_en: str) -> tuple[str, str]:
    nb = "; ".join(f"{i.nb}: {i.count}" for i in legend if i.count)
    en = "; ".join(f"{i.en}: {i.count}" for i in legend if i.count)
    return (f"Kartet viser {what_nb} for {total} kommuner. {nb}.",
            f"The map shows {what_en} for {total} municipalities. {en}.")


def svg(geometry: Geometry, map_id: str, areas: list[Area], root: str, *, county_codes: list[str] | None = None,
        label: tuple[str, str] = ("", "")) -> Markup:
    """The <svg> element: shapes of `areas`, framed to their extent, optional county borders on top. Each area's
    <title> carries its label in both languages (data-text-nb/-en: lang.js swaps the text, maps.js mirrors the
    page's language into the info line); one copy per language keeps the ~360 shapes per map light."""
    shapes = [geometry.municipalities[a.code] for a in areas if a.code in geometry.municipalities]
    x0, y0, x1, y1 = union_bbox([s.bbox for s in shapes])
    pad = max(x1 - x0, y1 - y0) // 50 + 2
    view = f"{x0 - pad} {y0 - pad} {x1 - x0 + 2 * pad} {y1 - y0 + 2 * pad}"
    parts = [f'<svg class="choropleth" viewBox="{view}" role="group"{ta("aria-label", *label)} '
             f'aria-describedby="{map_id}-summary" preserveAspectRatio="xMidYMid meet">']
    for a in areas:
        shape = geometry.municipalities.get(a.code)
        if shape is None:
            continue
        alt = f' data-alt-fill="{a.alt_fill}"' if a.alt_fill else ""
        parts.append(f'<a href="{root}{PAGES_SUBDIR}/{a.code}.html" data-code="{a.code}" data-key="{a.key}">'
                     f'<title{tt(a.label_nb, a.label_en)}>{escape(a.label_nb)}</title>'
                     f'<path d="{shape.d}" fill="{a.fill}"{alt}/></a>')
    for code in county_codes or []:
        c = geometry.counties.get(code)
        if c is not None:
            parts.append(f'<path class="county-border" data-county="{code}" d="{c.d}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def build_map(geometry: Geometry, map_id: str, areas: list[Area], legend: list[LegendItem], *, root: str,
              year: int | None, title_nb: str, title_en: str, what_nb: str, what_en: str,
              county_borders: bool = False, table_href: str = "", legend_note: tuple[str, str] = ("", ""),
              breaks: list[float] | None = None, alt_legend: list[LegendItem] | None = None) -> MapModel:
    counties = sorted(geometry.counties) if county_borders else []
    s_nb, s_en = summary(legend, len(areas), what_nb, what_en)
    label = (f"Kart: {title_nb} {year or ''}".strip(), f"Map: {title_en} {year or ''}".strip())
    return MapModel(map_id, title_nb, title_en, year,
                    svg(geometry, map_id, areas, root, county_codes=counties, label=label),
                    legend, s_nb, s_en, sum(1 for a in areas if a.code in geometry.municipalities), table_href,
                    legend_note, list(breaks or []), list(alt_legend or []))


def index_map(geometry: Geometry, data: MapData, *, root: str = "") -> MapModel:
    """The national map of the SDG index for the index page."""
    codes = [c for c in sorted(data.names) if c in geometry.municipalities]
    areas = index_areas(data, codes)
    return build_map(geometry, "map-index", areas, index_legend(areas, data.index_breaks), root=root, year=data.year,
                     title_nb="SDG-indeksen i kommunene", title_en="The SDG index by municipality",
                     what_nb="SDG-indeksen", what_en="the SDG index", county_borders=True,
                     table_href="#municipalities", legend_note=INDEX_NOTE, breaks=data.index_breaks)


def indicator_map(geometry: Geometry, data: MapData, page: dict[str, Any], *, root: str = "../") -> MapModel:
    """An indicator page's map: each municipality's latest value coloured by its rating (the page's table)."""
    rows = {r.code: r for r in page["table"]}
    unit = page.get("unit") or ""
    areas = []
    for code in (c for c in sorted(data.names) if c in geometry.municipalities):
        name = data.names.get(code, code)
        r = rows.get(code)
        key, colour, nb, en = rating_of(r.rating if r is not None else None)
        head = f"{name} ({code})"
        parts = [(head, head)]
        if r is None or r.value is None:
            parts.append(("ingen verdi", "no value"))
        else:
            parts.append((f"{fmt_number(r.value)} {unit}".strip(),) * 2)
            if r.score is not None:
                parts.append((f"score {fmt_number(r.score, 1)}",) * 2)
        parts.append((nb, en))
        if r is not None and getattr(r, "trend", None) is not None:
            trend = trend_of(r.trend)
            parts.append((f"{trend.arrow} {trend.nb}".strip(), f"{trend.arrow} {trend.en}".strip()))
        areas.append(Area(code, name, colour, key, *_labels(parts)))
    m = page["m"]
    return build_map(geometry, f"map-{page['id']}", areas, rating_legend(areas), root=root,
                     year=page.get("latest_year"), title_nb=str(m.get("name_nb") or page["id"]),
                     title_en=str(m.get("name_en") or m.get("name_nb") or page["id"]),
                     what_nb="vurderingen av indikatoren", what_en="the indicator's rating",
                     county_borders=True, table_href="#values-table")
