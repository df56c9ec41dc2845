"""Derive the report's map geometry from Kartverket's 2024 borders (GeoJSON, WGS84) into one small JSON file of
SVG path data: `python scripts/build_map_geometry.py [--geo-dir ../shared/data/geo] [--out FILE]`.

Steps: project lon/lat with a spherical transverse Mercator on 15°E (the look of Kartverket's UTM 33 maps),
simplify every border once (Douglas-Peucker between junctions, so neighbours keep sharing one line and no gaps
open), drop small islands no other municipality touches, quantise to an integer grid and write relative SVG
path commands. The output is committed (pipeline/reports/geo/norway_2024.json) so the report needs no
../shared at build time; this script reproduces it byte for byte.

Map data © Kartverket (Geonorge), CC BY 4.0: credit "Kartverket" wherever a map is shown.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_GEO = REPO.parent / "shared" / "data" / "geo"
DEFAULT_OUT = REPO / "pipeline" / "reports" / "geo" / "norway_2024.json"
MUNICIPALITIES_FILE = "kommuner_2024_s.geojson"
COUNTIES_FILE = "fylker_2024_s.geojson"

WIDTH = 4000          # grid units across the mainland's width (about 0.28 km per unit)
TOLERANCE = 1.5       # Douglas-Peucker tolerance in grid units
COUNTY_TOLERANCE = 4.0  # county borders are drawn only as thin lines over the municipalities
MIN_ISLAND = 20.0      # area (grid units²) below which an untouched island is dropped (largest ring always kept)
LON0 = math.radians(15.0)

Point = tuple[float, float]


def project(lon: float, lat: float) -> Point:
    """Spherical transverse Mercator, central meridian 15°E; y grows southwards (SVG)."""
    lam, phi = math.radians(lon) - LON0, math.radians(lat)
    b = math.cos(phi) * math.sin(lam)
    x = 0.5 * math.log((1 + b) / (1 - b))
    y = math.atan2(math.tan(phi), math.cos(lam))
    return x, -y


def rings_of(geometry: dict) -> list[list[list[float]]]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for poly in polys for ring in poly]


def _seg_dist2(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return (p[0] - a[0] - t * dx) ** 2 + (p[1] - a[1] - t * dy) ** 2


def douglas_peucker(points: list[Point], tol: float) -> list[Point]:
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    tol2 = tol * tol
    while stack:
        i, j = stack.pop()
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            d = _seg_dist2(points[k], points[i], points[j])
            if d > best:
                best, idx = d, k
        if idx > 0 and best > tol2:
            keep[idx] = True
            stack += [(i, idx), (idx, j)]
    return [p for p, k in zip(points, keep, strict=True) if k]


class Simplifier:
    """Simplifies each shared border once: rings are cut at junctions (points whose neighbours differ between
    the rings that hold them), and each chain is simplified in one canonical direction and cached."""

    def __init__(self, all_rings: list[list[Point]], tol: float) -> None:
        self.tol = tol
        neighbours: dict[Point, set[frozenset]] = defaultdict(set)
        self.owners: dict[Point, int] = defaultdict(int)
        for ring in all_rings:
            n = len(ring)
            for i, p in enumerate(ring):
                neighbours[p].add(frozenset((ring[i - 1], ring[(i + 1) % n])))
                self.owners[p] += 1
        self.junctions = {p for p, s in neighbours.items() if len(s) > 1}
        self.cache: dict[tuple[Point, ...], list[Point]] = {}

    def _chain(self, chain: list[Point]) -> list[Point]:
        rev = chain[::-1]
        forward = (chain[0], chain[1] if len(chain) > 1 else chain[0]) <= (rev[0], rev[1] if len(rev) > 1 else rev[0])
        key = tuple(chain if forward else rev)
        if key not in self.cache:
            self.cache[key] = douglas_peucker(list(key), self.tol)
        out = self.cache[key]
        return out if forward else out[::-1]

    def ring(self, ring: list[Point]) -> list[Point]:
        cuts = [i for i, p in enumerate(ring) if p in self.junctions]
        if not cuts:  # a closed border without junctions: start at its smallest point, canonical direction
            i = ring.index(min(ring))
            rot = ring[i:] + ring[:i]
            if rot[-1] < rot[1]:
                rot = [rot[0], *rot[:0:-1]]
            return self._chain([*rot, rot[0]])[:-1]
        out: list[Point] = []
        for a, b in zip(cuts, [*cuts[1:], cuts[0] + len(ring)], strict=True):
            chain = [ring[k % len(ring)] for k in range(a, b + 1)]
            out += self._chain(chain)[:-1]
        return out


def area(ring: list[tuple[int, int]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def path_d(rings: list[list[tuple[int, int]]]) -> str:
    """SVG path data: absolute move to each ring's start, then relative line segments, closed with z."""
    parts = []
    for ring in rings:
        x0, y0 = ring[0]
        seg = [f"M{x0} {y0}l"]
        coords = []
        px, py = x0, y0
        for x, y in ring[1:]:
            coords.append(f"{x - px} {y - py}")
            px, py = x, y
        seg.append(" ".join(coords).replace(" -", "-"))
        seg.append("z")
        parts.append("".join(seg))
    return "".join(parts)


