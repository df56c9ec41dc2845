"""Models of the 15 county pages (fylke/<code>.html): the county rollups of mart county_goal_scores against
the national median, a map of the county's municipalities and their table; network members are marked."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd

from pipeline.reports.data import Marts, fmt_number, frame_records
from pipeline.reports.geo import Geometry
from pipeline.reports.goal_pages import goal_href
from pipeline.reports.i18n import pair
from pipeline.reports.maps import INDEX_NOTE, MapData, build_map, index_areas, index_legend
from pipeline.reports.network import Member

COUNTY_SUBDIR = "fylke"


def county_href(code: str) -> str:
    return f"{COUNTY_SUBDIR}/{code}.html"


def county_figure(goals: list[dict[str, Any]], county: dict[int, Any], national: dict[int, Any], name: str,
                  year: int | None, layout: dict[str, Any]) -> dict[str, Any]:
    x = [str(g["goal"]) for g in goals]

    def ys(d: dict[int, Any]) -> list[float | None]:
        return [None if d.get(int(g["goal"])) is None else round(float(d[int(g["goal"])]), 1) for g in goals]

    return {
        "data": [
            {"type": "bar", "name": name, "x": x, "y": ys(county), "marker": {"color": [g["colour"] for g in goals]},
             "customdata": [pair(f"{g['goal']}: {g['name_nb']}", f"{g['goal']}: {g['name_en']}") for g in goals],
             "hovertemplate": "%{customdata}<br>%{y:.1f}<extra>" + name + "</extra>"},
            {"type": "scatter", "mode": "markers", "name": pair("Landet (median)", "National median"), "x": x,
             "y": ys(national), "marker": {"symbol": "line-ew-open", "size": 18, "color": "#1f4e79",
                                           "line": {"width": 3, "color": "#1f4e79"}}},
        ],
        "layout": {**layout, "title": {"text": pair(f"Fylkets målscore {year or ''}",
                                                           f"County goal scores {year or ''}"), "x": 0,
                                       "font": {"size": 14}},
                   "yaxis": {"range": [0, 100], "title": {"text": "Score 0–100"}, "gridcolor": "#eeeeee"},
                   "xaxis": {"type": "category"}, "height": 360},
    }


def county_codes(data: MapData, geometry: Geometry) -> list[str]:
    """Counties of the published municipalities (their 2024 codes), that the map geometry knows."""
    return sorted({c for c in data.counties.values() if c in geometry.counties})


def county_page_models(goals: list[dict[str, Any]], marts: Marts, data: MapData, geometry: Geometry,
                       network: dict[tuple[str, str], Member], layout: dict[str, Any]) -> list[dict[str, Any]]:
    cgs = marts.get("county_goal_scores")
    rollup: dict[str, dict[int, dict[str, Any]]] = {}
    if cgs is not None and data.year is not None and {"county_code", "goal", "year", "score"} <= set(cgs.columns):
        now = cgs[cgs["year"] == data.year]
        for r in frame_records(now):
            rollup.setdefault(str(r["county_code"]), {})[int(r["goal"])] = r
    national = {g: (float(pd.Series([r["score"] for r in rows.values() if r.get("score") is not None]).median())
                    if any(r.get("score") is not None for r in rows.values()) else None)
                for g, rows in data.goal_rows.items()}
    pages = []
    for code in county_codes(data, geometry):
        munis = sorted(c for c, k in data.counties.items() if k == code and c in geometry.municipalities)
        name = data.county_names.get(code) or geometry.counties[code].name
        member = network.get(("county", code))
        areas = index_areas(data, munis)
        mp = build_map(geometry, f"map-county-{code}", areas, index_legend(areas, data.index_breaks), root="../",
                       year=data.year, legend_note=INDEX_NOTE, breaks=data.index_breaks,
                       title_nb=f"SDG-indeksen i {name}", title_en=f"The SDG index in {name}",
                       what_nb="SDG-indeksen", what_en="the SDG index", table_href="#county-municipalities")
        own = rollup.get(code, {})
        goal_rows = []
        for g in goals:
            r = own.get(int(g["goal"]), {})
            goal_rows.append(SimpleNamespace(
                **g, href=f"../{goal_href(int(g['goal']))}", score=r.get("score"),
                scored=r.get("municipalities_scored"), total=r.get("municipalities_total"),
                share=r.get("population_share_scored"), national=national.get(int(g["goal"]))))
        rows = []
        for c in munis:
            m = network.get(("municipality", c))
            rows.append(SimpleNamespace(code=c, name=data.names.get(c, c), population=data.population.get(c),
                                        index=data.index.get(c), rank=data.index_rank.get(c),
                                        change=data.index_change.get(c), member=m))
        scored = [r.index for r in rows if r.index is not None]
        fig_alt = {lang: "; ".join(f"{g.goal}: {fmt_number(g.score, 1)} ({word} {fmt_number(g.national, 1)})"
                                   for g in goal_rows)
                   for lang, word in (("nb", "landet"), ("en", "national"))}
        pages.append({
            "path": county_href(code), "code": code, "name": name, "member": member, "map": mp,
            "goal_rows": goal_rows, "has_rollup": bool(own), "municipalities": rows, "n_scored": len(scored),
            "figures": {"county": county_figure(goals, {g.goal: g.score for g in goal_rows},
                                                {g.goal: g.national for g in goal_rows}, name, data.year, layout)},
            "alts": {"county": (f"Målscore for {name} per mål: {fig_alt['nb']}.",
                                f"Goal scores for {name} by goal: {fig_alt['en']}.")},
            "network_municipalities": sum(1 for r in rows if r.member is not None),
        })
    return pages


def county_links(data: MapData, geometry: Geometry, network: dict[tuple[str, str], Member]) -> list[SimpleNamespace]:
    """The counties for the index page's list: code, name, href, whether the county authority is a member."""
    return [SimpleNamespace(code=c, name=data.county_names.get(c) or geometry.counties[c].name, href=county_href(c),
                            member=network.get(("county", c)),
                            n=sum(1 for k in data.counties.values() if k == c))
            for c in county_codes(data, geometry)]
