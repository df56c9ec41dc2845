"""Small multiples as inline SVG: one indicator's own series and the median of each comparison group, drawn
server-side so a page with 70 of them opens at once (no chart library) and prints. The comparison line of the
group the reader picked is shown by CSS ([data-group] under [data-compare]); the figure's caption is its
text alternative. Whole-number coordinates in a 360 x 100 box keep the markup small."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 360, 100, 6


def sparkline(years: Sequence[int], own: Mapping[int, float], groups: Mapping[str, Mapping[int, float]]) -> Markup:
    """SVG of the own series (solid, last value dotted) and each group's median (dashed, data-group=<kind>)."""
    values = list(own.values())
    for g in groups.values():
        values.extend(g.values())
    if not years or not values:
        return Markup("")
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    x0 = min(years)
    xs = (WIDTH - 2 * PAD) / max(max(years) - x0, 1)
    ys = (HEIGHT - 2 * PAD) / (hi - lo)

    def points(series: Mapping[int, float]) -> str:
        return " ".join(f"{round(PAD + (x - x0) * xs)},{round(HEIGHT - PAD - (y - lo) * ys)}"
                        for x, y in sorted(series.items()))

    parts = [f'<svg class="spark" viewBox="0 0 {WIDTH} {HEIGHT}" aria-hidden="true" focusable="false">']
    parts.extend(f'<polyline class="cmp" data-group="{kind}" points="{points(series)}"/>'
                 for kind, series in groups.items() if series)
    if own:
        parts.append(f'<polyline class="own" points="{points(own)}"/>')
        x, y = max(own.items())
        parts.append(f'<circle class="own" cx="{round(PAD + (x - x0) * xs)}" cy="{round(HEIGHT - PAD - (y - lo) * ys)}"'
                     f' r="4"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
