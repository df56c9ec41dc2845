"""Generated corpus: malformed files (each one fault real spreadsheets produce, with the expected finding)
and good files in every accepted format. All for municipality 0301 against tests/submissions/indicators_test.csv.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook

HEADER = "kommunenummer;indikator;år;verdi;enhet;kommentar"
ROW_NET = "0301;EC: ICT: ICT: 1C;2023;97,5;prosent;Spørreundersøkelse"
ROW_BB = "0301;EC: ICT: ICT: 2C;2023;88,4;per 100 husholdninger;"
ROW_BIKE = "0301;bike_lanes_km;2023;1 234,5;km;Bærum-metoden"


def csv_bytes(*lines: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def good_lines(*extra: str) -> tuple[str, ...]:
    return (HEADER, ROW_NET, ROW_BB, *extra)


def xlsx_bytes(rows: list[list[object]], title: str = "Data", extra: Callable[[Workbook], None] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    if extra:
        extra(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSX_HEADER = ["kommunenummer", "indikator", "år", "verdi", "enhet", "kommentar"]
XLSX_GOOD = [XLSX_HEADER, ["0301", "EC: ICT: ICT: 1C", 2023, 97.5, "prosent", "Tromsø-metoden"],
             ["0301", "fixed_broadband_subscriptions", 2023, 88.4, None, None]]


def zip_with_member(base: bytes, name: str, payload: bytes) -> bytes:
    """A real xlsx with one extra member (e.g. a bomb) added."""
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr(name, payload, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    name: str  # file name as dropped in the inbox
    fault: str  # what a real spreadsheet did
    build: Callable[[], bytes]
    rule: str  # the finding we expect
    row: int | None  # spreadsheet row it names (None: whole file)
    fragment: str  # a piece of the Norwegian message (or value) it must contain


def _formula_xlsx() -> bytes:
    return xlsx_bytes([XLSX_HEADER, ["0301", "EC: ICT: ICT: 1C", 2023, "=50+47.5", "prosent", None]])


def _date_year_xlsx() -> bytes:
    import datetime as dt

    return xlsx_bytes([XLSX_HEADER, ["0301", "EC: ICT: ICT: 1C", dt.datetime(2023, 1, 1), 97.5, "prosent", None]])


def _bomb_total() -> bytes:
    return zip_with_member(xlsx_bytes(XLSX_GOOD), "xl/media/image1.bin", bytes(61 * 1024 * 1024))


def _bomb_ratio() -> bytes:
    return zip_with_member(xlsx_bytes(XLSX_GOOD), "xl/media/image1.bin", bytes(5 * 1024 * 1024))


def _too_many_rows() -> bytes:
    rows = [HEADER] + [f"0301;bike_lanes_km;{2000 + i % 20};{i};km;" for i in range(20_100)]
    return csv_bytes(*rows)


CORPUS: list[Case] = [
    Case("tom.csv", "0-byte file (export cancelled)", lambda: b"", "file.empty", None, "tom"),
    Case("bare_overskrift.csv", "header row only, no data", lambda: csv_bytes(HEADER), "rows.none", 1,
         "ingen datarader"),
    Case("uten_verdi.csv", "value column deleted", lambda: csv_bytes("kommunenummer;indikator;år;enhet",
                                                                      "0301;EC: ICT: ICT: 1C;2023;prosent"),
         "header.missing_columns", 1, "verdi"),
    Case("feilstavet.csv", "header misspelled (indkator)",
         lambda: csv_bytes("kommunenummer;indkator;år;verdi", "0301;EC: ICT: ICT: 1C;2023;97,5"),
         "header.missing_columns", 1, "indikator"),
    Case("dobbel_kolonne.csv", "same field twice (kommunenummer and municipality_code)",
         lambda: csv_bytes("kommunenummer;indikator;år;verdi;municipality_code",
                           "0301;EC: ICT: ICT: 1C;2023;97,5;0301"),
         "header.duplicate_column", 1, "flere ganger"),
    Case("pipe.csv", "exported with | as separator",
         lambda: csv_bytes("kommunenummer|indikator|år|verdi", "0301|EC: ICT: ICT: 1C|2023|97,5"),
         "header.missing_columns", 1, "Påkrevde kolonner mangler"),
    Case("annen_kommune.csv", "a row for another municipality (copied from a neighbour)",
         lambda: csv_bytes(HEADER, ROW_NET, "1103;EC: ICT: ICT: 2C;2023;80;;"), "municipality.mismatch", 3, "1103"),
    Case("kommunenavn.csv", "municipality name instead of code",
         lambda: csv_bytes(HEADER, "Oslo;EC: ICT: ICT: 1C;2023;97,5;;"), "municipality.format", 2, "Oslo"),
    Case("mangler_kommune.csv", "municipality cell left blank",
         lambda: csv_bytes(HEADER, ROW_NET, ";EC: ICT: ICT: 2C;2023;88;;"), "municipality.missing", 3,
         "Kommunenummer mangler"),
    Case("ukjent_kode.csv", "typo in U4SSC code", lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 9Z;2023;5;;"),
         "indicator.unknown", 2, "EC: ICT: ICT: 9Z"),
    Case("u4ssc_utenfor.csv", "U4SSC KPI value outside its plausible range (PM2.5 of 500 µg/m3)",
         lambda: csv_bytes(HEADER, "0301;EN: EN: AQ: 1C;2023;500;µg/m3;"), "value.out_of_range", 2,
         "utenfor det plausible området 0–100"),
    Case("u4ssc_enhet.csv", "U4SSC KPI in another unit than the seed's",
         lambda: csv_bytes(HEADER, "0301;EN: EN: WS: 2C;2023;180;m3;"), "unit.mismatch", 2,
         "liter per innbygger per døgn"),
    Case("ssb_indikator.csv", "indicator that comes from SSB, named by its catalog id",
         lambda: csv_bytes(HEADER, "0301;unemployment_rate;2023;2,1;prosent;"), "indicator.ssb_only", 2,
         "hentes fra SSB"),
    Case("indikatornavn.csv", "indicator name typed instead of code",
         lambda: csv_bytes(HEADER, "0301;Husholdninger med internettilgang;2023;97,5;;"), "indicator.unknown", 2,
         "Husholdninger med internettilgang"),
    Case("mangler_indikator.csv", "indicator cell blank", lambda: csv_bytes(HEADER, ROW_NET, "0301;;2023;5;;"),
         "indicator.missing", 3, "Indikatorkode mangler"),
    Case("gammelt_aar.csv", "year typo 1023", lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;1023;97,5;;"),
         "year.range", 2, "utenfor gyldig område"),
    Case("fremtidig_aar.csv", "a target year entered as data year",
         lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2099;97,5;;"), "year.range", 2, "2099"),
    Case("aarsspenn.csv", "school-year span 2022-2023",
         lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2022-2023;97,5;;"), "year.format", 2, "2022-2023"),
    Case("mangler_aar.csv", "year left blank", lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;;97,5;;"),
         "year.missing", 2, "År mangler"),
    Case("tekstverdi.csv", "value written as text",
         lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;ikke tilgjengelig;;"), "value.format", 2,
         "ikke tilgjengelig"),
    Case("ssb_symbol.csv", "SSB missing-value symbol '..' copied in",
         lambda: csv_bytes(HEADER, "0301;bike_lanes_km;2023;..;;"),
         "value.format", 2, "er ikke et tall"),
    Case("verdi_med_enhet.csv", "unit typed into the value cell",
         lambda: csv_bytes(HEADER, "0301;bike_lanes_km;2023;350 km;;"), "value.format", 2, "350 km"),
    Case("mangler_verdi.csv", "value forgotten", lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;;;"),
         "value.missing", 2, "Verdi mangler"),
    Case("tusenskille.csv", "dot thousands separator and decimal comma",
         lambda: csv_bytes(HEADER, "0301;bike_lanes_km;2023;1.234,5;km;"), "value.ambiguous", 2, "1.234,5"),
    Case("over_100.csv", "percentage above 100", lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;105;;"),
         "value.percent_range", 2, "105"),
    Case("negativ_prosent.csv", "negative percentage", lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;-3;;"),
         "value.percent_range", 2, "-3"),
    Case("prosenttegn.csv", "percent sign on a per-100 indicator",
         lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 2C;2023;88%;;"), "value.percent_sign", 2, "prosenttegn"),
    Case("feil_enhet.csv", "wrong unit", lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;97,5;kg;"),
         "unit.mismatch", 2, "kg"),
    Case("dobbel_rad.csv", "row copy-pasted twice", lambda: csv_bytes(HEADER, ROW_NET, ROW_BB, ROW_NET),
         "key.duplicate", 4, "rad 2"),
    Case("dobbel_via_alias.csv", "same indicator once by U4SSC code, once by id, different values",
         lambda: csv_bytes(HEADER, ROW_NET, "0301;household_internet_access;2023;96;prosent;"),
         "key.duplicate", 3, "household_internet_access"),
    Case("komma_i_kommentar.csv", "comma-separated export, unquoted comma in a comment",
         lambda: csv_bytes("kommunenummer,indikator,år,verdi,enhet,kommentar",
                           "0301,EC: ICT: ICT: 1C,2023,97.5,prosent,tall fra SSB, justert"),
         "csv.ragged_row", 2, "7 felt"),
    Case("aapent_sitat.csv", "unclosed quote in a comment",
         lambda: csv_bytes(HEADER, ROW_NET, '0301;EC: ICT: ICT: 2C;2023;88;;"ikke lukket', ROW_BIKE),
         "csv.parse", 3, "anførselstegn"),
    Case("to_eksporter.csv", "two exports pasted together (header repeated)",
         lambda: csv_bytes(HEADER, ROW_NET, HEADER, ROW_BB), "row.repeated_header", 3, "gjentar overskriften"),
    Case("eksempelrad.csv", "template example row not deleted",
         lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;95,5;prosent;EKSEMPEL – slett denne raden / EXAMPLE – "
                                   "delete this row", ROW_BB), "row.example", 2, "Eksempelraden"),
    Case("lang_kommentar.csv", "a whole report pasted into the comment",
         lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;97,5;;" + "x" * 1500), "comment.too_long", 2,
         "for lang"),
    Case("unicode_tekst.csv", "Excel 'Unicode text' (UTF-16 LE with BOM)",
         lambda: "\ufeff".encode("utf-16-le") + "\r\n".join(good_lines()).encode("utf-16-le"), "file.utf16", None,
         "UTF-16"),
    Case("mojibake.csv", "UTF-8 opened as Windows-1252 and saved as UTF-8 again",
         lambda: csv_bytes(*good_lines()).decode("utf-8").encode("utf-8").decode("cp1252").encode("utf-8"),
         "file.mojibake", None, "Ã"),
    Case("blandet_koding.csv", "UTF-8 file with one line pasted in from a Windows-1252 file",
         lambda: csv_bytes(*good_lines()) + "0301;bike_lanes_km;2023;5;km;Tromsø\r\n".encode("cp1252"),
         "file.mixed_encoding", None, "blander UTF-8"),
    Case("dos_865.csv", "DOS Nordic code page (cp865)", lambda: csv_bytes(*good_lines(ROW_BIKE), encoding="cp865"),
         "file.encoding", None, "gjenkjennes ikke"),
    Case("mac_roman.csv", "old Mac export (Mac Roman)", lambda: csv_bytes(*good_lines(ROW_BIKE), encoding="mac_roman"),
         "file.encoding", None, "gjenkjennes ikke"),
    Case("rapport.csv", "a PDF renamed to .csv", lambda: b"%PDF-1.7\n\x00\x01binary", "file.binary", None, "PDF"),
    Case("gammel.xls", "Excel 97-2003 workbook", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "file.xls",
         None, ".xls"),
    Case("regneark.ods", "LibreOffice spreadsheet", lambda: b"PK\x03\x04odsdata", "file.type", None, ".ods"),
    Case("makro.xlsm", "macro-enabled workbook", lambda: xlsx_bytes(XLSX_GOOD), "xlsx.macro", None, "makroer"),
    Case("tekst_som_xlsx.xlsx", "a CSV renamed to .xlsx", lambda: csv_bytes(*good_lines()), "xlsx.corrupt", None,
         "ikke en zip-fil"),
    Case("avkuttet.xlsx", "upload cut off half-way", lambda: xlsx_bytes(XLSX_GOOD)[:3000], "xlsx.corrupt", None,
         "skadet"),
    Case("formel.xlsx", "formula saved without cached result (written by a script, never opened in Excel)",
         _formula_xlsx, "value.formula", 2, "formel"),
    Case("dato_aar.xlsx", "Excel turned the year into a date", _date_year_xlsx, "year.format", 2, "2023-01-01"),
    Case("mojibake_celle.xlsx", "garbled letters pasted into a cell",
         lambda: xlsx_bytes([XLSX_HEADER, ["0301", "EC: ICT: ICT: 1C", 2023, 97.5, None, "BÃ¦rum kommune"]]),
         "file.mojibake", 2, "BÃ¦rum"),
    Case("zipbombe.xlsx", "zip bomb: expands past the total limit", _bomb_total, "xlsx.zip_bomb", None,
         "pakkes ut til for mye"),
    Case("zipbombe_ratio.xlsx", "zip bomb: one member with an absurd compression ratio", _bomb_ratio,
         "xlsx.zip_bomb", None, "ratio"),
    Case("for_stor.csv", "CSV over the size limit", lambda: b"x" * (5 * 1024 * 1024 + 1), "file.too_large", None,
         "for stor"),
    Case("for_mange_rader.csv", "CSV over the row limit", _too_many_rows, "rows.too_many", None, "for mange rader"),
]


def _data_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet("Data")
    for r in XLSX_GOOD:
        ws.append(r)


GOOD: list[tuple[str, Callable[[], bytes], int]] = [
    ("utf8.csv", lambda: csv_bytes(*good_lines(ROW_BIKE)), 3),
    ("utf8_bom.csv", lambda: csv_bytes(*good_lines(), bom=True), 2),
    ("cp1252.csv", lambda: csv_bytes(*good_lines("0301;bike_lanes_km;2023;1 234,5;km;Ås – «ny» måling"),
                                     encoding="cp1252"), 3),
    ("latin1.csv", lambda: csv_bytes(*good_lines(ROW_BIKE), encoding="latin1"), 3),
    ("komma_punktum.csv", lambda: csv_bytes("kommunenummer,indikator,år,verdi,enhet,kommentar",
                                            '0301,EC: ICT: ICT: 1C,2023,97.5,prosent,"Oslo, bydel 1"',
                                            "0301,bike_lanes_km,2023,1234.5,km,"), 2),
    ("tab.txt", lambda: csv_bytes("kommunenummer\tindikator\tår\tverdi", "0301\tEC: ICT: ICT: 1C\t2023\t97,5"), 1),
    ("sep_hint.csv", lambda: csv_bytes("sep=;", *good_lines()), 2),
    ("tittelrader.csv", lambda: csv_bytes("Rapportering 2023 for Oslo kommune;;;;;", ";;;;;", *good_lines()), 2),
    ("excel_kuttet_null.csv", lambda: csv_bytes(HEADER, "301;EC: ICT: ICT: 1C;2023;97,5;%;"), 1),
    ("blanke_linjer.csv", lambda: csv_bytes(HEADER, "", ROW_NET + "  ", " ; ; ; ; ; ", ROW_BB, ""), 2),
    ("engelsk.csv", lambda: csv_bytes("municipality_code;indicator;year;value;unit;comment",
                                      "0301;ec:ict:ict:1c;2023;97,5;percent;", "0301;EC:ICT:ICT:2C ;2023 ;88,4;;"), 2),
    ("prosent_tegn.csv", lambda: csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;97,5 %;;=HYPERLINK(\"x\")"), 1),
    ("nbsp.csv", lambda: csv_bytes(HEADER, "0301;bike_lanes_km;2023;1\u00a0234,5;km;"), 1),
    ("arbeidsbok.xlsx", lambda: xlsx_bytes(XLSX_GOOD), 2),
    ("tall_som_tekst.xlsx", lambda: xlsx_bytes([XLSX_HEADER, [301, "EC: ICT: ICT: 1C", "2023", "97,5", "%", None]]), 1),
    ("instruksjon_foerst.xlsx", lambda: xlsx_bytes(
        [["Veiledning: fyll ut arket Data"]], title="Les meg",
        extra=_data_sheet), 2),
]
