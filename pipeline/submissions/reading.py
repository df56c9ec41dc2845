"""Read a submitted file (CSV or .xlsx) into a RawTable: header mapping + raw cells with row numbers.

Nothing here judges the values; it only gets the cells out safely (size limits, zip-bomb guard,
encoding detection, delimiter detection, title rows above the header, Excel's `sep=;` line).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from pipeline.submissions import safety
from pipeline.submissions.decoding import decode_bytes, find_mojibake
from pipeline.submissions.issues import FileRejected, Issue, issue

REQUIRED = ("municipality", "indicator", "year", "value")
OPTIONAL = ("unit", "comment")
# Norwegian header first (what the template uses), then accepted aliases.
HEADERS: dict[str, tuple[str, ...]] = {
    "municipality": ("kommunenummer", "kommunenr", "kommune_nr", "kommunekode", "knr", "komnr",
                     "municipality_code", "municipality", "municipality_number", "kommune_nummer"),
    "indicator": ("indikator", "indikatorkode", "indikator_id", "indikator_kode", "u4ssc_kode", "u4ssc", "kpi",
                  "indicator", "indicator_id", "indicator_code"),
    "year": ("år", "aar", "årstall", "statistikkår", "year"),
    "value": ("verdi", "tall", "value"),
    "unit": ("enhet", "måleenhet", "unit"),
    "comment": ("kommentar", "kommentarer", "merknad", "comment", "comments", "note", "notes"),
}
NB_HEADER = {f: names[0] for f, names in HEADERS.items()}
_ALIAS = {alias: f for f, names in HEADERS.items() for alias in names}
_HEADER_SCAN_ROWS = 20
_PREFERRED_SHEETS = ("data", "innrapportering", "verdier")


@dataclass
class RawRow:
    number: int  # spreadsheet row number (1-based, as the coordinator sees it)
    cells: dict[str, Any]  # field -> raw cell (str for CSV; str/int/float/datetime/None for xlsx)


@dataclass
class RawTable:
    file: str
    format: str  # csv | xlsx
    columns: dict[str, str]  # field -> header text as written in the file
    rows: list[RawRow]
    header_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    issues: list[Issue] = field(default_factory=list)  # non-fatal read findings (e.g. garbled text in a cell)
    notes: list[str] = field(default_factory=list)  # informational (ignored columns, skipped title rows)


def normalise_header(text: Any) -> str:
    s = "" if text is None else str(text)
    s = s.replace("\ufeff", "").replace("\xa0", " ").strip().strip("*:").strip().lower()
    return re.sub(r"[\s\-/]+", "_", s)


def _map_header(cells: list[Any]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, c in enumerate(cells):
        f = _ALIAS.get(normalise_header(c))
        if f:
            found.setdefault(f, []).append(i)
    return found


def _find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, dict[str, list[int]]] | None:
    """The first of the top rows that names at least three required columns (title rows may sit above it)."""
    for idx, (_, cells) in enumerate(rows[:_HEADER_SCAN_ROWS]):
        mapping = _map_header(cells)
        if sum(1 for f in REQUIRED if f in mapping) >= 3:
            return idx, mapping
    return None


def read_submission(data: bytes, file: str) -> RawTable:
    """Dispatch on the extension; raises FileRejected for anything that cannot become a table."""
    ext = safety.file_extension(file)
    if not data:
        raise FileRejected([issue("file.empty", file)])
    if ext in ("csv", "txt", "tsv"):
        return read_csv(data, file)
    if ext == "xlsx":
        return read_xlsx(data, file)
    if ext == "xlsm":
        raise FileRejected([issue("xlsx.macro", file)])
    if ext == "xls":
        raise FileRejected([issue("file.xls", file)])
    raise FileRejected([issue("file.type", file, value="." + ext if ext else "(ingen/none)")])


# ---------------------------------------------------------------- CSV

def read_csv(data: bytes, file: str) -> RawTable:
    if len(data) > safety.MAX_CSV_BYTES:
        raise FileRejected([issue("file.too_large", file, size=len(data), limit=safety.MAX_CSV_BYTES)])
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected([issue("file.xls", file)])
    decoded = decode_bytes(data, file)
    text = decoded.text
    first_line_no = 1
    forced = None
    m = re.match(r"sep=(.)\r?\n", text)
    if m:  # Excel's delimiter hint line
        forced, text, first_line_no = m.group(1), text[m.end():], 2
    candidates = [forced] if forced else [";", ",", "\t"]
    best: tuple[str, list[tuple[int, list[str]]], tuple[int, dict[str, list[int]]] | None] | None = None
    for delim in candidates:
        rows = _parse_csv(text, delim, file, first_line_no, head_only=True)
        header = _find_header(rows)
        if header:
            best = (delim, rows, header)
            break
        if best is None or _width(rows) > _width(best[1]):
            best = (delim, rows, None)
    assert best is not None
    delim = best[0]
    rows = _parse_csv(text, delim, file, first_line_no, head_only=False)
    table = _build_table(rows, file, "csv", ragged_delimiter=delim)
    table.encoding, table.delimiter = decoded.encoding, delim
    return table


def _width(rows: list[tuple[int, list[str]]]) -> int:
    return max((len(c) for _, c in rows[:5]), default=0)


def _parse_csv(text: str, delim: str, file: str, first_line_no: int, head_only: bool) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    out: list[tuple[int, list[str]]] = []
    start = first_line_no
    try:
        for cells in reader:
            out.append((start, cells))
            start = reader.line_num + first_line_no
            if head_only and len(out) >= _HEADER_SCAN_ROWS:
                break
            if len(out) > safety.MAX_ROWS + _HEADER_SCAN_ROWS:
                raise FileRejected([issue("rows.too_many", file, found=f">{safety.MAX_ROWS}", limit=safety.MAX_ROWS)])
    except csv.Error as e:
        if head_only:
            return out
        detail = f"{e} (raden starter på linje {start} / the record starts on line {start}; mangler et "
        detail += "avsluttende anførselstegn? / missing closing quote?)"
        raise FileRejected([issue("csv.parse", file, row=start, detail=detail)]) from e
    return out


# ---------------------------------------------------------------- XLSX

def check_xlsx_container(data: bytes, file: str) -> None:
    """Size, zip and zip-bomb checks before openpyxl sees the bytes (it would expand everything in memory)."""
    if len(data) > safety.MAX_XLSX_BYTES:
        raise FileRejected([issue("file.too_large", file, size=len(data), limit=safety.MAX_XLSX_BYTES)])
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected([issue("file.xls", file)])
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise FileRejected([issue("xlsx.corrupt", file, detail="ikke en zip-fil / not a zip archive")]) from e
    with zf:
        infos = zf.infolist()
        if len(infos) > safety.MAX_XLSX_MEMBERS:
            raise FileRejected([issue("xlsx.zip_bomb", file, detail=f"{len(infos)} members")])
        declared = sum(i.file_size for i in infos)
        if declared > safety.MAX_XLSX_UNCOMPRESSED:
            detail = f"{declared} bytes > {safety.MAX_XLSX_UNCOMPRESSED}"
            raise FileRejected([issue("xlsx.zip_bomb", file, detail=detail)])
        for i in infos:
            if i.file_size > 1_000_000 and i.file_size > safety.MAX_XLSX_RATIO * max(i.compress_size, 1):
                ratio = i.file_size // max(i.compress_size, 1)
                raise FileRejected([issue("xlsx.zip_bomb", file, detail=f"{i.filename}: ratio {ratio}:1")])
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
            raise FileRejected([issue("xlsx.corrupt", file, detail="ingen regneark / no worksheets")])
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise FileRejected([issue("xlsx.macro", file)])
        # Headers can lie about sizes: stream every member with a hard cap on what it really expands to.
        total = 0
        for i in infos:
            try:
                with zf.open(i) as fh:
                    while chunk := fh.read(1 << 16):
                        total += len(chunk)
                        if total > safety.MAX_XLSX_UNCOMPRESSED:
                            detail = f">{safety.MAX_XLSX_UNCOMPRESSED} bytes"
                            raise FileRejected([issue("xlsx.zip_bomb", file, detail=detail)])
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:  # bad CRC, truncated, encrypted
                raise FileRejected([issue("xlsx.corrupt", file, detail=f"{i.filename}: {e}")]) from e


def read_xlsx(data: bytes, file: str) -> RawTable:
    check_xlsx_container(data, file)
    import openpyxl

    try:
        wb_values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        wb_formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many types for broken files
        raise FileRejected([issue("xlsx.corrupt", file, detail=type(e).__name__)]) from e
    try:
        names = wb_values.sheetnames
        order = sorted(names, key=lambda n: 0 if n.strip().lower() in _PREFERRED_SHEETS else 1)
        chosen = None
        for name in order:
            rows = _sheet_rows(wb_values[name], wb_formulas[name], limit=_HEADER_SCAN_ROWS)
            if _find_header([(n, c) for n, c, _ in rows]):
                chosen = name
                break
        chosen = chosen or names[0]
        rows = _sheet_rows(wb_values[chosen], wb_formulas[chosen], limit=safety.MAX_ROWS + _HEADER_SCAN_ROWS + 1)
    finally:
        wb_values.close()
        wb_formulas.close()
    if len(rows) > safety.MAX_ROWS + _HEADER_SCAN_ROWS:
        raise FileRejected([issue("rows.too_many", file, found=f">{safety.MAX_ROWS}", limit=safety.MAX_ROWS)])
    formulas = {n: f for n, _, f in rows}
    table = _build_table([(n, c) for n, c, _ in rows], file, "xlsx", ragged_delimiter=None, formulas=formulas)
    table.sheet = chosen
    return table


_FORMULA = object()  # marker: a formula cell without a cached result


def _sheet_rows(ws_values: Any, ws_formulas: Any, limit: int) -> list[tuple[int, list[Any], set[int]]]:
    """(row number, values, indexes of formula cells without a cached value)."""
    out = []
    vals = ws_values.iter_rows(values_only=True)
    forms = ws_formulas.iter_rows(values_only=True)
    for n, (v, f) in enumerate(zip(vals, forms, strict=False), start=1):
        v = list(v)
        missing = {i for i, (a, b) in enumerate(zip(v, f, strict=False))
                   if a is None and isinstance(b, str) and b.startswith("=")}
        out.append((n, v, missing))
        if len(out) >= limit:
            break
    return out


# ---------------------------------------------------------------- common

def _build_table(rows: list[tuple[int, list[Any]]], file: str, fmt: str, ragged_delimiter: str | None,
                 formulas: dict[int, set[int]] | None = None) -> RawTable:
    rows = [(n, c) for n, c in rows if not _blank(c)]
    if not rows:
        raise FileRejected([issue("file.empty", file)])
    found = _find_header(rows)
    if found is None:
        best = max(rows[:_HEADER_SCAN_ROWS], key=lambda r: len(_map_header(r[1])))
        mapping = _map_header(best[1])
        missing = [NB_HEADER[f] for f in REQUIRED if f not in mapping]
        seen = ", ".join(f"«{c}»" for c in best[1] if c not in (None, "")) or "(ingen/none)"
        raise FileRejected([issue("header.missing_columns", file, row=best[0], value=", ".join(missing),
                                  found=seen[:200])])
    idx, mapping = found
    header_no, header_cells = rows[idx]
    issues: list[Issue] = []
    missing = [NB_HEADER[f] for f in REQUIRED if f not in mapping]
    if missing:
        seen = ", ".join(f"«{c}»" for c in header_cells if c not in (None, ""))
        issues.append(issue("header.missing_columns", file, row=header_no, value=", ".join(missing), found=seen))
    for f, cols in mapping.items():
        if len(cols) > 1:
            issues.append(issue("header.duplicate_column", file, row=header_no, column=str(header_cells[cols[1]]),
                                value=header_cells[cols[1]], field=NB_HEADER[f]))
    if issues:
        raise FileRejected(issues)
    columns = {f: str(header_cells[cols[0]]).strip() for f, cols in mapping.items()}
    notes = []
    if idx:
        notes.append(f"skipped {idx} row(s) above the header")
    used = {cols[0] for cols in mapping.values()}
    ignored = [str(c) for i, c in enumerate(header_cells) if i not in used and c not in (None, "")]
    if ignored:
        notes.append("ignored columns: " + ", ".join(ignored))
    width = max(used) + 1
    named_width = len(header_cells)
    while named_width and header_cells[named_width - 1] in (None, ""):
        named_width -= 1
    header_norm = [normalise_header(c) for c in header_cells]
    out: list[RawRow] = []
    for n, cells in rows[idx + 1:]:
        if ragged_delimiter is not None and len(cells) > max(named_width, width) and any(
                str(c).strip() for c in cells[named_width:]):
            issues.append(issue("csv.ragged_row", file, row=n, value=ragged_delimiter.join(cells),
                                found=len(cells), expected=named_width, delimiter=ragged_delimiter))
            continue
        if [normalise_header(c) for c in cells[: len(header_norm)]] == header_norm:
            issues.append(issue("row.repeated_header", file, row=n))
            continue
        row = {}
        for f, cols in mapping.items():
            i = cols[0]
            row[f] = _FORMULA if formulas and i in formulas.get(n, ()) else (cells[i] if i < len(cells) else None)
            if isinstance(row[f], str):
                garbled = find_mojibake(row[f])
                if garbled:
                    issues.append(issue("file.mojibake", file, row=n, column=columns[f], value=garbled))
        out.append(RawRow(number=n, cells=row))
    if not out and not issues:
        raise FileRejected([issue("rows.none", file, row=header_no)])
    return RawTable(file=file, format=fmt, columns=columns, rows=out, header_row=header_no, issues=issues,
                    notes=notes)


def is_formula_without_value(cell: Any) -> bool:
    return cell is _FORMULA


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
