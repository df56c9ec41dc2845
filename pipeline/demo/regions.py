"""Which region codes the demo snapshot reports for a table and year (the 2024 structure for now)."""

from __future__ import annotations

import csv
from functools import cache

from pipeline.catalog import TableSpec
from pipeline.paths import DBT_PROJECT_DIR

MUNICIPALITIES_SEED = DBT_PROJECT_DIR / "seeds" / "municipalities_2024.csv"


@cache
def municipalities_2024() -> dict[str, tuple[str, int]]:
    """code -> (name, population 1 Jan 2024), from the project's seed (facts from KLASS and SSB 07459)."""
    with MUNICIPALITIES_SEED.open(encoding="utf-8", newline="") as fh:
        return {r["municipality_code"]: (r["municipality_name"], int(r["population_2024"])) for r in csv.DictReader(fh)}


def region_codes(table: TableSpec, year: int) -> list[str]:
    """Municipality codes (unprefixed) valid for `table` in `year` in the demo data."""
    return sorted(municipalities_2024())
