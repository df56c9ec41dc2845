"""Build the static HTML report from the published warehouse: an index page, one page per municipality and one
per indicator (indicator_pages.py), in one language at a time (i18n.py, static/lang.js).

Everything is computed with a few vectorised pandas group-bys up front, then each page is one Jinja render,
so the 357 pages take a second or two. Charts are Plotly figures (JSON in the page) drawn by one shared,
bundled plotly.min.js: the report opens offline, from disk or from any static web server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pandas as pd

from pipeline.reports.compare import Groups
from pipeline.reports.data import (
    NO_RATING,
    RATINGS,
    Marts,
    fmt_number,
    fmt_timestamp,
    frame_records,
    is_demo,
    is_missing,
    load_marts,
    rating_of,
    report_year,
    trend_of,
    with_peer_groups,
)
from pipeline.reports.i18n import pair, ta, tt, tx
from pipeline.reports.indicator_pages import indicator_models, write_indicator_site
from pipeline.reports.map_pages import map_pages, site_size, write_map_pages
from pipeline.reports.maps import indicator_map
from pipeline.reports.municipality_views import (
    compare_traces,
    coverage,
    group_spans,
    own_series,
    picker_options,
    series_of,
    small_multiples,
)
from pipeline.reports.network import NETWORK_SEED
from pipeline.reports.scale import (
    SCALE_FROM_UNITS,
    UNIT_PAGE,
    count_units,
    remove_scale_files,
    render_scale_pages,
    write_scale_data,
)
from pipeline.reports.sparklines import frames

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
PAGES_SUBDIR = "kommune"
ASSETS_SUBDIR = "assets"
DBT_DOCS_SUBDIR = "dbt-docs"
PLOTLY_JS = "plotly.min.js"


@dataclass
class ReportResult:
    out_dir: Path
    index: Path
    pages: int
    seconds: float
    demo: bool
    report_year: int | None
    run_id: str | None
    published_at: str
    peer_source: str
    plotly_version: str
    sample_pages: list[Path] = field(default_factory=list)
    removed_pages: int = 0
    indicator_pages: int = 0
    top: list[dict[str, Any]] = field(default_factory=list)
    goal_pages: int = 0
    county_pages: int = 0
    site_bytes: int = 0
    site_files: int = 0
    html_pages: int = 0
    variant: str = "national"  # "scale": one unit page and data files (scale.py), above scale_from_units
    unit_files: int = 0


def _plain(v: Any) -> Any:
    """JSON-safe scalar (NaN/NA -> None, numpy -> python)."""
    if is_missing(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _round(v: Any, d: int = 1) -> float | None:
    return None if is_missing(v) else round(float(v), d)


def plotly_js_path() -> Path:
    return Path(str(resources.files("plotly") / "package_data" / PLOTLY_JS))


def plotly_version() -> str:
    """plotly.js version from the bundled file's banner (e.g. 'v3.1.0'), else the Python package version."""
    head = plotly_js_path().read_bytes()[:300].decode("utf-8", "replace")
    m = re.search(r"plotly\.js v?([0-9][0-9.]*)", head)
    return m.group(1) if m else metadata.version("plotly")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = fmt_number
    env.globals.update(tx=tx, ta=ta, tt=tt)
    return env


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _json_script(obj: Any) -> str:
    """JSON for a <script type=application/json> block ('</' escaped so it cannot close the tag)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _copy_assets(out_dir: Path) -> str:
    """Copy plotly.min.js (once per version) and the report's CSS/JS into out_dir/assets."""
    assets = out_dir / ASSETS_SUBDIR
    assets.mkdir(parents=True, exist_ok=True)
    src = plotly_js_path()
    dst = assets / PLOTLY_JS
    if not dst.exists() or dst.stat().st_size != src.stat().st_size:
        tmp = dst.with_name(f".{dst.name}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    for f in STATIC_DIR.iterdir():
        if f.is_file():
            _write_atomic(assets / f.name, f.read_text(encoding="utf-8"))
    return plotly_version()


# ---------------------------------------------------------------------------------------------- figures

_LAYOUT_BASE: dict[str, Any] = {
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
    "margin": {"l": 48, "r": 12, "t": 56, "b": 40},
    "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "#ffffff",
    "legend": {"orientation": "h", "y": -0.12},
    "hovermode": "x unified",
}


def goal_comparison_figure(goals: list[dict], own: dict[int, Any], peer: dict[int, Any], national: dict[int, Any],
                           name: str, year: int | None, compare: dict[str, Any] | None = None) -> dict[str, Any]:
    """Trace 1 is the comparison group's median; `compare` holds it for every group the reader can pick."""
    x = [str(g["goal"]) for g in goals]
    labels = [pair(f"{g['goal']}: {g['name_nb']}", f"{g['goal']}: {g['name_en']}") for g in goals]
    return {"compare": {"trace": 1, "groups": compare or {}},
        "data": [
            {"type": "bar", "name": name, "x": x, "y": [_round(own.get(g["goal"])) for g in goals],
             "marker": {"color": [g["colour"] for g in goals]}, "customdata": labels,
             "hovertemplate": "%{customdata}<br>%{y:.1f}<extra>" + name + "</extra>"},
            {"type": "scatter", "mode": "markers", "name": pair("Sammenligningsgruppe (median)", "Peer group median"),
             "x": x, "y": [_round(peer.get(g["goal"])) for g in goals],
             "marker": {"symbol": "diamond", "size": 10, "color": "#333333"}},
            {"type": "scatter", "mode": "markers", "name": pair("Landet (median)", "National median"),
             "x": x, "y": [_round(national.get(g["goal"])) for g in goals],
             "marker": {"symbol": "line-ew-open", "size": 18, "color": "#1f4e79",
                        "line": {"width": 3, "color": "#1f4e79"}}},
        ],
        "layout": {**_LAYOUT_BASE,
                   "title": {"text": pair(f"Målscore {year or ''}", f"Goal scores {year or ''}"), "x": 0,
                             "font": {"size": 14}},
                   "yaxis": {"range": [0, 100], "title": {"text": "Score 0–100"}, "gridcolor": "#eeeeee"},
                   "xaxis": {"type": "category"}, "height": 380},
    }


def index_trend_figure(years: list[int], own: dict[int, Any], peer: dict[int, Any], national: dict[int, Any],
                       name: str, compare: dict[str, Any] | None = None) -> dict[str, Any]:
    def series(d: dict[int, Any]) -> list[float | None]:
        return [_round(d.get(y)) for y in years]

    layout = {**_LAYOUT_BASE, "title": {"text": pair("SDG-indeks over tid", "SDG index over time"), "x": 0,
                                          "font": {"size": 14}},
              "yaxis": {"range": [0, 100], "title": {"text": pair("Indeks 0–100", "Index 0–100")},
                        "gridcolor": "#eeeeee"},
              "xaxis": {"dtick": 1}, "height": 320}
    if all(v is None for v in series(own)):
        layout["annotations"] = [{"text": pair("Ingen indeksverdi for kommunen (for mange indikatorer mangler)",
                                               "No index value (too many indicators missing)"),
                                  "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
                                  "font": {"size": 12, "color": "#666666"}}]
    return {
        "compare": {"trace": 1, "groups": compare or {}},
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": name, "x": years, "y": series(own),
             "line": {"width": 3, "color": "#00689d"}},
            {"type": "scatter", "mode": "lines", "name": pair("Sammenligningsgruppe (median)", "Peer group median"),
             "x": years, "y": series(peer), "line": {"dash": "dot", "color": "#333333"}},
            {"type": "scatter", "mode": "lines", "name": pair("Landet (median)", "National median"), "x": years,
             "y": series(national), "line": {"dash": "dash", "color": "#1f4e79"}},
        ],
        "layout": layout,
    }


