"""Models of the 17 goal pages (goal/<nn>.html): what the goal means locally, its indicators, the map, the
distribution of scores, the best and the worst municipalities, the national trend and the county scores."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

import pandas as pd

from pipeline.reports.data import NO_RATING, RATINGS, TRENDS, Marts, fmt_number, frame_records, rating_of, trend_of
from pipeline.reports.geo import Geometry
from pipeline.reports.goal_texts import LOCAL_MEANING
from pipeline.reports.i18n import pair
from pipeline.reports.maps import MapData, build_map, goal_areas, rating_legend, score_legend

GOAL_SUBDIR = "goal"
TOP_N = 10


def goal_href(goal: int) -> str:
    return f"{GOAL_SUBDIR}/{int(goal):02d}.html"


def distribution_figure(rows: list[dict[str, Any]], goal: dict[str, Any], year: int | None,
                        layout: dict[str, Any]) -> dict[str, Any]:
    """Histogram of the goal's scores, stacked by rating in the report's rating colours."""
    traces = []
    for key, (colour, nb, en) in [*RATINGS.items(), ("none", NO_RATING)]:
        xs = [float(r["score"]) for r in rows if r.get("score") is not None and rating_of(r.get("rating"))[0] == key]
        if xs:
            traces.append({"type": "histogram", "x": xs, "name": pair(nb, en), "marker": {"color": colour},
                           "xbins": {"start": 0, "end": 100, "size": 5}})
    lay = {**layout, "barmode": "stack", "bargap": 0.05,
           "title": {"text": pair(f"Fordeling av målscore {year or ''}", f"Distribution of goal scores {year or ''}"),
                     "x": 0,
                     "font": {"size": 14}},
           "xaxis": {"range": [0, 100],
                     "title": {"text": pair(f"Mål {goal['goal']} score", f"Goal {goal['goal']} score")}},
           "yaxis": {"title": {"text": pair("Kommuner", "Municipalities")}, "gridcolor": "#eeeeee"}, "height": 420,
           "hovermode": "closest", "legend": {"orientation": "h", "y": -0.3},
           "margin": {**layout.get("margin", {}), "b": 120}}
    if not traces:
        lay["annotations"] = [{"text": pair("Ingen målscore ennå", "No goal scores yet"), "xref": "paper",
                               "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False}]
    return {"data": traces, "layout": lay}


def trend_figure(years: list[int], q: dict[str, dict[int, float]], colour: str,
                 layout: dict[str, Any]) -> dict[str, Any]:
    def series(name: str) -> list[float | None]:
        return [None if q[name].get(y) is None else round(q[name][y], 1) for y in years]

    return {
        "data": [
            {"type": "scatter", "mode": "lines", "name": pair("25. persentil", "25th percentile"), "x": years,
             "y": series("p25"), "line": {"dash": "dot", "color": "#777777"}},
            {"type": "scatter", "mode": "lines+markers", "name": "Median", "x": years, "y": series("p50"),
             "line": {"width": 3, "color": colour}},
            {"type": "scatter", "mode": "lines", "name": pair("75. persentil", "75th percentile"), "x": years,
             "y": series("p75"), "line": {"dash": "dot", "color": "#777777"}},
        ],
        "layout": {**layout,
                   "title": {"text": pair("Landet over tid", "Nationally over time"), "x": 0, "font": {"size": 14}},
                   "yaxis": {"range": [0, 100], "title": {"text": "Score 0–100"}, "gridcolor": "#eeeeee"},
                   "xaxis": {"dtick": 1}, "height": 320},
    }


def _quantiles(gs: pd.DataFrame) -> dict[int, tuple[list[int], dict[str, dict[int, float]]]]:
    """Per goal: the years and the 25th, 50th and 75th percentiles of the municipalities' scores by year."""
    scored = gs[gs["score"].notna()]
    out: dict[int, tuple[list[int], dict[str, dict[int, float]]]] = {}
    if scored.empty:
        return out
    grouped = scored.groupby(["goal", "year"])["score"]
    qs = {name: grouped.quantile(qv) for name, qv in (("p25", 0.25), ("p50", 0.5), ("p75", 0.75))}
    for goal in sorted({int(g) for g, _ in qs["p50"].index}):
        q = {name: {int(y): float(v) for (g, y), v in series.items() if int(g) == goal} for name, series in qs.items()}
        out[goal] = (sorted(q["p50"]), q)
    return out


def _indicators(marts: Marts) -> dict[int, list[SimpleNamespace]]:
    """Per goal, its indicators with how many municipalities have a value in the indicator's latest year and
    the median of those values (one pass over indicator_values for all goals)."""
    meta = frame_records(marts.get("indicators"))
    iv = marts.get("indicator_values")
    stats: dict[str, tuple[int, int, float]] = {}
    if iv is not None and not iv.empty:
        vals = iv[iv["value"].notna()]
        latest = vals.groupby("indicator_id")["year"].transform("max")
        agg = vals[vals["year"] == latest].groupby("indicator_id").agg(
            year=("year", "max"), n=("municipality_code", "nunique"), median=("value", "median"))
        stats = {str(i): (int(y), int(n), float(md)) for i, y, n, md in
                 zip(agg.index, agg["year"], agg["n"], agg["median"], strict=True)}
    out: dict[int, list[SimpleNamespace]] = {}
    for m in sorted(meta, key=lambda r: str(r["indicator_id"])):
        year, n, median = stats.get(m["indicator_id"], (None, 0, None))
        out.setdefault(int(m.get("goal") or 0), []).append(SimpleNamespace(
            id=m["indicator_id"], name_nb=m.get("name_nb") or m["indicator_id"], name_en=m.get("name_en") or "",
            target=m.get("target") or "", unit=m.get("unit") or "", direction=m.get("direction") or "",
            in_index=m.get("in_index"), verification=m.get("verification"), year=year, n=n, median=median))
    return out


