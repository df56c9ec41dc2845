"""Which region codes the demo snapshot reports for a table and year.

Tables asked with `agg_KommSummer` (or `agg_KommGjeldende`) report today's (2024) codes for every year, as
SSB does. The others report the structure valid in that year, like SSB's own vs_ codes: 2015-2019 on the
2019 codes, 2020-2023 on the 2020 codes, 2024 on the 2024 codes, so the run has to harmonise them
(pipeline.klass).
"""

from __future__ import annotations

from functools import cache

from pipeline.catalog import TableSpec
from pipeline.paths import DBT_PROJECT_DIR
from pipeline.regions import read_municipalities

MUNICIPALITIES_SEED = DBT_PROJECT_DIR / "seeds" / "municipalities_2024.csv"
# Codelists that report today's municipalities for every year (agg_KommSummer with K- prefixed codes).
CURRENT_STRUCTURE_CODELISTS = ("agg_KommSummer", "agg_KommGjeldende", "agg_single:KommGjeldende")
DEMO_STRUCTURES = ((2019, 2019), (2023, 2020), (9999, 2024))  # (last data year, structure year)


def municipalities_2024() -> dict[str, tuple[str, int]]:
    """code -> (name, population 1 Jan 2024), from the project's seed (facts from KLASS and SSB 07459)."""
    return read_municipalities(MUNICIPALITIES_SEED)


@cache
def _codes(structure_year: int) -> tuple[str, ...]:
    from pipeline.klass import load_klass

    return tuple(sorted(load_klass().codes(structure_year)))


def structure_year_for(table: TableSpec, year: int) -> int:
    """The municipality structure the demo reports `table` on in `year`."""
    if table.region_codelist in CURRENT_STRUCTURE_CODELISTS or year > 2024:
        return 2024
    return next(s for last, s in DEMO_STRUCTURES if year <= last)


def region_codes(table: TableSpec, year: int) -> list[str]:
    """Municipality codes (unprefixed) valid for `table` in `year` in the demo data."""
    if table.region_codelist in CURRENT_STRUCTURE_CODELISTS:
        return sorted(municipalities_2024())
    return list(_codes(structure_year_for(table, year)))