def national_goal_figure(goals: list[dict], national: dict[int, Any], year: int | None) -> dict[str, Any]:
    return {
        "data": [{"type": "bar", "x": [str(g["goal"]) for g in goals],
                  "y": [_round(national.get(g["goal"])) for g in goals],
                  "marker": {"color": [g["colour"] for g in goals]},
                  "customdata": [pair(f"{g['goal']}: {g['name_nb']}", f"{g['goal']}: {g['name_en']}") for g in goals],
                  "hovertemplate": "%{customdata}<br>median %{y:.1f}<extra></extra>", "name": "Median"}],
        "layout": {**_LAYOUT_BASE, "showlegend": False,
                   "title": {"text": pair(f"Landsmedian per mål {year or ''}",
                                          f"National median per goal {year or ''}"),
                             "x": 0, "font": {"size": 14}},
                   "yaxis": {"range": [0, 100], "gridcolor": "#eeeeee"},
                   "xaxis": {"type": "category", "title": {"text": pair("Bærekraftsmål", "SDG")}}, "height": 340},
    }


def index_histogram_figure(scores: list[float], year: int | None) -> dict[str, Any]:
    layout = {**_LAYOUT_BASE, "showlegend": False, "bargap": 0.05,
              "title": {"text": pair(f"Fordeling av SDG-indeksen {year or ''}",
                                     f"Distribution of the SDG index {year or ''}"),
                        "x": 0, "font": {"size": 14}},
              "xaxis": {"range": [0, 100], "title": {"text": pair("Indeks", "Index")}},
              "yaxis": {"title": {"text": pair("Kommuner", "Municipalities")}, "gridcolor": "#eeeeee"}, "height": 340}
    if not scores:
        layout["annotations"] = [{"text": pair("Ingen indeksverdier ennå", "No index values yet"), "xref": "paper",
                                  "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False}]
    return {"data": [{"type": "histogram", "x": scores, "xbins": {"start": 0, "end": 100, "size": 5},
                      "marker": {"color": "#00689d"}}], "layout": layout}


# ---------------------------------------------------------------------------------------------- shaping

def _group(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out


def _latest_indicator_rows(marts: Marts) -> pd.DataFrame:
    """Per (municipality, indicator): the row of the latest year with a value (indicator_scores if present,
    which carries score, rating and trend too; else indicator_values)."""
    src = marts.get("indicator_scores")
    if src is None or "value" not in src.columns:
        src = marts.get("indicator_values")
    if src is None or src.empty:
        return pd.DataFrame(columns=["municipality_code", "indicator_id", "year", "value"])
    df = src[src["value"].notna()].sort_values("year")
    return df.drop_duplicates(["municipality_code", "indicator_id"], keep="last")


def _medians(values: pd.DataFrame, keys: list[str], col: str) -> dict[tuple, float]:
    if values.empty or col not in values.columns:
        return {}
    s = values.groupby(keys, dropna=False)[col].median()
    return {k if isinstance(k, tuple) else (k,): float(v) for k, v in s.items() if not is_missing(v)}


def _goal_list(marts: Marts) -> list[dict[str, Any]]:
    goals = marts.get("goals")
    if goals is None or goals.empty:
        return [{"goal": g, "name_nb": f"Mål {g}", "name_en": f"Goal {g}", "colour": "#888888"} for g in range(1, 18)]
    return frame_records(goals.sort_values("goal"))


@dataclass
class _Context:
    marts: Marts
    goals: list[dict[str, Any]]
    goal_by_no: dict[int, dict[str, Any]]
    munis: pd.DataFrame
    peer_source: str
    year: int | None
    demo: bool
    meta: dict[str, Any]


def _prepare(marts: Marts) -> _Context:
    munis, peer_source = with_peer_groups(marts.get("municipalities"))
    munis = munis.sort_values("municipality_code")
    goals = _goal_list(marts)
    gs = marts.get("goal_scores")
    year = report_year(gs) if gs is not None else None
    meta = {
        "run_id": marts.refresh.get("run_id"),
        "published_at": fmt_timestamp(marts.refresh.get("published_at")),
        "snapshot_kind": marts.refresh.get("snapshot_kind") or "–",
        "built_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "peer_source": peer_source,
    }
    iv = marts.get("indicator_values")
    if iv is not None and len(iv):
        meta["years"] = f"{int(iv['year'].min())}–{int(iv['year'].max())}"
    return _Context(marts, goals, {int(g["goal"]): g for g in goals}, munis, peer_source, year, is_demo(marts), meta)


SENSITIVITY_SCENARIOS = ("baseline", "bounds_p5_p95", "bounds_p10_p90", "geometric_mean", "indicator_weights")


def _rank_intervals(sens: pd.DataFrame | None, year: int | None) -> dict[str, SimpleNamespace]:
    """marts.score_sensitivity for the report year: municipality -> rank interval and the scenarios' ranks."""
    if sens is None or year is None or sens.empty:
        return {}
    out: dict[str, SimpleNamespace] = {}
    order = {s: i for i, s in enumerate(SENSITIVITY_SCENARIOS)}
    for code, rows in _group(frame_records(sens[sens["year"] == year]), "municipality_code").items():
        rows = sorted(rows, key=lambda r: order.get(r["scenario"], len(order)))
        ranks = "; ".join(f"{r['scenario_description']}: {int(r['rank'])}" for r in rows)
        out[code] = SimpleNamespace(low=rows[0]["rank_low"], high=rows[0]["rank_high"], scenarios=ranks)
    return out


def _rating(value: Any) -> dict[str, str]:
    k, colour, nb, en = rating_of(value)
    return {"rating": k, "rating_colour": colour, "rating_nb": nb, "rating_en": en}


def _u4ssc_rows(marts: Marts, ind_names: dict[str, dict[str, Any]]) -> dict[str, list[SimpleNamespace]]:
    """Latest U4SSC KPI per municipality and KPI code, with points 1-4 (when the mart exists)."""
    kpis = marts.get("u4ssc_kpis")
    if kpis is None or kpis.empty or "u4ssc_code" not in kpis.columns:
        return {}
    df = kpis[kpis["value"].notna()] if "value" in kpis.columns else kpis
    codes = marts.get("u4ssc_codes")
    kpi_names = {} if codes is None else {r["u4ssc_code"]: r for r in frame_records(codes)}
    df = df.sort_values("year").drop_duplicates(["municipality_code", "u4ssc_code"], keep="last")
    out: dict[str, list[SimpleNamespace]] = defaultdict(list)
    for r in frame_records(df.sort_values(["municipality_code", "u4ssc_code"])):
        meta = ind_names.get(r.get("indicator_id") or "", {}) or kpi_names.get(r["u4ssc_code"], {})
        points = r.get("points")
        out[r["municipality_code"]].append(SimpleNamespace(
            code=r["u4ssc_code"], name_nb=meta.get("name_nb") or r.get("indicator_id") or "",
            name_en=meta.get("name_en") or "", goal=r.get("goal"), year=r.get("year"),
            value=r.get("value"),
            unit=r.get("unit") or meta.get("unit") or "", benchmark=r.get("benchmark"),
            share=r.get("share_of_benchmark"), points=int(points) if points is not None else None))
    return out


def _page_models(ctx: _Context) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One model per municipality page, and the index page's model. Frames become plain records once and
    are grouped in Python: far faster than slicing a DataFrame per municipality."""
    marts, year, goals = ctx.marts, ctx.year, ctx.goals
    peer_of = dict(zip(ctx.munis["municipality_code"], ctx.munis["_peer"], strict=True))
    peer_en_of = dict(zip(ctx.munis["municipality_code"], ctx.munis["_peer_en"], strict=True))
    peer_sizes = ctx.munis["_peer"].value_counts().to_dict()

    gs = marts.get("goal_scores")
    if gs is None:
        gs = pd.DataFrame(columns=["municipality_code", "goal", "year", "score"])
    gs = gs.assign(_peer=gs["municipality_code"].map(peer_of))
    gs_nat = _medians(gs, ["goal", "year"], "score")
    gs_peer = _medians(gs, ["_peer", "goal", "year"], "score")
    gs_by_muni = _group(frame_records(gs[gs["year"] == year].drop(columns="_peer")), "municipality_code")
    has_goal_rank = "rank" in gs.columns

    county_scores: dict[tuple[str, int], float] = {}
    cgs = marts.get("county_goal_scores")
    if cgs is not None and {"county_code", "goal", "year", "score"} <= set(cgs.columns):
        for r in frame_records(cgs[cgs["year"] == year]):
            if r["score"] is not None:
                county_scores[(str(r["county_code"]), int(r["goal"]))] = r["score"]

    idx = marts.get("sdg_index")
    if idx is None or "score" not in idx.columns:
        idx = pd.DataFrame(columns=["municipality_code", "year", "score"])
    idx = idx.assign(_peer=idx["municipality_code"].map(peer_of))
    idx_nat = _medians(idx, ["year"], "score")
    idx_peer = _medians(idx, ["_peer", "year"], "score")
    idx_years = sorted(int(y) for y in idx["year"].dropna().unique())
    idx_year = idx[idx["year"] == year].copy() if year is not None else idx.iloc[0:0].copy()
    if "rank" not in idx_year.columns:
        idx_year["rank"] = idx_year["score"].rank(ascending=False, method="min")
    if "peer_rank" not in idx_year.columns:
        idx_year["peer_rank"] = idx_year.groupby("_peer")["score"].rank(ascending=False, method="min")
    scored = idx_year[idx_year["score"].notna()]
    n_ranked = len(scored)
    peer_ranked = scored["_peer"].value_counts().to_dict()
    idx_latest = {r["municipality_code"]: r for r in frame_records(idx_year)}
    sensitivity = _rank_intervals(marts.get("score_sensitivity"), year)
    idx_series: dict[str, dict[int, float]] = defaultdict(dict)
    for code, y, s in zip(idx["municipality_code"], idx["year"], idx["score"], strict=True):
        if not is_missing(s):
            idx_series[code][int(y)] = float(s)

    ind_meta = {r["indicator_id"]: r for r in frame_records(marts.get("indicators"))}
    ind_order = sorted(ind_meta.values(), key=lambda r: (int(r.get("goal") or 99), str(r["indicator_id"])))
    latest = _latest_indicator_rows(marts)
    iv = marts.get("indicator_values")
    vals = iv[iv["value"].notna()] if iv is not None else latest
    vals = vals.assign(_peer=vals["municipality_code"].map(peer_of))
    ind_nat = _medians(vals, ["indicator_id", "year"], "value")
    ind_peer = _medians(vals, ["_peer", "indicator_id", "year"], "value")
    latest_by_muni = _group(frame_records(latest), "municipality_code")
    u4ssc = _u4ssc_rows(marts, ind_meta)
    groups = Groups(ctx.munis)
    gs_cmp = groups.medians(gs, ["goal", "year"], "score")
    idx_cmp = groups.medians(idx, ["year"], "score")
    ind_cmp = groups.medians(vals, ["indicator_id", "year"], "value")
    ind_series = series_of(ind_cmp)
    own_by_muni = own_series(vals)
    ind_frames = frames(vals)
    lines: dict[tuple, str] = {}
    fmt_cached = lru_cache(maxsize=65536)(fmt_number)
    cov = marts.get("goal_coverage")
    national_cov = {} if cov is None or year is None else {
        int(r["goal"]): r for r in frame_records(cov[cov["year"] == year])}

    pages = []
    index_rows = []
    for m in frame_records(ctx.munis):
        code, peer = m["municipality_code"], m["_peer"]
        name = str(m.get("municipality_name") or code)
        county = str(m.get("county_code") or "")
        g_map = {int(r["goal"]): r for r in gs_by_muni.get(code, [])}
        tiles = []
        counts = {k: 0 for k in (*RATINGS, "none")}
        for g in goals:
            r = g_map.get(int(g["goal"]), {})
            rating = _rating(r.get("rating"))
            counts[rating["rating"]] += 1
            tiles.append(SimpleNamespace(
                **g, **rating, score=r.get("score"), trend=trend_of(r.get("trend")),
                used=r.get("indicators_used"), total=r.get("indicators_total"), rank=r.get("rank"),
                peer_rank=r.get("peer_rank"), distance=r.get("distance_to_target"),
                peer_median=gs_peer.get((peer, g["goal"], year)), national_median=gs_nat.get((g["goal"], year)),
                county_score=county_scores.get((county, int(g["goal"])))))
        own_map = {r["indicator_id"]: r for r in latest_by_muni.get(code, [])}
        ind_rows = []
        for meta in ind_order:
            r = own_map.get(meta["indicator_id"], {})
            goal = int(meta.get("goal") or 0)
            y = r.get("year")
            ind_rows.append(SimpleNamespace(
                id=meta["indicator_id"], name_nb=meta.get("name_nb"), name_en=meta.get("name_en"), goal=goal,
                goal_colour=ctx.goal_by_no.get(goal, {}).get("colour", "#888888"), target=meta.get("target"),
                unit=meta.get("unit") or "", value=r.get("value"), year=y, score=r.get("score"),
                **_rating(r.get("rating")), trend=trend_of(r.get("trend")), status=r.get("status"),
                source=r.get("source") or meta.get("source") or "", provenance=r.get("provenance"),
                in_index=meta.get("in_index"), is_demo=bool(r.get("is_demo")),
                verification=meta.get("verification"), data_status=meta.get("data_status"),
                data_fetched_at=meta.get("data_fetched_at"),
                peer_median=ind_peer.get((peer, meta["indicator_id"], y)) if y else None,
                national_median=ind_nat.get((meta["indicator_id"], y)) if y else None))
        mine = groups.of(code)
        for r in ind_rows:
            r.medians = group_spans({kind: fmt_number(ind_cmp[kind].get((g.key, r.id, r.year))) if r.year else "–"
                                     for kind, g in mine.items()})
        ir = idx_latest.get(code, {})
        has_index = ir.get("score") is not None
        index = SimpleNamespace(
            score=ir.get("score"), rank=ir.get("rank") if has_index else None, n=n_ranked,
            peer_rank=ir.get("peer_rank") if has_index else None,
            peer_n=int(ir.get("peer_group_scored") or peer_ranked.get(peer, 0)),
            goals_scored=ir.get("goals_scored"), coverage=ir.get("coverage"),
            peer_median=idx_peer.get((peer, year)), national_median=idx_nat.get((year,)),
            sensitivity=sensitivity.get(code) if has_index else None)
        figures = {
            "goals": goal_comparison_figure(goals, {t.goal: t.score for t in tiles},
                                            {t.goal: t.peer_median for t in tiles},
                                            {t.goal: t.national_median for t in tiles}, name, year,
                                            compare_traces(mine, gs_cmp, [(g["goal"], year) for g in goals])),
            "index": index_trend_figure(idx_years, idx_series.get(code, {}),
                                        {y: idx_peer.get((peer, y)) for y in idx_years},
                                        {y: idx_nat.get((y,)) for y in idx_years}, name,
                                        compare_traces(mine, idx_cmp, [(y,) for y in idx_years])),
        }
        muni = {k: v for k, v in m.items() if not k.startswith("_")}
        pages.append({"m": muni, "code": code, "name": name, "peer": peer, "peer_en": peer_en_of.get(code) or "",
                      "peer_size": peer_sizes.get(peer, 0), "tiles": tiles, "indicators": ind_rows,
                      "index": index, "figures_json": _json_script(figures), "figure_ids": list(figures),
                      "counts": counts, "has_goal_rank": has_goal_rank, "has_county": bool(county_scores),
                      "u4ssc": u4ssc.get(code, []),
                      "compare": picker_options(mine), "network": groups.in_network(code),
                      "network_year": m.get("sdg_network_joined_year"),
                      "tile_medians": {t.goal: group_spans({kind: fmt_number(gs_cmp[kind].get((g.key, t.goal, year)), 1)
                                                            for kind, g in mine.items()}) for t in tiles},
                      "multiples": small_multiples(ind_rows, own_by_muni.get(code, {}), ind_frames, mine, ind_series,
                                                   fmt_cached, lines),
                      "coverage": coverage(ind_rows, goals, national_cov),
                      "ind_with_data": sum(1 for r in ind_rows if r.value is not None)})
        index_rows.append(SimpleNamespace(code=code, name=name, county=m.get("county_name") or "",
                                          population=m.get("population"), peer=peer, index=index, counts=counts,
                                          peer_en=peer_en_of.get(code) or "", network=groups.in_network(code),
                                          href=f"{PAGES_SUBDIR}/{code}.html"))

    scores = [float(r.index.score) for r in index_rows if r.index.score is not None]
    index_figures = {"national": national_goal_figure(goals, {g["goal"]: gs_nat.get((g["goal"], year))
                                                             for g in goals}, year),
                     "histogram": index_histogram_figure(scores, year)}
    nat_goals = "; ".join(f"{g['goal']}: {fmt_number(gs_nat.get((g['goal'], year)), 1)}" for g in goals)
    spread = (f"{fmt_number(min(scores), 1)}–{fmt_number(max(scores), 1)}, median "
              f"{fmt_number(pd.Series(scores).median(), 1)}") if scores else "–"
    aria = {"national": (f"Søylediagram, landsmedianen av målscoren {year or ''} per mål: {nat_goals}.",
                         f"Bar chart, the national median goal score {year or ''} per goal: {nat_goals}."),
            "histogram": (f"Histogram over SDG-indeksen {year or ''}: {len(scores)} kommuner, fra {spread}.",
                          f"Histogram of the SDG index {year or ''}: {len(scores)} municipalities, {spread}.")}
    index_model = {"rows": index_rows, "aria": aria, "figures_json": _json_script(index_figures),
                   "figure_ids": list(index_figures), "counties": sorted({r.county for r in index_rows if r.county}),
                   "peers": sorted(peer_sizes), "n_scored": len(scores), "n_network": groups.network_size,
                   "n_indicators": len(ind_order)}
    return pages, index_model


def build_report(db_path: Path, out_dir: Path, *, dbt_docs: bool | None = None,
                 exports_href: str = "../exports/README.md", duckdb_config: dict | None = None,
                 api_url: str = "", network_seed: Path | None = NETWORK_SEED,
                 scale_from_units: int = SCALE_FROM_UNITS) -> ReportResult:
    """Render index.html and kommune/<code>.html for every municipality into out_dir (files replaced
    atomically one by one; pages of municipalities no longer published are removed). `api_url`: where
    `kommune-sdg api` serves these marts; each page links to its municipality there ("" = no links).
    Also goal/<nn>.html and fylke/<code>.html with maps (map_pages.py); `network_seed` marks network members.
    Above `scale_from_units` units (synthetic scale runs) the site is built by scale.py instead."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    if count_units(db_path, duckdb_config) > scale_from_units:
        return _build_scale_report(db_path, out_dir, t0, limit=scale_from_units, dbt_docs=dbt_docs,
                                   exports_href=exports_href, duckdb_config=duckdb_config, api_url=api_url)
    remove_scale_files(out_dir)
    marts = load_marts(db_path, duckdb_config)
    (out_dir / PAGES_SUBDIR).mkdir(parents=True, exist_ok=True)
    plotly_v = _copy_assets(out_dir)
    ctx = _prepare(marts)
    pages, index_model = _page_models(ctx)
    site = map_pages(marts, ctx.munis, ctx.goals, ctx.year, _LAYOUT_BASE, network_seed)
    index_model.update(map=site.index_map, county_links=site.county_links)
    env = _environment()
    has_docs = (out_dir / DBT_DOCS_SUBDIR / "static_index.html").exists() if dbt_docs is None else dbt_docs
    common = {"demo": ctx.demo, "year": ctx.year, "meta": ctx.meta, "goals": ctx.goals, "ratings": RATINGS,
              "no_rating": NO_RATING, "plotly_version": plotly_v, "dbt_docs": has_docs,
              "exports_href": exports_href, "api": api_url.rstrip("/")}
    page_t = env.get_template("municipality.html.j2")
    written = set()
    for p in pages:
        path = out_dir / PAGES_SUBDIR / f"{p['code']}.html"
        _write_atomic(path, page_t.render(**common, p=p, root="../", figures_json=p["figures_json"]))
        written.add(path.name)
    removed = 0
    for old in (out_dir / PAGES_SUBDIR).glob("*.html"):
        if old.name not in written:
            old.unlink()
            removed += 1
    indicator_site = indicator_models(marts, ctx.munis, ctx.goal_by_no, _json_script)
    for ip in indicator_site.pages:
        ip["map"] = indicator_map(site.geometry, site.data, ip) if ip["table"] else None
    n_indicator_pages = write_indicator_site(indicator_site, marts, out_dir, env, common, _write_atomic, duckdb_config)
    index_path = out_dir / "index.html"
    _write_atomic(index_path, env.get_template("index.html.j2").render(
        **common, ix=index_model, root="", figures_json=index_model["figures_json"]))
    write_map_pages(env, common, site, out_dir, _write_atomic, _json_script)
    top = sorted((r for r in index_model["rows"] if r.index.score is not None), key=lambda r: -r.index.score)[:10]
    result = ReportResult(
        out_dir=out_dir, index=index_path, pages=len(pages), seconds=time.perf_counter() - t0, demo=ctx.demo,
        report_year=ctx.year, run_id=ctx.meta["run_id"], published_at=ctx.meta["published_at"],
        peer_source=ctx.peer_source, plotly_version=plotly_v,
        sample_pages=[out_dir / PAGES_SUBDIR / f"{c}.html" for c in ("0301", "3201", "5001")
                      if (out_dir / PAGES_SUBDIR / f"{c}.html").exists()],
        removed_pages=removed, indicator_pages=n_indicator_pages,
        top=[{"code": r.code, "name": r.name, "score": r.index.score, "rank": r.index.rank} for r in top],
    )
    size = site_size(out_dir, exclude=frozenset({"report.json"}))  # report.json: added below, once written
    result.goal_pages, result.county_pages = len(site.goal_pages), len(site.county_pages)
    result.site_bytes, result.site_files, result.html_pages = size.bytes, size.files, size.html_pages
    result.seconds = time.perf_counter() - t0
    _write_report_json(out_dir, result, ctx.meta["built_at"])
    return result


def _write_report_json(out_dir: Path, result: ReportResult, built_at: str) -> None:
    _write_atomic(out_dir / "report.json", json.dumps({
        "run_id": result.run_id, "published_at": result.published_at, "demo": result.demo,
        "report_year": result.report_year, "pages": result.pages, "indicator_pages": result.indicator_pages,
        "plotly_js": result.plotly_version,
        "peer_source": result.peer_source, "built_at": built_at,
        "seconds": round(result.seconds, 2), "goal_pages": result.goal_pages,
        "county_pages": result.county_pages, "site_bytes": result.site_bytes, "site_files": result.site_files,
        "html_pages": result.html_pages, "variant": result.variant, "unit_files": result.unit_files}, indent=2))
    result.site_bytes += (out_dir / "report.json").stat().st_size
    result.site_files += 1


def _build_scale_report(db_path: Path, out_dir: Path, t0: float, *, limit: int, dbt_docs: bool | None,
                        exports_href: str, duckdb_config: dict | None, api_url: str) -> ReportResult:
    """index.html, enhet.html and the data files (scale.py): a constant number of pages, whatever the units."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plotly_v = _copy_assets(out_dir)
    s = write_scale_data(db_path, out_dir, duckdb_config)
    meta = s.meta | {"built_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                     "peer_source": "marts.municipalities"}
    has_docs = (out_dir / DBT_DOCS_SUBDIR / "static_index.html").exists() if dbt_docs is None else dbt_docs
    common = {"demo": s.demo, "year": s.year, "meta": meta, "goals": s.goals, "ratings": RATINGS,
              "no_rating": NO_RATING, "plotly_version": plotly_v, "dbt_docs": has_docs,
              "exports_href": exports_href, "api": api_url.rstrip("/"), "scale": True}
    render_scale_pages(_environment(), common, out_dir, s.site, limit, _write_atomic, _json_script, _LAYOUT_BASE)
    result = ReportResult(
        out_dir=out_dir, index=out_dir / "index.html", pages=s.units, seconds=0.0, demo=s.demo,
        report_year=s.year, run_id=meta["run_id"], published_at=meta["published_at"],
        peer_source=meta["peer_source"], plotly_version=plotly_v, sample_pages=[out_dir / UNIT_PAGE],
        top=[{"code": t["code"], "name": t["name"], "score": t["score"], "rank": t["rank"]} for t in s.top],
        variant="scale", unit_files=s.unit_files)
    size = site_size(out_dir, exclude=frozenset({"report.json"}))
    result.site_bytes, result.site_files, result.html_pages = size.bytes, size.files, size.html_pages
    result.seconds = time.perf_counter() - t0
    _write_report_json(out_dir, result, meta["built_at"])
    return result