def _ranked(rows: list[dict[str, Any]], data: MapData) -> list[SimpleNamespace]:
    scored = [r for r in rows if r.get("score") is not None]
    scored.sort(key=lambda r: (-float(r["score"]), str(r["municipality_code"])))
    out = []
    for i, r in enumerate(scored, 1):
        code = str(r["municipality_code"])
        key, colour, nb, en = rating_of(r.get("rating"))
        county = data.counties.get(code, "")
        out.append(SimpleNamespace(pos=i, code=code, name=data.names.get(code, code), county=county,
                                   county_name=data.county_names.get(county, county), score=r["score"],
                                   rating=key, rating_colour=colour, rating_nb=nb, rating_en=en,
                                   trend=trend_of(r.get("trend"))))
    return out


def goal_page_models(goals: list[dict[str, Any]], marts: Marts, data: MapData, geometry: Geometry,
                     layout: dict[str, Any]) -> list[dict[str, Any]]:
    gs = marts.get("goal_scores")
    if gs is None:
        gs = pd.DataFrame(columns=["municipality_code", "goal", "year", "score"])
    cgs = marts.get("county_goal_scores")
    county_rows: dict[int, list[dict[str, Any]]] = {}
    if cgs is not None and data.year is not None and {"county_code", "goal", "score"} <= set(cgs.columns):
        for r in frame_records(cgs[cgs["year"] == data.year].sort_values("county_code")):
            county_rows.setdefault(int(r["goal"]), []).append(r)
    quantiles = _quantiles(gs)
    indicators = _indicators(marts)
    codes = [c for c in sorted(data.names) if c in geometry.municipalities]
    pages = []
    for g in goals:
        goal = int(g["goal"])
        rows = list(data.goal_rows.get(goal, {}).values())
        areas = goal_areas(data, goal, codes)
        legend = rating_legend(areas)
        mp = build_map(geometry, f"map-goal-{goal}", areas, legend, root="../", year=data.year,
                       title_nb=f"Mål {goal}: {g['name_nb']}", title_en=f"Goal {goal}: {g['name_en']}",
                       what_nb=f"vurderingen av mål {goal}", what_en=f"the rating of goal {goal}",
                       county_borders=True, table_href="#ranking", alt_legend=score_legend(areas))
        ranked = _ranked(rows, data)
        years, q = quantiles.get(goal, ([], {"p25": {}, "p50": {}, "p75": {}}))
        trends = Counter(trend_of(r.get("trend")).nb for r in rows)
        trend_counts = [SimpleNamespace(t=t, n=trends.get(t.nb, 0)) for t in TRENDS.values()]
        counties = [SimpleNamespace(code=str(r["county_code"]), name=r.get("county_name") or "", score=r.get("score"))
                    for r in county_rows.get(goal, [])]
        scores = [float(r.score) for r in ranked]
        median = float(pd.Series(scores).median()) if scores else None
        dist_alt = ((f"{len(scores)} av {len(codes)} kommuner har score for mål {goal}; median "
                     f"{fmt_number(median, 1)}, fra {fmt_number(min(scores), 1)} til {fmt_number(max(scores), 1)}.",
                     f"{len(scores)} of {len(codes)} municipalities have a score for goal {goal}; median "
                     f"{fmt_number(median, 1)}, from {fmt_number(min(scores), 1)} to {fmt_number(max(scores), 1)}.")
                    if scores else (f"Ingen kommune har score for mål {goal} ennå.",
                                    f"No municipality has a score for goal {goal} yet."))
        by_year = ", ".join(f"{y}: {fmt_number(q['p50'][y], 1)}" for y in years)
        trend_alt = ((f"Median per år: {by_year}.", f"Median by year: {by_year}.") if years
                     else ("Ingen tidsserie: ingen kommune har score for målet ennå.",
                           "No series: no municipality has a score for the goal yet."))
        figures = {"distribution": distribution_figure(rows, g, data.year, layout),
                   "trend": trend_figure(years, q, g.get("colour") or "#00689d", layout)}
        pages.append({
            "path": goal_href(goal), "goal": g, "no": goal, "local": LOCAL_MEANING.get(goal, ("", "")),
            "indicators": indicators.get(goal, []), "map": mp, "best": ranked[:TOP_N],
            "worst": ranked[-TOP_N:][::-1] if len(ranked) > TOP_N else [], "ranked": ranked,
            "n_scored": len(scores), "median": median, "trend_counts": trend_counts, "counties": counties,
            "figures": figures, "alts": {"distribution": dist_alt, "trend": trend_alt},
            "prev": goal_href(goal - 1) if goal > 1 else None, "next": goal_href(goal + 1) if goal < 17 else None,
        })
    return pages

