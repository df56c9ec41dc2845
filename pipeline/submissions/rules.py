"""Validation rules: parse each raw row into typed fields, then check columns with Great Expectations.

Cell-level parsing (is it a number, a year, a known indicator) is plain Python because each failure
needs its own message; so is each U4SSC KPI's plausible range (bounds differ per indicator). Column
rules (municipality equals the inbox folder's, year in range, percentages within 0-100, unique keys)
run as GX 1.x expectations on the parsed DataFrame (ephemeral context, pandas datasource), and their
unexpected indexes are mapped back to spreadsheet rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.gx import dataframe_batch_definition
from pipeline.submissions import safety
from pipeline.submissions.catalog import Indicator, IndicatorIndex, unit_key
from pipeline.submissions.issues import Issue, issue
from pipeline.submissions.reading import RawTable, is_formula_without_value

MIN_YEAR = 2000
EXAMPLE_COMMENT = "EKSEMPEL – slett denne raden / EXAMPLE – delete this row"
KEY = ("municipality_code", "indicator_id", "year")


def max_year() -> int:
    """Data years cannot lie in the future."""
    return dt.datetime.now(dt.UTC).year


@dataclass(frozen=True)
class PendingValue:
    """A parsed row of another pending file, for the cross-file conflict rule."""

    file: str
    row: int
    value: float


# ---------------------------------------------------------------- cell parsing

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(cell: Any) -> tuple[float | None, str | None, bool]:
    """(value, failing rule, had a percent sign). Decimal comma or point; spaces as thousands separators."""
    if isinstance(cell, bool):
        return None, "value.format", False
    if isinstance(cell, int | float):
        return (None, "value.format", False) if math.isnan(float(cell)) or math.isinf(float(cell)) else (
            float(cell), None, False)
    if isinstance(cell, dt.datetime | dt.date):
        return None, "value.format", False
    s = _SPACES.sub("", str(cell)).replace("\u2212", "-")  # Unicode minus from Word/Excel
    pct = s.endswith("%")
    s = s.rstrip("%")
    if not any(ch.isdigit() for ch in s):
        return None, "value.format", pct
    if "," in s and "." in s:
        return None, "value.ambiguous", pct
    if s.count(",") > 1 or s.count(".") > 1:
        return None, "value.ambiguous" if s.count(",") + s.count(".") > 1 else "value.format", pct
    s = s.replace(",", ".")
    if not _NUMBER.match(s):
        return None, "value.format", pct
    v = float(s)
    return (None, "value.format", pct) if math.isinf(v) else (v, None, pct)


def parse_year(cell: Any) -> int | None:
    if isinstance(cell, bool | dt.datetime | dt.date):
        return None  # Excel turned the year into a date
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() else None
    s = str(cell).strip()
    if re.fullmatch(r"\d{4}", s):
        return int(s)
    if re.fullmatch(r"\d{4}[.,]0+", s):
        return int(s[:4])
    return None


def parse_municipality(cell: Any) -> str | None:
    """'0301', 301 (Excel dropped the leading zero), '301', 'K-0301' -> '0301'; anything else None."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    s = str(cell).strip()
    s = re.sub(r"^K-", "", s, flags=re.IGNORECASE)
    if re.fullmatch(r"\d{3,4}", s):
        return s.zfill(4)
    return None


def _implausible(ind: Indicator, value: float, file: str, row: int, column: str, shown: str) -> Issue | None:
    """A value outside its U4SSC KPI's plausible range (the seed states why). Percentages outside 0-100 are
    left to the column rule `value.percent_range`, so one mistake gets one finding."""
    kpi = ind.kpi
    if kpi is None or kpi.range_min <= value <= kpi.range_max or (ind.is_percent and not 0 <= value <= 100):
        return None
    return issue("value.out_of_range", file, row, column, shown, indicator=ind.u4ssc_code or ind.indicator_id,
                 min=_fmt(kpi.range_min), max=_fmt(kpi.range_max), unit=ind.unit, why=kpi.range_rationale)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _shown(cell: Any) -> str:
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


# ---------------------------------------------------------------- the row pass

