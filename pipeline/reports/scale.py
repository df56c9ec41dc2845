"""The report site above a unit count (the synthetic 35,700- and 100,000-unit warehouses; the national site of
357 municipalities never comes here): one page template for every unit instead of one HTML page per unit.

What is written, all from the published marts by DuckDB (one read-only connection with the warehouse's memory
cap; no pandas frame of the marts, no Python loop per unit):

- `data/units/<prefix>.js`: every unit's data (goal scores of the report year, the latest value of each
  indicator, its SDG index over the years), one line per unit, `ksdgUnit("<code>", {...});`, written by one
  `COPY ... (PARTITION_BY (prefix))` and grouped by the first characters of the code (a few hundred files of
  a hundred or so units each);
- `data/index.js`: the compact list of units the index page searches, one `ksdgIdx([...]);` line per unit;
- `data/site.js`: what every unit page compares with (goals, indicators, national and peer-group medians);
- `index.html` (search, national charts, goals and counties) and `enhet.html` (the unit page: `enhet.html#<code>`
  loads `data/units/<prefix>.js` with a script tag and draws the unit).

Data files are JavaScript that calls a function rather than JSON: a page opened from disk (file://) may load a
script but may not fetch a file, and the same files work from any static web server. Maps, goal, county and
indicator pages are left out at this size (the borders are the national ones); the index page says so.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from pipeline.refresh_meta import read_refresh_meta
from pipeline.reports.data import MARTS_SCHEMA, PEER_COLUMNS, PEER_NAME_COLUMNS, fmt_timestamp

# Above this many units the report is built by this module (a named default; the report asset's config
# `scale_from_units` overrides it).
SCALE_FROM_UNITS = 1000
UNIT_PAGE = "enhet.html"
DATA_SUBDIR = "data"
UNITS_SUBDIR = "units"
# Units per data file to aim at: the prefix length whose files are closest to this on average.
UNITS_PER_FILE = 200
# Folders of the per-unit site (national build) that the scale build removes, and the other way round.
NATIONAL_ONLY = ("kommune", "goal", "fylke", "indikator")
SCALE_ONLY = (UNIT_PAGE, DATA_SUBDIR)


@dataclass
class ScaleSite:
    units: int
    unit_files: int
    prefix_len: int
    year: int | None
    demo: bool
    meta: dict[str, Any]
    goals: list[dict[str, Any]]
    n_scored: int
    top: list[dict[str, Any]]
    site: dict[str, Any]


def count_units(db_path: Path, duckdb_config: dict | None = None) -> int:
    """Rows of marts.municipalities (0 when the mart is missing)."""
    con = duckdb.connect(str(db_path), read_only=True, config=duckdb_config or {})
    try:
        if not _columns(con, "municipalities"):
            return 0
        return int(con.execute(f"select count(*) from {MARTS_SCHEMA}.municipalities").fetchone()[0])
    finally:
        con.close()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute("select column_name from information_schema.columns "
                                      "where table_schema = ? and table_name = ?", [MARTS_SCHEMA, table]).fetchall()}


def _col(cols: set[str], name: str, alias: str | None = None) -> str:
    """A column if the mart has it, else NULL (the marts grow columns over time)."""
    return f'"{name}"' if name in cols else f"null{f' as {alias}' if alias else ''}"


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _peer_exprs(cols: set[str]) -> tuple[str, str]:
    """(bokmål, English) peer-group expressions over marts.municipalities, as data.with_peer_groups picks them."""
    for nb, en in PEER_NAME_COLUMNS:
        if nb in cols:
            return f'"{nb}"::varchar', (f'"{en}"::varchar' if en in cols else "null")
    for c in PEER_COLUMNS:
        if c in cols:
            return f'"{c}"::varchar', "null"
    return "null", "null"


def _indicator_relation(con: duckdb.DuckDBPyConnection) -> tuple[str, set[str]] | None:
    for name in ("indicator_scores", "indicator_values"):
        cols = _columns(con, name)
        if {"municipality_code", "indicator_id", "year", "value"} <= cols:
            return name, cols
    return None


def prefix_length(con: duckdb.DuckDBPyConnection, per_file: int = UNITS_PER_FILE) -> int:
    """The code prefix length whose files hold closest to `per_file` units on average (by ratio: 100 and 400
    are as far from 200), so files stay a few hundred whatever the codes look like (sequential synthetic codes:
    100 per file at 100,000 units; the 357 municipalities: 5 files by the first digit)."""
    n, width = con.execute(f"select count(*), max(length(municipality_code)) from {MARTS_SCHEMA}.municipalities"
                           ).fetchone()
    best, best_dist = int(width or 1), math.inf
    for p in range(1, int(width or 1) + 1):
        groups = con.execute(f"select count(distinct substr(municipality_code, 1, {p})) "
                             f"from {MARTS_SCHEMA}.municipalities").fetchone()[0]
        dist = abs(math.log(max(n, 1) / max(groups, 1) / per_file))
        if dist < best_dist:
            best, best_dist = p, dist
    return best


def unit_lines_sql(con: duckdb.DuckDBPyConnection, year: int | None, prefix_len: int) -> str:
    """One row per unit: (prefix, line) with line = `ksdgUnit("<code>", {...});`. The arrays hold, per unit:
    g = [goal, score, rating, trend, rank, peer_rank, indicators_used, indicators_total] of the report year;
    i = [indicator_id, year, value, score, rating, trend, status] of each indicator's latest year with a value;
    x = [score, rank, peer_rank, goals_scored, coverage] of the SDG index in the report year;
    xs = [[year, score], ...] of the SDG index over the years."""
    m = _columns(con, "municipalities")
    peer_nb, peer_en = _peer_exprs(m)
    gs, si = _columns(con, "goal_scores"), _columns(con, "sdg_index")
    y = "null" if year is None else str(int(year))
    ctes = [f"""u as (select municipality_code as code, municipality_name as name, {_col(m, 'county_code')} as cc,
               {_col(m, 'county_name')} as cn, {_col(m, 'population')} as pop, {peer_nb} as pg, {peer_en} as pe
               from {MARTS_SCHEMA}.municipalities)"""]
    joins = []
    if {"municipality_code", "goal", "year", "score"} <= gs:
        ctes.append(f"""g as (select municipality_code as code, list(json_array(goal, score, {_col(gs, 'rating')},
               {_col(gs, 'trend')}, {_col(gs, 'rank')}, {_col(gs, 'peer_rank')}, {_col(gs, 'indicators_used')},
               {_col(gs, 'indicators_total')}) order by goal) as g
               from {MARTS_SCHEMA}.goal_scores where year = {y} group by 1)""")
        joins.append("g")
    if {"municipality_code", "year", "score"} <= si:
        ctes.append(f"""x as (select municipality_code as code,
               list(json_array(year, score) order by year) filter (where score is not null) as xs,
               max(json_array(score, {_col(si, 'rank')}, {_col(si, 'peer_rank')}, {_col(si, 'goals_scored')},
                   {_col(si, 'coverage')})::varchar) filter (where year = {y}) as x
               from {MARTS_SCHEMA}.sdg_index group by 1)""")
        joins.append("x")
    rel = _indicator_relation(con)
    if rel is not None:
        name, ic = rel
        ctes.append(f"""il as (select municipality_code as code, indicator_id,
               arg_max(json_array(indicator_id, year, value, {_col(ic, 'score')}, {_col(ic, 'rating')},
                       {_col(ic, 'trend')}, {_col(ic, 'status')})::varchar, year) as r
               from {MARTS_SCHEMA}.{name} where value is not null group by 1, 2),
            i as (select code, list(r::json order by indicator_id) as i from il group by 1)""")
        joins.append("i")
    obj = ["'c', u.code", "'n', u.name", "'cc', u.cc", "'cn', u.cn", "'p', u.pop", "'pg', u.pg", "'pe', u.pe",
           "'g', " + ("coalesce(g.g, [])" if "g" in joins else "[]"),
           "'x', " + ("x.x::json" if "x" in joins else "null"),
           "'xs', " + ("coalesce(x.xs, [])" if "x" in joins else "[]"),
           "'i', " + ("coalesce(i.i, [])" if "i" in joins else "[]")]
    return (f"with {', '.join(ctes)} select substr(u.code, 1, {prefix_len}) as prefix, "
            f"'ksdgUnit(' || to_json(u.code) || ',' || json_object({', '.join(obj)})::varchar || ');' as line "
            f"from u {' '.join(f'left join {j} using (code)' for j in joins)}")


def _copy_lines(con: duckdb.DuckDBPyConnection, query: str, target: Path, partition: bool) -> None:
    """Write the `line` column verbatim, one per row (CSV without quoting, header or a delimiter that occurs)."""
    opts = "format csv, header false, quote '', escape '', delimiter '\x01'"
    if partition:
        opts += ", partition_by (prefix), file_extension 'js', filename_pattern 'part_{i}', overwrite_or_ignore"
    con.execute(f"copy ({query}) to {_sql_str(str(target))} ({opts})")


def _flatten_partitions(folder: Path) -> int:
    """DuckDB writes <folder>/prefix=<p>/part_<i>.js; the page wants <folder>/<p>.js (one file per prefix)."""
    n = 0
    for d in sorted(folder.glob("prefix=*")):
        parts = sorted(d.glob("*.js"))
        dst = folder / f"{d.name.split('=', 1)[1]}.js"
        if len(parts) == 1:
            os.replace(parts[0], dst)
        else:
            with dst.open("wb") as out:
                for p in parts:
                    with p.open("rb") as src:
                        shutil.copyfileobj(src, out)
        shutil.rmtree(d)
        n += 1
    return n


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _f(v: Any, d: int = 2) -> float | None:
    return None if v is None else round(float(v), d)


def site_model(con: duckdb.DuckDBPyConnection, year: int | None) -> dict[str, Any]:
    """What every unit page compares with, and the index page's summaries: small aggregates, by SQL."""
    m = _columns(con, "municipalities")
    peer_nb, peer_en = _peer_exprs(m)
    goals = _fetch(con, f"select goal, name_nb, name_en, colour from {MARTS_SCHEMA}.goals order by goal") \
        if _columns(con, "goals") else [{"goal": g, "name_nb": f"Mål {g}", "name_en": f"Goal {g}",
                                          "colour": "#888888"} for g in range(1, 18)]
    peers = f"(select municipality_code, {peer_nb} as pg, {peer_en} as pe from {MARTS_SCHEMA}.municipalities)"
    nat_goal = dict(con.execute(f"select goal, median(score) from {MARTS_SCHEMA}.goal_scores where year = ? "
                                f"group by 1", [year]).fetchall()) if _columns(con, "goal_scores") else {}
    peer_goal: dict[str, dict[int, float | None]] = {}
    if _columns(con, "goal_scores"):
        for pg, goal, med in con.execute(f"select p.pg, goal, median(score) from {MARTS_SCHEMA}.goal_scores g "
                                         f"join {peers} p using (municipality_code) where year = ? group by 1, 2",
                                         [year]).fetchall():
            peer_goal.setdefault(str(pg), {})[int(goal)] = _f(med)
    si = _columns(con, "sdg_index")
    idx_years: dict[int, float | None] = {}
    peer_idx: dict[str, float | None] = {}
    n_scored, hist = 0, []
    top: list[dict[str, Any]] = []
    if {"municipality_code", "year", "score"} <= si:
        idx_years = {int(y): _f(v) for y, v in con.execute(
            f"select year, median(score) from {MARTS_SCHEMA}.sdg_index group by 1 order by 1").fetchall()}
        peer_idx = {str(pg): _f(v) for pg, v in con.execute(
            f"select p.pg, median(score) from {MARTS_SCHEMA}.sdg_index s join {peers} p using (municipality_code) "
            f"where year = ? group by 1", [year]).fetchall()}
        n_scored = int(con.execute(f"select count(score) from {MARTS_SCHEMA}.sdg_index where year = ?",
                                   [year]).fetchone()[0])
        hist = con.execute(f"select least(floor(score / 5) * 5, 95)::int as b, count(*) from {MARTS_SCHEMA}.sdg_index "
                           f"where year = ? and score is not null group by 1 order by 1", [year]).fetchall()
        rank = _col(si, "rank")
        top = _fetch(con, f"select s.municipality_code as code, u.municipality_name as name, s.score, {rank} as rank "
                          f"from {MARTS_SCHEMA}.sdg_index s join {MARTS_SCHEMA}.municipalities u "
                          f"using (municipality_code) where year = ? and score is not null "
                          f"order by score desc, code limit 10", [year])
    ic = _columns(con, "indicators")
    indicators = _fetch(con, f"select indicator_id as id, name_nb, name_en, {_col(ic, 'goal')} as goal, "
                             f"{_col(ic, 'unit')} as unit, {_col(ic, 'direction')} as direction "
                             f"from {MARTS_SCHEMA}.indicators order by goal, indicator_id") if ic else []
    ind_med: dict[str, dict[int, float | None]] = {}
    rel = _indicator_relation(con)
    if rel is not None:
        # one year at a time: a median holds all its group's values, and every year at once (48 M values at
        # 100,000 units) does not fit a 1 GB cap; a year is a tenth of that
        years = [r[0] for r in con.execute(f"select distinct year from {MARTS_SCHEMA}.{rel[0]} order by 1").fetchall()]
        for y in years:
            for ind, med in con.execute(f"select indicator_id, median(value) from {MARTS_SCHEMA}.{rel[0]} "
                                        f"where year = ? and value is not null group by 1", [y]).fetchall():
                ind_med.setdefault(str(ind), {})[int(y)] = _f(med, 4)
    counties = _fetch(con, f"select {_col(m, 'county_code')} as code, {_col(m, 'county_name')} as name, "
                           f"count(*) as units from {MARTS_SCHEMA}.municipalities group by 1, 2 order by 1")
    peer_sizes = dict(con.execute(f"select pg, count(*) from {peers} group by 1").fetchall())
    peer_en = dict(con.execute(f"select pg, any_value(pe) from {peers} group by 1").fetchall())
    return {"year": year, "goals": [g | {"national": _f(nat_goal.get(g["goal"]))} for g in goals],
            "peer_goal": peer_goal, "index_years": idx_years, "peer_index": peer_idx, "n_scored": n_scored,
            "indicators": indicators, "indicator_medians": ind_med,
            "peers": {str(k): {"n": int(v), "en": peer_en.get(k)} for k, v in peer_sizes.items()},
            "counties": counties, "hist": [[int(b), int(n)] for b, n in hist], "top": top}


