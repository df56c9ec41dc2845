"""One page per indicator (Open SDG style) and a CSV of exactly that indicator's rows, plus a list of them all:
reports/indikator/<indicator_id>.html, <indicator_id>.csv and index.html.

A page says what the indicator measures and where it comes from (SSB table with a link to its statbank page and
the contents code, or the U4SSC code of a submitted KPI), its direction, its target and the source of that
target, the rating thresholds and theirs, the national median over time (with the middle half of the
municipalities) and the distribution across municipalities in the latest year, each chart with a table as its
text alternative."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import jinja2
import pandas as pd

from pipeline.exports import copy_csv, mart_columns
from pipeline.reports.data import MARTS_SCHEMA, Marts, is_missing, rating_of
from pipeline.reports.i18n import pair

INDICATOR_SUBDIR = "indikator"
STATBANK_URL = "https://www.ssb.no/statbank/table/{table_id}"
DIRECTIONS = {"higher": ("Høyere er bedre", "Higher is better"), "lower": ("Lavere er bedre", "Lower is better")}
BASIS = {  # indicator_sources basis -> (bokmål, English)
    "law": ("lov eller forskrift", "law or regulation"), "national_target": ("nasjonalt mål", "national target"),
    "eu_target": ("EU-mål", "EU target"), "un_target": ("FN-mål", "UN target"),
    "benchmark": ("referanseverdi (FN/U4SSC/OECD/SDSN)", "benchmark (UN/U4SSC/OECD/SDSN)"),
    "rule": ("statistisk regel", "statistical rule"),
}
LAYOUT: dict[str, Any] = {
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
    "margin": {"l": 56, "r": 12, "t": 48, "b": 44}, "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "#ffffff",
    "legend": {"orientation": "h", "y": -0.18}, "height": 320,
}


def statbank_url(table_id: Any) -> str | None:
    return None if is_missing(table_id) or not str(table_id).strip() else STATBANK_URL.format(table_id=table_id)


def _f(v: Any, d: int = 4) -> float | None:
    return None if is_missing(v) else round(float(v), d)


def median_figure(stats: pd.DataFrame, unit: str) -> dict[str, Any]:
    """National median per year with the interquartile band (p25-p75)."""
    years = [int(y) for y in stats.index]
    band_name = pair("Midterste halvdel (25–75 %)", "Middle half (25th–75th percentile)")
    return {"data": [
        {"type": "scatter", "mode": "lines", "x": years, "y": [_f(v) for v in stats["p75"]], "name": band_name,
         "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": years, "y": [_f(v) for v in stats["p25"]], "name": band_name,
         "fill": "tonexty", "fillcolor": "rgba(0,104,157,0.15)", "line": {"width": 0}},
        {"type": "scatter", "mode": "lines+markers", "x": years, "y": [_f(v) for v in stats["median"]],
         "name": pair("Landsmedian", "National median"), "line": {"width": 3, "color": "#00689d"}},
    ], "layout": {**LAYOUT, "title": {"text": pair("Landsmedian over tid", "National median over time"), "x": 0,
                                       "font": {"size": 14}},
                  "xaxis": {"dtick": 1}, "yaxis": {"title": {"text": unit}, "gridcolor": "#eeeeee"}}}


def distribution_figure(values: list[float], year: int | None, unit: str, thresholds: list[tuple[str, float]],
                        ) -> dict[str, Any]:
    """Histogram of the municipalities' values in `year`, with the rating thresholds as vertical lines."""
    shapes = [{"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
               "line": {"color": colour, "width": 2, "dash": "dot"}} for colour, x in thresholds]
    return {"data": [{"type": "histogram", "x": values, "nbinsx": 30, "marker": {"color": "#00689d"},
                      "name": pair("Kommuner", "Municipalities")}],
            "layout": {**LAYOUT, "showlegend": False, "bargap": 0.05, "shapes": shapes,
                       "title": {"text": pair(f"Fordeling over kommunene {year or ''}",
                                              f"Distribution across municipalities {year or ''}"), "x": 0,
                                 "font": {"size": 14}},
                       "xaxis": {"title": {"text": unit}},
                       "yaxis": {"title": {"text": pair("Kommuner", "Municipalities")}, "gridcolor": "#eeeeee"}}}


@dataclass
class IndicatorSite:
    pages: list[dict[str, Any]]
    index_rows: list[SimpleNamespace]


def _rows_source(marts: Marts) -> pd.DataFrame:
    """The rows a page counts and a CSV holds: marts.indicator_scores (values with score and rating), else
    indicator_values."""
    name = _csv_relation(marts)
    if name is None:
        return pd.DataFrame(columns=["municipality_code", "indicator_id", "year", "value"])
    return marts.tables[name]


