"""Small multiples as inline SVG: one indicator's own series and the median of each comparison group, drawn
server-side so a page with 70 of them opens at once (no chart library) and prints. The comparison line of the
group the reader picked is shown by CSS ([data-group] under [data-compare]); the figure's caption is its
text alternative.

Each indicator has one frame on every page (`Frame.of`: its years, and the 2nd to 98th percentile of all
municipalities' values over all years), so two municipalities' multiples compare at a glance and a group's
median line is drawn once per group, not once per page. A value beyond the frame is drawn at its edge (the
caption gives the number). Whole-number coordinates in a 360 x 100 box keep the markup small."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

WIDTH, HEIGHT, PAD = 360, 100, 6
LOW_Q, HIGH_Q = 0.02, 0.98


@dataclass(frozen=True)
class Frame:
    x0: int
    x1: int
    lo: float
    hi: float

    @staticmethod
    def of(years: Sequence[int], lo: float, hi: float) -> Frame:
        if hi <= lo:
            lo, hi = lo - 1, hi + 1
        return Frame(min(years), max(years), lo, hi)

    def x(self, year: int) -> int:
        return round(PAD + (year - self.x0) * (WIDTH - 2 * PAD) / max(self.x1 - self.x0, 1))

    def y(self, value: float) -> int:
        v = min(max(value, self.lo), self.hi)
        return round(HEIGHT - PAD - (v - self.lo) * (HEIGHT - 2 * PAD) / (self.hi - self.lo))

    def points(self, series: Mapping[int, float]) -> str:
        return " ".join(f"{self.x(x)},{self.y(v)}" for x, v in sorted(series.items()))


def frames(values: pd.DataFrame) -> dict[str, Frame]:
    """indicator -> its frame, from the (indicator_id, year, value) rows that have a value."""
    g = values.groupby("indicator_id")
    q = g["value"].quantile([LOW_Q, HIGH_Q]).unstack()
    years = g["year"].agg(["min", "max"])
    return {ind: Frame.of([int(years.at[ind, "min"]), int(years.at[ind, "max"])], float(q.at[ind, LOW_Q]),
                          float(q.at[ind, HIGH_Q])) for ind in q.index}


def group_line(frame: Frame, kind: str, series: Mapping[int, float]) -> str:
    return f'<polyline class="cmp" data-group="{kind}" points="{frame.points(series)}"/>' if series else ""


def sparkline(frame: Frame | None, own: Mapping[int, float], group_lines: str) -> str:
    """SVG (markup text) of the group lines (from group_line) and the own series (solid, last value dotted)."""
    if frame is None:
        return ""
    parts = ['<svg class="spark" viewBox="0 0 360 100" aria-hidden="true" focusable="false">', group_lines]
    if own:
        x, v = max(own.items())
        parts.append(f'<polyline class="own" points="{frame.points(own)}"/>'
                     f'<circle class="own" cx="{frame.x(x)}" cy="{frame.y(v)}" r="4"/>')
    parts.append("</svg>")
    return "".join(parts)