def _is_demo(con: duckdb.DuckDBPyConnection, refresh: dict[str, Any]) -> bool:
    if "demo" in str(refresh.get("snapshot_kind") or "").split(","):
        return True
    for name in ("indicator_values", "indicator_scores"):
        if "is_demo" in _columns(con, name) and con.execute(
                f"select coalesce(bool_or(is_demo), false) from {MARTS_SCHEMA}.{name}").fetchone()[0]:
            return True
    return False


def _js_call(fn: str, obj: Any) -> str:
    return f"{fn}({json.dumps(obj, ensure_ascii=False, separators=(',', ':'), allow_nan=False, default=str)});\n"


def write_scale_data(db_path: Path, out_dir: Path, duckdb_config: dict | None = None) -> ScaleSite:
    """Write data/ (units, index, site) into out_dir, replacing the previous data folder as a whole."""
    con = duckdb.connect(str(db_path), read_only=True, config=duckdb_config or {})
    tmp = out_dir / f".{DATA_SUBDIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        refresh = read_refresh_meta(con) or {}
        gs = _columns(con, "goal_scores")
        year = None
        if {"year", "score"} <= gs:
            y = con.execute(f"select coalesce(max(year) filter (where score is not null), max(year)) "
                            f"from {MARTS_SCHEMA}.goal_scores").fetchone()[0]
            year = None if y is None else int(y)
        plen = prefix_length(con)
        (tmp / UNITS_SUBDIR).mkdir(parents=True)
        _copy_lines(con, unit_lines_sql(con, year, plen), tmp / UNITS_SUBDIR, partition=True)
        files = _flatten_partitions(tmp / UNITS_SUBDIR)
        m = _columns(con, "municipalities")
        si = _columns(con, "sdg_index")
        score = (f"(select s.score from {MARTS_SCHEMA}.sdg_index s where s.municipality_code = u.municipality_code "
                 f"and s.year = {year if year is not None else 'null'})") if {"score", "year"} <= si else "null"
        _copy_lines(con, f"select 'ksdgIdx(' || json_array(municipality_code, municipality_name, "
                         f"{_col(m, 'county_name')}, {_col(m, 'population')}, {score})::varchar || ');' as line "
                         f"from {MARTS_SCHEMA}.municipalities u order by municipality_code",
                    tmp / "index.js", partition=False)
        site = site_model(con, year)
        n = int(con.execute(f"select count(*) from {MARTS_SCHEMA}.municipalities").fetchone()[0])
        site |= {"prefix_len": plen, "units": n}
        (tmp / "site.js").write_text(_js_call("ksdgSite", site), encoding="utf-8")
        demo = _is_demo(con, refresh)
    finally:
        con.close()
    old = out_dir / f".{DATA_SUBDIR}.old"
    shutil.rmtree(old, ignore_errors=True)
    if (out_dir / DATA_SUBDIR).exists():
        os.replace(out_dir / DATA_SUBDIR, old)
    os.replace(tmp, out_dir / DATA_SUBDIR)
    shutil.rmtree(old, ignore_errors=True)
    meta = {"run_id": refresh.get("run_id"), "published_at": fmt_timestamp(refresh.get("published_at")),
            "snapshot_kind": refresh.get("snapshot_kind") or "–"}
    return ScaleSite(units=n, unit_files=files, prefix_len=plen, year=year, demo=demo, meta=meta,
                     goals=site["goals"], n_scored=site["n_scored"], top=site["top"], site=site)


