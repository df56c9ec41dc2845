"""Quality suites for every raw SSB table, derived from config (pipeline/catalog/ssb_tables.yaml + checks/quality.yaml).

Per table: the raw columns, the expected contents codes and dimensions (the `filters` a catalog
selection yields: a renamed or added dimension shows up here), years in the catalog's span, known status
symbols, unique cells, every municipality of the target structure present in the latest year with
enough values, and each contents code's values in its plausible range.

The expectations are Great Expectations' (same names, same semantics: nulls are not checked by the value
rules, `mostly` for the share of values present), evaluated as SQL aggregates in DuckDB over the build
database: one scan per table, no rows copied into Python (GX 1.x validates pandas DataFrames here, which
at 100,000 units means loading 1.5 M rows per table into pandas; docs/benchmarks.md). A DataFrame is
validated the same way (`run`), registered in an in-memory DuckDB.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from checks.findings import MAX_EXAMPLES, Finding, SuiteRun
from pipeline.catalog import SsbCatalog, TableSpec
from pipeline.raw_tables import SSB_COLUMNS

QUALITY_CONFIG = Path(__file__).with_name("quality.yaml")
STATUS_SYMBOLS = ["..", "...", ":", ".", "-", "*"]
# 4-digit municipality codes (K-0301 or 0301); wider unit codes too (a benchmark's synthetic units), never 0000
MUNICIPALITY_SQL = "regexp_full_match(region, '(K-)?[0-9]{4,}') and region <> '0000'"


@cache
def quality_config() -> dict[str, Any]:
    return yaml.safe_load(QUALITY_CONFIG.read_text(encoding="utf-8"))


def value_range(table: TableSpec, code: str) -> tuple[float | None, float | None]:
    """The plausible range of one contents code: catalog `range`, else checks config, else unit default."""
    cfg = quality_config()["ssb"]
    spec = next((c for c in table.contents if c.code == code), None)
    if spec is not None and spec.value_range is not None:
        return spec.value_range
    unit = spec.unit if spec is not None else ""
    rng = ((cfg.get("contents", {}).get(table.id) or {}).get(code)
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


def sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def sql_examples(con: duckdb.DuckDBPyConnection, sql: str) -> list[Any]:
    return [r[0] for r in con.execute(sql + f" limit {MAX_EXAMPLES}").fetchall()]


@dataclass(frozen=True)
class TableSuite:
    table: TableSpec
    catalog: SsbCatalog
    municipalities: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"ssb_{self.table.id}"

    def run(self, frame: pd.DataFrame) -> SuiteRun:
        """Validate a DataFrame of raw.ssb_observations rows (tests, one table)."""
        con = duckdb.connect()
        try:
            con.register("frame", frame)
            return self.run_sql(con, "frame")
        finally:
            con.close()

    def run_sql(self, con: duckdb.DuckDBPyConnection, relation: str) -> SuiteRun:
        """Validate the rows of `relation` (a table, view or `(select ...)` of raw.ssb_observations rows)."""
        cfg = quality_config()["ssb"]
        t = self.table
        out = SuiteRun()
        rel = relation

        def finding(suite: str, expectation: str, column: str | None, unexpected: int, elements: int,
                    examples: list[Any], why: str, detail: str = "") -> None:
            out.findings.append(Finding(suite, expectation, column, int(unexpected), int(elements),
                                        [str(e) for e in examples], f"{why}; {detail}" if detail else why))

        columns = [r[0] for r in con.execute(f"select * from {rel} limit 0").description]
        out.evaluated += 1
        if columns != SSB_COLUMNS:
            finding(self.name, "expect_table_columns_to_match_ordered_list", None, 0, 0, [], "raw table columns",
                    f"observed {columns[:MAX_EXAMPLES]}")
            return out
        filters, codes = expected_filters(t), t.contents_codes
        lo_year, hi_year = self.catalog.first_year, self.catalog.last_year + int(cfg["year_slack_after_last"])
        rules = {  # expectation -> (column, SQL predicate of an unexpected non-null value, why)
            "contents_code": ("contents_code", f"not list_contains({sql_list(codes)}, contents_code)",
                              "contents codes of the catalog"),
            "filters": ("filters", f"not list_contains({sql_list(filters)}, filters)",
                        "dimensions and codes the catalog selects (a renamed or added dimension changes these)"),
            "year": ("year", f"year not between {lo_year} and {hi_year}", "years within the catalog's span"),
            "status": ("status", f"not list_contains({sql_list(STATUS_SYMBOLS)}, status)", "SSB status symbols"),
        }
        agg = [f"count(*) filter (where {col} is not null and {pred})" for col, pred, _ in rules.values()]
        n, max_year, *bad = con.execute(f"select count(*), max(year), {', '.join(agg)} from {rel}").fetchone()
        dupes = con.execute(f"select coalesce(sum(n), 0) from (select count(*) as n from {rel} "
                            "group by region, contents_code, filters, period having count(*) > 1)").fetchone()[0]
        out.evaluated += 2 + len(rules)
        if n < 1:
            finding(self.name, "expect_table_row_count_to_be_between", None, 0, 0, [], "the table has rows",
                    "observed 0")
        types = {"contents_code": "expect_column_values_to_be_in_set", "filters": "expect_column_values_to_be_in_set",
                 "year": "expect_column_values_to_be_between", "status": "expect_column_values_to_be_in_set"}
        for (key, (col, pred, why)), count in zip(rules.items(), bad, strict=True):
            if count:
                ex = sql_examples(con, f"select {col} from {rel} where {col} is not null and {pred}")
                finding(self.name, types[key], col, count, n, ex, why)
        if dupes:
            ex = sql_examples(con, f"select region || ' ' || contents_code || ' ' || filters || ' ' || period "
                                   f"from {rel} group by region, contents_code, filters, period having count(*) > 1")
            finding(self.name, "expect_compound_columns_to_be_unique", None, dupes, n, ex, "one value per cell")
        if n < 1:
            return out
        # municipality rows (4-digit codes, not 0000) of the latest year, against the target structure
        munis = (f"(select *, regexp_replace(region, '^K-', '') as municipality_code from {rel} "
                 f"where {MUNICIPALITY_SQL})")
        con.execute("create or replace temp table suite_expected as select unnest(?::varchar[]) as code",
                    [list(self.municipalities)])
        missing = [r[0] for r in con.execute(
            f"select code from suite_expected where code not in (select municipality_code from {munis} "
            f"where year = {max_year}) order by code").fetchall()]
        out.evaluated += 1
        if missing:
            finding(f"{self.name}_latest_year", "expect_column_distinct_values_to_contain_set", "municipality_code", 0,
                    0, missing[:MAX_EXAMPLES], f"every municipality present in the latest year {max_year}",
                    f"missing {len(missing)}: {', '.join(missing[:MAX_EXAMPLES])}")
        # codes of earlier structures stay in SSB's cube with status '.' in later years: not counted here
        share = float(cfg["min_non_null_share_latest_year"])
        rows, nulls = con.execute(f"select count(*), count(*) - count(value) from {munis} where year = {max_year} "
                                  "and municipality_code in (select code from suite_expected)").fetchone()
        out.evaluated += 1
        if rows and (rows - nulls) / rows < share:
            finding(f"{self.name}_latest_year_values", "expect_column_values_to_not_be_null", "value", nulls, rows,
                    [None] * min(nulls, MAX_EXAMPLES),
                    f"at least {cfg['min_non_null_share_latest_year']:.0%} of municipality values present in the "
                    "latest year")
        ranges = [(code, *value_range(t, code)) for code in t.contents_codes]
        ranges = [(code, lo, hi) for code, lo, hi in ranges if lo is not None or hi is not None]
        if not ranges:
            return out

        def outside(lo: float | None, hi: float | None) -> str:
            parts = ([f"value < {lo!r}"] if lo is not None else []) + ([f"value > {hi!r}"] if hi is not None else [])
            return "(" + " or ".join(parts) + ")"

        agg = [f"count(*) filter (where contents_code = '{code}' and value is not null and {outside(lo, hi)})"
               for code, lo, hi in ranges]
        n_munis, *bad = con.execute(f"select count(*), {', '.join(agg)} from {munis}").fetchone()
        out.evaluated += len(ranges)
        for (code, lo, hi), count in zip(ranges, bad, strict=True):
            if count:
                ex = sql_examples(con, f"select value from {munis} where contents_code = '{code}' "
                                       f"and value is not null and {outside(lo, hi)}")
                finding(f"{self.name}_ranges", "expect_column_values_to_be_between", "value", count, n_munis, ex,
                        f"{code} within [{lo}, {hi}]")
        return out


def table_suites(catalog: SsbCatalog, municipalities: list[str]) -> list[TableSuite]:
    return [TableSuite(t, catalog, tuple(sorted(municipalities))) for t in catalog.tables]
