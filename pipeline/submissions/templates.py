"""Submission templates generated from the indicator catalog: CSV (`;`, UTF-8 with BOM) and .xlsx.

Both have the Norwegian headers, one example row (rejected if left in: rule `row.example`), and one
pre-filled row per submittable indicator and U4SSC KPI (code + unit); rows left without municipality, year and value
are skipped when the file comes back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

from pipeline.submissions.catalog import Indicator, indicator_index
from pipeline.submissions.reading import NB_HEADER
from pipeline.submissions.rules import EXAMPLE_COMMENT
from pipeline.submissions.safety import neutralise

CSV_NAME = "innrapportering_mal.csv"
XLSX_NAME = "innrapportering_mal.xlsx"
HEADER = [NB_HEADER[f] for f in ("municipality", "indicator", "year", "value", "unit", "comment")]
INFO_HEADER = "indikatornavn (info)"  # not read back: an unknown column, ignored on import

GUIDE_NB = [
    "Slik fyller du ut malen",
    "Én rad per indikator og år. Fyll inn kommunenummer (fire siffer, f.eks. 0301), år og verdi.",
    "Indikator: U4SSC-kode (f.eks. «EC: ICT: ICT: 1C») eller indikator-id fra arket «Indikatorer».",
    "Verdi: tall med desimalkomma eller punktum, uten tusenskille. Prosent som 0–100.",
    "Enhet kan stå tom; fylles den ut, må den være katalogens enhet. Verdien må ligge i det plausible området "
    "(arket «Indikatorer»).",
    "Slett eksempelraden. Rader uten kommunenummer, år og verdi hoppes over.",
    "Filen godtas bare hvis alle rader er riktige; ellers får du en feilrapport med alle feil.",
]
GUIDE_EN = [
    "How to fill in the template",
    "One row per indicator and year. Fill in municipality code (four digits, e.g. 0301), year and value.",
    "Indicator: a U4SSC code (e.g. 'EC: ICT: ICT: 1C') or an indicator id from the 'Indikatorer' sheet.",
    "Value: a number with decimal comma or point, no thousands separator. Percentages as 0-100.",
    "Unit may be left blank; if filled in it must be the catalog's unit. The value must lie in the plausible "
    "range (sheet 'Indikatorer').",
    "Delete the example row. Rows without municipality code, year and value are skipped.",
    "The file is accepted only if every row is right; otherwise you get an error report listing all errors.",
]


def _code(i: Indicator) -> str:
    return i.u4ssc_code or i.indicator_id


def template_rows() -> list[list[str]]:
    """Header, example row, one pre-filled row per submittable indicator (all strings)."""
    inds = indicator_index().submittable
    year = str(dt.datetime.now(dt.UTC).year - 1)
    rows = [HEADER + [INFO_HEADER]]
    if inds:
        ex = inds[0]
        rows.append(["0301", _code(ex), year, "95,5" if ex.is_percent else "12,5", ex.unit, EXAMPLE_COMMENT,
                     ex.name_nb])
    for i in inds:
        rows.append(["", _code(i), "", "", i.unit, "", i.name_nb])
    return [[str(neutralise(c)) for c in r] for r in rows]


def write_templates(out_dir: Path | str) -> list[Path]:
    """Write the CSV and .xlsx templates into `out_dir`; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = template_rows()
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    csv_path = out / CSV_NAME
    _write(csv_path, ("\ufeff" + buf.getvalue()).encode("utf-8"))
    xlsx_path = out / XLSX_NAME
    _write(xlsx_path, _xlsx_bytes(rows))
    return [csv_path, xlsx_path]


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    for r in rows:
        ws.append(r)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col in ("A", "C"):  # keep leading zeros in municipality codes; years as typed
        for cell in ws[col]:
            cell.number_format = "@"
    for col, width in zip("ABCDEFG", (16, 22, 8, 12, 24, 40, 50), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    cat = wb.create_sheet("Indikatorer")
    cat.append(["indikator", "indikator_id", "u4ssc_kode", "navn", "name", "enhet", "plausibel_min", "plausibel_maks",
                "begrunnelse (rationale)"])
    for i in indicator_index().submittable:
        lo, hi, why = (i.kpi.range_min, i.kpi.range_max, i.kpi.range_rationale) if i.kpi else ("", "", "")
        cat.append([str(neutralise(x)) for x in (_code(i), i.indicator_id, i.u4ssc_code, i.name_nb, i.name_en,
                                                 i.unit)] + [lo, hi, str(neutralise(why))])
    guide = wb.create_sheet("Veiledning")
    for nb, en in zip(GUIDE_NB, GUIDE_EN, strict=True):
        guide.append([nb, en])
    guide.column_dimensions["A"].width = guide.column_dimensions["B"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