def validate_table(table: RawTable, municipality: str, index: IndicatorIndex,
                   pending: dict[tuple[str, str, int], PendingValue] | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """Parse and check every row. Returns the parsed rows (one per data row that parsed) and all findings."""
    f, cols = table.file, table.columns
    issues: list[Issue] = list(table.issues)
    parsed: list[dict[str, Any]] = []
    example = index.example_code()
    unfilled = 0
    for raw in table.rows:
        c, n = raw.cells, raw.number
        if all(_blank(c.get(k)) for k in ("municipality", "year", "value")):
            unfilled += 1  # a pre-filled template row (indicator + unit only): nothing reported
            continue
        if isinstance(c.get("comment"), str) and c["comment"].strip() == EXAMPLE_COMMENT:
            issues.append(issue("row.example", f, n, cols.get("comment"), c["comment"]))
            continue
        rec: dict[str, Any] = {"row_number": n}
        ok = True
        # municipality
        cell = c.get("municipality")
        if _blank(cell):
            issues.append(issue("municipality.missing", f, n, cols["municipality"]))
            ok = False
        else:
            code = parse_municipality(cell)
            if code is None:
                issues.append(issue("municipality.format", f, n, cols["municipality"], _shown(cell)))
                ok = False
            rec["municipality_code"] = code
        # indicator
        cell = c.get("indicator")
        ind = None
        if _blank(cell):
            issues.append(issue("indicator.missing", f, n, cols["indicator"]))
            ok = False
        else:
            ind = index.lookup(_shown(cell))
            if ind is None:
                issues.append(issue("indicator.unknown", f, n, cols["indicator"], _shown(cell), example=example))
                ok = False
            elif not ind.submittable:
                issues.append(issue("indicator.ssb_only", f, n, cols["indicator"], _shown(cell)))
                ok, ind = False, None
            rec["indicator_id"] = ind.indicator_id if ind else None
            rec["is_percent"] = bool(ind and ind.is_percent)
        # year
        cell = c.get("year")
        if _blank(cell):
            issues.append(issue("year.missing", f, n, cols["year"]))
            ok = False
        else:
            year = parse_year(cell)
            if year is None:
                issues.append(issue("year.format", f, n, cols["year"], _shown(cell)))
                ok = False
            rec["year"] = year
        # value
        cell = c.get("value")
        if is_formula_without_value(cell):
            issues.append(issue("value.formula", f, n, cols["value"]))
            ok = False
        elif _blank(cell):
            issues.append(issue("value.missing", f, n, cols["value"]))
            ok = False
        else:
            value, rule, pct = parse_number(cell)
            if rule:
                issues.append(issue(rule, f, n, cols["value"], _shown(cell)))
                ok = False
            elif pct and ind is not None and not ind.is_percent:
                issues.append(issue("value.percent_sign", f, n, cols["value"], _shown(cell), unit=ind.unit))
                ok = False
            elif ind is not None and (finding := _implausible(ind, value, f, n, cols["value"], _shown(cell))):
                issues.append(finding)
                ok = False
            rec["value"] = value
        # unit (optional column; blank means "as in the catalog")
        cell = c.get("unit")
        if ind is not None and not _blank(cell) and unit_key(_shown(cell)) != unit_key(ind.unit):
            issues.append(issue("unit.mismatch", f, n, cols.get("unit"), _shown(cell), unit=ind.unit,
                                indicator=ind.indicator_id))
            ok = False
        rec["unit"] = ind.unit if ind else None
        # comment
        cell = c.get("comment")
        comment = None if _blank(cell) else _shown(cell)
        if comment and len(comment) > safety.MAX_COMMENT_CHARS:
            issues.append(issue("comment.too_long", f, n, cols.get("comment"), comment, found=len(comment),
                                limit=safety.MAX_COMMENT_CHARS))
            ok = False
        rec["comment"] = comment
        rec["row_ok"] = ok
        parsed.append(rec)

    note = f"skipped {unfilled} template row(s) without municipality, year and value"
    if unfilled and note not in table.notes:
        table.notes.append(note)
    if not parsed and not issues:
        issues.append(issue("rows.none", f, table.header_row))
    df = pd.DataFrame(parsed, columns=["row_number", "municipality_code", "indicator_id", "is_percent", "year",
                                       "value", "unit", "comment", "row_ok"])
    df["year"] = df["year"].astype("Int64")
    df["value"] = df["value"].astype("Float64")
    df["is_percent"] = df["is_percent"].fillna(False).astype(bool)
    if len(df):
        issues.extend(_column_rules(df, table, municipality))
        if pending:
            issues.extend(_conflicts(df, table, pending))
    issues.sort(key=lambda i: (i.row or 0, i.rule))
    return df, issues


# ---------------------------------------------------------------- GX column rules

def _unexpected(df: pd.DataFrame, expectation: Any) -> list[int]:
    """Positional indexes of rows that fail `expectation` on `df` (index must be 0..n-1)."""
    batch = dataframe_batch_definition("submissions").get_batch(batch_parameters={"dataframe": df})
    result = batch.validate(expectation, result_format="COMPLETE")
    if result.success:
        return []
    if result.exception_info and any(v.get("raised_exception") for v in result.exception_info.values()
                                     if isinstance(v, dict)):
        raise RuntimeError(f"GX expectation failed to run: {result.exception_info}")
    return [int(i) for i in (result.result.get("unexpected_index_list") or [])]


def _column_rules(df: pd.DataFrame, table: RawTable, municipality: str) -> list[Issue]:
    import great_expectations as gx

    f, cols = table.file, table.columns
    out: list[Issue] = []
    df = df.reset_index(drop=True)
    rows = df["row_number"].tolist()
    for i in _unexpected(df, gx.expectations.ExpectColumnValuesToBeInSet(
            column="municipality_code", value_set=[municipality])):
        out.append(issue("municipality.mismatch", f, rows[i], cols["municipality"], df.at[i, "municipality_code"],
                         expected=municipality))
    lo, hi = MIN_YEAR, max_year()
    for i in _unexpected(df, gx.expectations.ExpectColumnValuesToBeBetween(column="year", min_value=lo, max_value=hi)):
        out.append(issue("year.range", f, rows[i], cols["year"], df.at[i, "year"], min=lo, max=hi))
    pct = df[df["is_percent"] & df["value"].notna()].reset_index()
    if len(pct):
        for i in _unexpected(pct, gx.expectations.ExpectColumnValuesToBeBetween(column="value", min_value=0,
                                                                                max_value=100)):
            out.append(issue("value.percent_range", f, int(pct.at[i, "row_number"]), cols["value"],
                             _fmt(pct.at[i, "value"])))
    keyed = df.dropna(subset=list(KEY)).reset_index(drop=True)
    if len(keyed) > 1:
        dupes = _unexpected(keyed, gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=list(KEY)))
        first_row: dict[tuple, int] = {}
        for i in range(len(keyed)):
            first_row.setdefault(_key(keyed, i), int(keyed.at[i, "row_number"]))
        for i in dupes:
            k, n = _key(keyed, i), int(keyed.at[i, "row_number"])
            other = first_row[k]
            if other == n:  # the first occurrence points at the next one
                other = next(int(keyed.at[j, "row_number"]) for j in dupes
                             if _key(keyed, j) == k and int(keyed.at[j, "row_number"]) != n)
            out.append(issue("key.duplicate", f, n, cols["indicator"], keyed.at[i, "indicator_id"],
                             indicator=k[1], year=k[2], other_row=other))
    return out