def indicator_models(marts: Marts, munis: pd.DataFrame, goal_by_no: dict[int, dict[str, Any]],
                     json_script) -> IndicatorSite:
    """Page models for every indicator of marts.indicators (one vectorised pass over the value rows)."""
    rows = _rows_source(marts)
    meta = marts.get("indicators")
    if meta is None or meta.empty:
        return IndicatorSite([], [])
    names = dict(zip(munis["municipality_code"], munis["municipality_name"], strict=True))
    counties = dict(zip(munis["municipality_code"], munis.get("county_name", ""), strict=True))
    vals = rows[rows["value"].notna()] if "value" in rows.columns else rows.iloc[0:0]
    grouped = vals.groupby(["indicator_id", "year"])["value"]
    quart = grouped.quantile([0.25, 0.75]).unstack()
    stats = pd.DataFrame({"median": grouped.median(), "p25": quart[0.25], "p75": quart[0.75], "n": grouped.count()})
    with_stats = set(stats.index.get_level_values(0))
    last_year = vals.groupby("indicator_id")["year"].transform("max")
    latest_rows = vals[vals["year"] == last_year].sort_values("municipality_code")
    cols = [c for c in ("municipality_code", "year", "value", "score", "rating", "trend", "status")
            if c in vals.columns]
    latest_by: dict[str, list[dict[str, Any]]] = {}
    latest_rows = latest_rows[["indicator_id", *cols]]
    for r in latest_rows.astype(object).where(latest_rows.notna(), None).to_dict("records"):
        latest_by.setdefault(r["indicator_id"], []).append(r)
    n_rows = rows["indicator_id"].value_counts().to_dict()
    pages: list[dict[str, Any]] = []
    index_rows: list[SimpleNamespace] = []
    for m in meta.sort_values(["goal", "indicator_id"]).astype(object).where(meta.notna(), None).to_dict("records"):
        ind = m["indicator_id"]
        goal = goal_by_no.get(int(m.get("goal") or 0), {})
        unit = m.get("unit") or ""
        s = stats.loc[ind] if ind in with_stats else None
        latest = latest_by.get(ind, [])
        latest_year = int(latest[0]["year"]) if latest else None
        table = []
        for r in latest:
            rating = rating_of(r.get("rating"))
            table.append(SimpleNamespace(code=r["municipality_code"],
                                         name=names.get(r["municipality_code"], r["municipality_code"]),
                                         county=counties.get(r["municipality_code"]) or "", value=r["value"],
                                         score=r.get("score"), rating=rating[0], rating_colour=rating[1],
                                         rating_nb=rating[2], rating_en=rating[3], status=r.get("status"),
                                         trend=r.get("trend")))
        thresholds = [(c, float(m[k])) for c, k in (("#3f9c35", "threshold_green"), ("#f2c500", "threshold_yellow"),
                                                    ("#f08a24", "threshold_orange")) if not is_missing(m.get(k))]
        figures: dict[str, Any] = {}
        if s is not None and len(s):
            figures["median"] = median_figure(s, unit)
        if table:
            figures["distribution"] = distribution_figure([float(t.value) for t in table], latest_year, unit,
                                                          thresholds)
        median_rows = [] if s is None else [SimpleNamespace(year=int(y), median=r["median"], p25=r["p25"],
                                                            p75=r["p75"], n=int(r["n"])) for y, r in s.iterrows()]
        direction = DIRECTIONS.get(str(m.get("direction") or ""), (m.get("direction") or "–",) * 2)
        page = {"m": m, "id": ind, "goal": goal, "unit": unit, "direction": direction,
                "statbank": statbank_url(m.get("table_id")) if m.get("source_type") == "ssb" else None,
                "target_basis": BASIS.get(str(m.get("target_basis") or ""), (m.get("target_basis") or "–",) * 2),
                "thresholds_basis": BASIS.get(str(m.get("thresholds_basis") or ""),
                                              (m.get("thresholds_basis") or "–",) * 2),
                "latest_year": latest_year, "table": table, "medians": median_rows,
                "n_rows": int(n_rows.get(ind, 0)),
                "figures_json": json_script(figures), "figure_ids": list(figures),
                "csv": f"{ind}.csv"}
        pages.append(page)
        last = median_rows[-1] if median_rows else None
        index_rows.append(SimpleNamespace(id=ind, name_nb=m.get("name_nb"), name_en=m.get("name_en"), goal=goal,
                                          unit=unit, direction=direction, source=m.get("source") or "",
                                          year=last.year if last else None, median=last.median if last else None,
                                          n=last.n if last else 0, in_index=m.get("in_index"),
                                          verification=m.get("verification")))
    return IndicatorSite(pages, index_rows)


def _csv_relation(marts: Marts) -> str | None:
    for name in ("indicator_scores", "indicator_values"):
        df = marts.get(name)
        if df is not None and "indicator_id" in df.columns:
            return name
    return None


def write_indicator_site(site: IndicatorSite, marts: Marts, out_dir: Path, env: jinja2.Environment,
                         common: dict[str, Any], write, duckdb_config: dict | None = None) -> int:
    """Render indikator/<id>.html and index.html and write indikator/<id>.csv (the exports' plain CSV of the
    indicator's rows of marts.indicator_scores, by DuckDB from the published file); remove files of
    indicators no longer published. Returns the number of indicator pages."""
    folder = out_dir / INDICATOR_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    page_t = env.get_template("indicator.html.j2")
    keep = {"index.html"}
    for p in site.pages:
        write(folder / f"{p['id']}.html", page_t.render(**common, p=p, root="../", figures_json=p["figures_json"]))
        keep |= {f"{p['id']}.html", p["csv"]}
    write(folder / "index.html", env.get_template("indicators.html.j2").render(
        **common, rows=site.index_rows, root="../", figures_json="{}"))
    mart = _csv_relation(marts)
    if mart is not None and site.pages:
        con = duckdb.connect(str(marts.db_path), read_only=True, config=duckdb_config or {})
        try:
            columns = mart_columns(con, mart)
            order = ", ".join(c for c, _ in columns if c in ("municipality_code", "year"))
            for p in site.pages:
                tmp = folder / f".{p['csv']}.tmp"
                ind = p["id"].replace("'", "''")
                copy_csv(con, columns, f"(select * from {MARTS_SCHEMA}.{mart} where indicator_id = '{ind}'"
                                       f"{' order by ' + order if order else ''})", tmp)
                os.replace(tmp, folder / p["csv"])
        finally:
            con.close()
    for old in folder.iterdir():
        if old.is_file() and old.name not in keep and old.suffix in (".html", ".csv"):
            old.unlink()
    return len(site.pages)
