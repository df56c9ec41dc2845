"""The report's map geometry: SVG path data of the 357 municipalities and 15 counties of 2024, derived from
Kartverket's borders (CC BY 4.0, credit "Kartverket") by scripts/build_map_geometry.py and committed as
geo/norway_2024.json, so maps draw offline and without ../shared."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

GEOMETRY_FILE = Path(__file__).resolve().parent / "geo" / "norway_2024.json"
CREDIT = "Kartverket"
LICENCE = "CC BY 4.0"

_NUM = re.compile(r"[Mlz]|-?\d+")


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    d: str
    bbox: tuple[int, int, int, int]  # min x, min y, max x, max y in grid units


@dataclass(frozen=True)
class Geometry:
    width: int
    height: int
    credit: str
    licence: str
    municipalities: dict[str, Shape]
    counties: dict[str, Shape]

    def municipalities_of(self, county_code: str) -> list[Shape]:
        """2024 municipality codes start with their county's code."""
        return [s for c, s in self.municipalities.items() if c[:2] == county_code]


def path_bbox(d: str) -> tuple[int, int, int, int]:
    """Bounding box of path data made of 'M x y' (absolute), 'l dx dy ...' (relative) and 'z'."""
    xs: list[int] = []
    ys: list[int] = []
    x = y = 0
    mode = ""
    pending: list[int] = []
    for tok in _NUM.findall(d):
        if tok in ("M", "l", "z"):
            mode, pending = tok, []
            continue
        pending.append(int(tok))
        if len(pending) == 2:
            if mode == "M":
                x, y = pending
            else:
                x, y = x + pending[0], y + pending[1]
            xs.append(x)
            ys.append(y)
            pending = []
    return min(xs), min(ys), max(xs), max(ys)


def union_bbox(boxes: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@cache
def load_geometry(path: Path = GEOMETRY_FILE) -> Geometry:
    raw = json.loads(path.read_text(encoding="utf-8"))

    def shapes(part: dict[str, dict[str, str]]) -> dict[str, Shape]:
        return {code: Shape(code, v["name"], v["d"], path_bbox(v["d"])) for code, v in sorted(part.items())}

    return Geometry(int(raw["width"]), int(raw["height"]), raw["credit"], raw["licence"],
                    shapes(raw["municipalities"]), shapes(raw["counties"]))
