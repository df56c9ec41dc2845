"""Region codes as SSB gives them -> (kind, code); the same rules as dbt's stg_ssb__observations.

    0301, K-0301 -> municipality 0301      03, F-03 -> county 03      0000 -> country 0000
    K-21-22, K-23, K-Rest, 9999, K-9999, anything else -> other (code kept as given)
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from typing import Literal

RegionKind = Literal["municipality", "county", "country", "other"]

_MUNICIPALITY = re.compile(r"(?:K-)?([0-9]{4})")
_COUNTY = re.compile(r"(?:F-)?([0-9]{2})")
_UNKNOWN = re.compile(r"(?:K-)?9999")


def normalise_region(code: str) -> tuple[RegionKind, str]:
    """Classify one region code and strip its K-/F- prefix (municipalities and counties only)."""
    if code == "0000":
        return "country", code
    if _UNKNOWN.fullmatch(code):
        return "other", code
    if m := _MUNICIPALITY.fullmatch(code):
        return "municipality", m.group(1)
    if m := _COUNTY.fullmatch(code):
        return "county", m.group(1)
    return "other", code


@cache
def read_municipalities(path: Path) -> dict[str, tuple[str, int]]:
    """code -> (name, population 1 Jan of the structure year), from a municipalities seed file."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return {r["municipality_code"]: (r["municipality_name"], int(r["population_2024"]))
                for r in csv.DictReader(fh)}
