"""The report's map-bearing additions, composed once per build: the index page's national map and county list,
the 17 goal pages and the 15 county pages; and the site's size for the run metadata."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pandas as pd

from pipeline.reports.county_pages import COUNTY_SUBDIR, county_links, county_page_models
from pipeline.reports.data import Marts
from pipeline.reports.geo import Geometry, load_geometry
from pipeline.reports.goal_pages import GOAL_SUBDIR, goal_page_models
from pipeline.reports.maps import MapData, MapModel, index_map, map_data
from pipeline.reports.network import NETWORK_SEED, network_members


@dataclass
class MapPages:
    index_map: MapModel
    county_links: list[SimpleNamespace]
    goal_pages: list[dict[str, Any]]
    county_pages: list[dict[str, Any]]
    geometry: Geometry  # for the maps other pages draw (indicator pages)
    data: MapData


def map_pages(marts: Marts, munis: pd.DataFrame, goals: list[dict[str, Any]], year: int | None,
              layout: dict[str, Any], network_seed: Path | None = NETWORK_SEED) -> MapPages:
    geometry = load_geometry()
    data = map_data(marts, munis, year)
    network = network_members(marts, network_seed)
    return MapPages(index_map(geometry, data, root=""), county_links(data, geometry, network),
                    goal_page_models(goals, marts, data, geometry, layout),
                    county_page_models(goals, marts, data, geometry, network, layout), geometry, data)


def write_map_pages(env: jinja2.Environment, common: dict[str, Any], site: MapPages, out_dir: Path,
                    write: Callable[[Path, str], None], json_script: Callable[[Any], str]) -> int:
    """Render goal/<nn>.html and fylke/<code>.html; pages no longer produced are removed. Returns pages written."""
    written = 0
    for subdir, template, key, models in ((GOAL_SUBDIR, "goal.html.j2", "g", site.goal_pages),
                                          (COUNTY_SUBDIR, "county.html.j2", "c", site.county_pages)):
        folder = out_dir / subdir
        folder.mkdir(parents=True, exist_ok=True)
        t = env.get_template(template)
        names = set()
        for m in models:
            path = out_dir / m["path"]
            write(path, t.render(**common, root="../", figures_json=json_script(m["figures"]), **{key: m}))
            names.add(path.name)
        for old in folder.glob("*.html"):
            if old.name not in names:
                old.unlink()
        written += len(models)
    return written


@dataclass(frozen=True)
class SiteSize:
    bytes: int
    files: int
    html_pages: int


def site_size(out_dir: Path, exclude: frozenset[str] = frozenset()) -> SiteSize:
    """Bytes and files under the report folder (dbt docs included, symlinks and hidden temp files not followed;
    top-level files named in `exclude` left out)."""
    total = files = html = 0
    for root, _dirs, names in os.walk(out_dir):
        for n in names:
            p = Path(root) / n
            if p.is_symlink() or n.startswith(".") or (Path(root) == out_dir and n in exclude):
                continue
            total += p.stat().st_size
            files += 1
            html += n.endswith(".html")
    return SiteSize(total, files, html)
