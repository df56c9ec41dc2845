"""GX suites for every raw SSB table, derived from config (pipeline/catalog/ssb_tables.yaml + checks/quality.yaml).

Per table: the raw columns, the expected contents codes and dimensions (the `filters` a catalog
selection yields: a renamed or added dimension shows up here), years in the catalog's span, known status
symbols, unique cells, every municipality of the target structure present in the latest year with
enough values, and each contents code's values in its plausible range.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from checks.gx_runner import SuiteRun, validate
from pipeline.catalog import SsbCatalog, TableSpec
from pipeline.raw_tables import SSB_COLUMNS

QUALITY_CONFIG = Path(__file__).with_name("quality.yaml")
STATUS_SYMBOLS = ["..", "...", ":", ".", "-", "*"]
MUNICIPALITY_RE = r"^(K-)?[0-9]{4}$"


@cache
def quality_config() -> dict[str, Any]:
    return yaml.safe_load(QUALITY_CONFIG.read_text(encoding="utf-8"))


def _catalog_ranges() -> dict[tuple[str, str], list]:
    """`range: [min, max]` given on contents entries in ssb_tables.yaml (the catalog loader ignores it)."""
    from pipeline.catalog import SSB_TABLES_FILE  # noqa: PLC0415

    doc = yaml.safe_load(SSB_TABLES_FILE.read_text(encoding="utf-8"))
    out = {}
    for t in doc.get("tables", []):
        for code, c in (t.get("contents") or {}).items():
            if isinstance(c, dict) and c.get("range") is not None:
                out[(str(t["id"]), str(code))] = list(c["range"])
    return out


def value_range(table: TableSpec, code: str) -> tuple[float | None, float | None]:
    """The plausible range of one contents code: catalog `range`, else checks config, else unit default."""
    cfg = quality_config()["ssb"]
    unit = next((c.unit for c in table.contents if c.code == code), "")
    rng = (_catalog_ranges().get((table.id, code))
           or (cfg.get("contents", {}).get(table.id) or {}).get(code)
           or cfg["unit_ranges"].get(unit) or cfg["unit_ranges"]["default"])
    lo, hi = rng
    return (None if lo is None else float(lo)), (None if hi is None else float(hi))


def expected_filters(table: TableSpec) -> list[str]:
    """The `filters` values the table's selection yields (dimensions not selected are eliminated)."""
    dims = sorted(table.selection)
    if not dims:
        return [""]
    combos = itertools.product(*[table.selection[d] for d in dims])
    return [";".join(f"{d}={c}" for d, c in zip(dims, combo, strict=True)) for combo in combos]


def municipality_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of 4-digit municipality regions (not the national 0000), with the code stripped of K-."""
    is_muni = frame["region"].str.fullmatch(MUNICIPALITY_RE) & (frame["region"] != "0000")
    out = frame[is_muni].copy()
    out["municipality_code"] = out["region"].str.removeprefix("K-")
    return out


@dataclass(frozen=True)
class TableSuite:
    table: TableSpec
    catalog: SsbCatalog
    municipalities: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"ssb_{self.table.id}"

    def run(self, frame: pd.DataFrame) -> SuiteRun:
        import great_expectations as gx  # noqa: PLC0415
        from great_expectations.expectations.row_conditions import Column  # noqa: PLC0415

        e = gx.expectations
        cfg = quality_config()["ssb"]
        t = self.table
        out = SuiteRun()
        out.extend(validate(self.name, frame, [
            e.ExpectTableColumnsToMatchOrderedList(column_list=SSB_COLUMNS, meta={"why": "raw table columns"}),
            e.ExpectTableRowCountToBeBetween(min_value=1, meta={"why": "the table has rows"}),
            e.ExpectColumnValuesToBeInSet(column="contents_code", value_set=t.contents_codes,
                                          meta={"why": "contents codes of the catalog"}),
            e.ExpectColumnValuesToBeInSet(column="filters", value_set=expected_filters(t),
                                          meta={"why": "dimensions and codes the catalog selects "
                                                       "(a renamed or added dimension changes these)"}),
            e.ExpectColumnValuesToBeBetween(column="year", min_value=self.catalog.first_year,
                                            max_value=self.catalog.last_year + int(cfg["year_slack_after_last"]),
                                            meta={"why": "years within the catalog's span"}),
            e.ExpectColumnValuesToBeInSet(column="status", value_set=STATUS_SYMBOLS,
                                          meta={"why": "SSB status symbols"}),
            e.ExpectCompoundColumnsToBeUnique(column_list=["region", "contents_code", "filters", "period"],
                                              meta={"why": "one value per cell"}),
        ]))
        if frame.empty or list(frame.columns) != SSB_COLUMNS:
            return out
        munis = municipality_rows(frame)
        latest = munis[munis["year"] == frame["year"].max()]
        out.extend(validate(f"{self.name}_latest_year", latest, [
            e.ExpectColumnDistinctValuesToContainSet(
                column="municipality_code", value_set=list(self.municipalities),
                meta={"why": f"every municipality present in the latest year {frame['year'].max()}"}),
        ]))
        # codes of earlier structures stay in SSB's cube with status '.' in later years: not counted here
        current = latest[latest["municipality_code"].isin(self.municipalities)]
        out.extend(validate(f"{self.name}_latest_year_values", current, [
            e.ExpectColumnValuesToNotBeNull(
                column="value", mostly=float(cfg["min_non_null_share_latest_year"]),
                meta={"why": f"at least {cfg['min_non_null_share_latest_year']:.0%} of municipality values "
                             "present in the latest year"}),
        ]))
        ranges = []
        for code in t.contents_codes:
            lo, hi = value_range(t, code)
            if lo is None and hi is None:
                continue
            ranges.append(e.ExpectColumnValuesToBeBetween(
                column="value", min_value=lo, max_value=hi, row_condition=Column("contents_code") == code,
                meta={"why": f"{code} within [{lo}, {hi}]"}))
        out.extend(validate(f"{self.name}_ranges", munis, ranges))
        return out


def table_suites(catalog: SsbCatalog, municipalities: list[str]) -> list[TableSuite]:
    return [TableSuite(t, catalog, tuple(sorted(municipalities))) for t in catalog.tables]
