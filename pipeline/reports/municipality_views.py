"""What issue 18 adds to a municipality page: the comparison group picker (country, county, size class, the SDG
network), every indicator's own time series as small multiples against the picked group's median, and the
page's coverage (which indicators have data, per goal, beside marts.goal_coverage for the country)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from pipeline.reports.compare import DEFAULT_KIND, KINDS, Group
from pipeline.reports.data import is_missing
from pipeline.reports.i18n import pair, tx
from pipeline.reports.sparklines import Frame, group_line, sparkline

Medians = Mapping[str, Mapping[tuple, float]]  # kind -> {(group key, *keys): median}


def picker_options(groups: Mapping[str, Group]) -> list[SimpleNamespace]:
    """The <select> options: (kind, bokmål and English label with the group's name and size), default first."""
    out = []
    for kind, nb, en in KINDS:
        g = groups[kind]
        if kind == "country":
            label = (f"{nb} ({g.size} kommuner)", f"{en} ({g.size} municipalities)")
        elif kind == "network":
            label = (f"{nb} ({g.size} kommuner)", f"{en}, Bærekraftsnettverket ({g.size} municipalities)")
        else:
            label = (f"{nb}: {g.name_nb} ({g.size} kommuner)", f"{en}: {g.name_en} ({g.size} municipalities)")
        out.append(SimpleNamespace(kind=kind, nb=label[0], en=label[1], selected=kind == DEFAULT_KIND))
    return out


def group_label(kind: str, g: Group) -> dict[str, str]:
    """The median trace's legend name for a group."""
    if kind == "country":
        return pair("Landet (median)", "Norway (median)")
    if kind == "network":
        return pair("Bærekraftsnettverket (median)", "SDG network (median)")
    return pair(f"{g.name_nb} (median)", f"{g.name_en} (median)")


def compare_traces(groups: Mapping[str, Group], medians: Medians, keys: Iterable[tuple]) -> dict[str, Any]:
    """For a figure's comparison trace: kind -> {y: the group's median at each key, name}."""
    keys = list(keys)
    return {kind: {"y": [_r(medians[kind].get((g.key, *k))) for k in keys], "name": group_label(kind, g)}
            for kind, g in groups.items()}


def group_spans(values: Mapping[str, str]) -> Markup:
    """One <span data-group=kind> per comparison group (CSS shows the picked one); values already formatted."""
    return Markup("".join(f'<span data-group="{kind}">{escape(v)}</span>' for kind, v in values.items()))


def _r(v: Any, d: int = 1) -> float | None:
    return None if v is None or is_missing(v) else round(float(v), d)


def own_series(values: pd.DataFrame) -> dict[str, dict[str, dict[int, float]]]:
    """municipality -> indicator -> {year: value} (values with a value only)."""
    out: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for code, ind, y, v in zip(values["municipality_code"], values["indicator_id"], values["year"],
                               values["value"], strict=True):
        out[code][ind][int(y)] = float(v)
    return out


def series_of(medians: Medians) -> dict[str, dict[tuple, dict[int, float]]]:
    """kind -> {(group key, indicator): {year: median}} from medians keyed (group key, indicator, year)."""
    out: dict[str, dict[tuple, dict[int, float]]] = {}
    for kind, med in medians.items():
        d: dict[tuple, dict[int, float]] = defaultdict(dict)
        for (key, ind, year), v in med.items():
            d[(key, ind)][int(year)] = v
        out[kind] = dict(d)
    return out


@lru_cache(maxsize=4096)
def _multiple_head(ind: str, goal: int, colour: str, name_nb: str, name_en: str, root: str) -> str:
    return (f'<li class="multiple{{nodata}}" data-multiple="{escape(ind)}"><figure><figcaption>'
            f'<a href="{root}indikator/{escape(ind)}.html"><span class="goalno" style="background:{escape(colour)}">'
            f'{goal}</span> {tx(name_nb, name_en)}</a></figcaption>')


def small_multiples(indicators: list[SimpleNamespace], own: Mapping[str, Mapping[int, float]],
                    frames: Mapping[str, Frame], groups: Mapping[str, Group],
                    series: Mapping[str, Mapping[tuple, Mapping[int, float]]],
                    fmt: Callable[[Any], str], lines: dict[tuple, str], root: str = "../") -> Markup:
    """The <li> of each indicator row of the page (same order): its SVG, and a caption with the first and latest
    own value and each group's median in the latest year (the caption is the chart's text alternative). Written
    here rather than in the template: 357 pages x 70 multiples are most of the report's markup. `lines` caches
    each group's median line across pages."""
    parts = []
    empty: dict[int, float] = {}
    no_data = tx("Ingen data for kommunen", "No data for this municipality")
    for r in indicators:
        frame = frames.get(r.id)
        mine = own.get(r.id, empty)
        cmp = {kind: series[kind].get((g.key, r.id), empty) for kind, g in groups.items()}
        key = (r.id, *(g.key for g in groups.values()))
        svg_lines = lines.get(key)
        if svg_lines is None and frame is not None:
            svg_lines = lines[key] = "".join(group_line(frame, kind, c) for kind, c in cmp.items())
        head = _multiple_head(r.id, int(r.goal), r.goal_colour, r.name_nb or r.id, r.name_en or r.name_nb or r.id,
                              root)
        if mine:
            first, last = min(mine), max(mine)
            medians = "".join(f'<span data-group="{kind}">{fmt(c.get(last))}</span>' for kind, c in cmp.items())
            caption = (f"{first}: {fmt(mine[first])} → {last}: <b>{fmt(mine[last])}</b> {escape(r.unit)}; "
                       f"median {medians}")
        else:
            caption = f"{no_data} ({frame.x0}–{frame.x1})" if frame else str(no_data)
        parts.append(head.replace("{nodata}", "" if mine else " nodata", 1) + sparkline(frame, mine, svg_lines or "")
                     + f'<p class="small caption">{caption}</p></figure></li>\n')
    return Markup("".join(parts))


def coverage(indicators: list[SimpleNamespace], goals: list[dict[str, Any]], national: Mapping[int, Mapping[str, Any]],
             ) -> list[SimpleNamespace]:
    """Per goal: the page's indicators with data / in the catalog (ids of each), and the country's coverage
    that year from marts.goal_coverage (index indicators reported, share of municipality x indicator cells)."""
    by_goal: dict[int, list[SimpleNamespace]] = defaultdict(list)
    for r in indicators:
        by_goal[int(r.goal)].append(r)
    out = []
    for g in goals:
        rows = by_goal.get(int(g["goal"]), [])
        nat = national.get(int(g["goal"]), {})
        out.append(SimpleNamespace(goal=g, total=len(rows), with_data=sum(1 for r in rows if r.value is not None),
                                   missing=[r for r in rows if r.value is None],
                                   nat_reported=nat.get("indicators_reported"), nat_total=nat.get("indicators_total"),
                                   nat_share=nat.get("value_coverage")))
    return out