def _key(df: pd.DataFrame, i: int) -> tuple[str, str, int]:
    return (str(df.at[i, "municipality_code"]), str(df.at[i, "indicator_id"]), int(df.at[i, "year"]))


def _fmt(v: Any) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v).replace(".", ",")


def _conflicts(df: pd.DataFrame, table: RawTable, pending: dict[tuple[str, str, int], PendingValue]) -> list[Issue]:
    out = []
    for r in df.itertuples(index=False):
        if pd.isna(r.value) or r.indicator_id is None or pd.isna(r.year) or r.municipality_code is None:
            continue
        other = pending.get((r.municipality_code, r.indicator_id, int(r.year)))
        if other is not None and not math.isclose(other.value, float(r.value), rel_tol=1e-9, abs_tol=1e-12):
            out.append(issue("key.conflict_pending", table.file, int(r.row_number), table.columns["value"],
                             _fmt(r.value), indicator=r.indicator_id, year=int(r.year), other_value=_fmt(other.value),
                             other_file=other.file, other_row=other.row))
    return out


def pending_values(file: str, df: pd.DataFrame) -> dict[tuple[str, str, int], PendingValue]:
    """The parsed, keyed rows of one file, as the conflict rule's `pending` input for other files."""
    out = {}
    for r in df.itertuples(index=False):
        if r.row_ok and not pd.isna(r.value) and r.indicator_id and not pd.isna(r.year) and r.municipality_code:
            out.setdefault((r.municipality_code, r.indicator_id, int(r.year)),
                           PendingValue(file=file, row=int(r.row_number), value=float(r.value)))
    return out