def load(path: Path, code_key: str, name_key: str) -> dict[str, tuple[str, list[list[Point]]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, list[list[Point]]]] = {}
    for i, f in enumerate(data["features"]):
        props = f.get("properties") or {}
        code = str(props.get(code_key) or "")
        if not code:
            raise ValueError(f"{path}: feature {i} has no {code_key!r}")
        rings = [[project(lon, lat) for lon, lat in ring[:-1]] for ring in rings_of(f["geometry"])]
        out[code] = (str(props.get(name_key) or code), rings)
    return out


def build(geo_dir: Path) -> dict:
    munis = load(geo_dir / MUNICIPALITIES_FILE, "kommunenummer", "kommunenavn")
    counties = load(geo_dir / COUNTIES_FILE, "fylkesnummer", "fylkesnavn")
    xs = [p[0] for _, rings in munis.values() for r in rings for p in r]
    ys = [p[1] for _, rings in munis.values() for r in rings for p in r]
    x0, y0 = min(xs), min(ys)
    scale = WIDTH / (max(xs) - x0)
    height = math.ceil((max(ys) - y0) * scale)

    def grid(rings: list[list[Point]]) -> list[list[Point]]:
        return [[((x - x0) * scale, (y - y0) * scale) for x, y in r] for r in rings]

    def shapes(features: dict[str, tuple[str, list[list[Point]]]], tol: float) -> dict[str, dict[str, str]]:
        scaled = {code: (name, grid(rings)) for code, (name, rings) in features.items()}
        simp = Simplifier([r for _, rings in scaled.values() for r in rings], tol)
        out = {}
        for code in sorted(scaled):
            name, rings = scaled[code]
            kept = []
            for r in rings:
                q = [(round(x), round(y)) for x, y in simp.ring(r)]
                q = [p for i, p in enumerate(q) if p != q[i - 1]] if len(q) > 1 else q
                shared = any(simp.owners[p] > 1 for p in r)
                if len(q) >= 3 and (shared or area(q) >= MIN_ISLAND):
                    kept.append(q)
            if not kept:  # never lose a municipality: keep its largest ring, however small
                best = max(rings, key=lambda r: area([(round(x), round(y)) for x, y in r]))
                kept = [[(round(x), round(y)) for x, y in best]]
            out[code] = {"name": name, "d": path_d(kept)}
        return out

    return {
        "credit": "Kartverket",
        "licence": "CC BY 4.0",
        "source": "Kartverket (Geonorge): administrative borders 2024, municipalities and counties, simplified "
                  "(robhop/fylker-og-kommuner Kommuner-S.geojson, Fylker-S.geojson); derived by "
                  "scripts/build_map_geometry.py",
        "projection": "spherical transverse Mercator, central meridian 15E; y southwards; "
                      f"{WIDTH} units across; Douglas-Peucker {TOLERANCE} units (county borders {COUNTY_TOLERANCE})",
        "width": WIDTH,
        "height": height,
        "municipalities": shapes(munis, TOLERANCE),
        "counties": shapes(counties, COUNTY_TOLERANCE),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--geo-dir", type=Path, default=DEFAULT_GEO)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    geo = build(args.geo_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(geo, ensure_ascii=False, separators=(",", ":"), indent=None)
    args.out.write_text(text.replace('},"', '},\n"') + "\n", encoding="utf-8")
    print(f"{args.out}: {len(geo['municipalities'])} municipalities, {len(geo['counties'])} counties, "
          f"{args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