def index_figures(site_goals: list[dict[str, Any]], hist: list[list[int]], year: int | None,
                  layout: dict[str, Any]) -> dict[str, Any]:
    """The index page's two charts: national median per goal, and the SDG index in 5-point bins."""
    from pipeline.reports.i18n import pair  # noqa: PLC0415

    return {
        "national": {"data": [{"type": "bar", "x": [str(g["goal"]) for g in site_goals],
                               "y": [g["national"] for g in site_goals],
                               "marker": {"color": [g["colour"] for g in site_goals]}, "name": "Median"}],
                     "layout": {**layout, "showlegend": False, "height": 340,
                                "title": {"text": pair(f"Median per mål {year or ''}",
                                                       f"Median per goal {year or ''}"), "x": 0, "font": {"size": 14}},
                                "yaxis": {"range": [0, 100], "gridcolor": "#eeeeee"},
                                "xaxis": {"type": "category", "title": {"text": pair("Bærekraftsmål", "SDG")}}}},
        "histogram": {"data": [{"type": "bar", "x": [b + 2.5 for b, _ in hist], "y": [n for _, n in hist],
                                "width": 4.8, "marker": {"color": "#00689d"}}],
                      "layout": {**layout, "showlegend": False, "height": 340,
                                 "title": {"text": pair(f"Fordeling av SDG-indeksen {year or ''}",
                                                        f"Distribution of the SDG index {year or ''}"), "x": 0,
                                           "font": {"size": 14}},
                                 "xaxis": {"range": [0, 100], "title": {"text": pair("Indeks", "Index")}},
                                 "yaxis": {"title": {"text": pair("Enheter", "Units")}, "gridcolor": "#eeeeee"}}},
    }


def render_scale_pages(env: jinja2.Environment, common: dict[str, Any], out_dir: Path, site: dict[str, Any],
                       limit: int, write, json_script, layout: dict[str, Any]) -> None:
    """index.html and enhet.html; the folders of the per-unit site are removed."""
    figs = index_figures(site["goals"], site["hist"], common["year"], layout)
    write(out_dir / UNIT_PAGE, env.get_template("unit.html.j2").render(**common, root="", figures_json="{}"))
    write(out_dir / "index.html", env.get_template("scale_index.html.j2").render(
        **common, root="", s=site, limit=limit, figure_ids=list(figs), figures_json=json_script(figs)))
    for sub in NATIONAL_ONLY:
        shutil.rmtree(out_dir / sub, ignore_errors=True)


def remove_scale_files(out_dir: Path) -> None:
    """A national build replaces a scale build: its unit page and data files go."""
    (out_dir / UNIT_PAGE).unlink(missing_ok=True)
    shutil.rmtree(out_dir / DATA_SUBDIR, ignore_errors=True)

