"""Validation findings: one rule id, one Norwegian and one English message template per rule.

Every finding names the file, row, column, value and rule, so a coordinator can find the cell in
the spreadsheet. Row numbers are the spreadsheet's own (1 = the first line of the file/sheet).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# rule id -> (Norwegian template, English template). Templates may use {value} and rule-specific fields.
RULES: dict[str, tuple[str, str]] = {
    # whole-file rules
    "file.empty": ("Filen er tom.", "The file is empty."),
    "file.too_large": ("Filen er for stor ({size} byte; grense {limit} byte).",
                       "The file is too large ({size} bytes; limit {limit} bytes)."),
    "file.type": ("Filtypen «{value}» støttes ikke. Lagre som CSV (UTF-8) eller Excel-arbeidsbok (.xlsx).",
                  "File type '{value}' is not supported. Save as CSV (UTF-8) or Excel workbook (.xlsx)."),
    "file.xls": ("Gammelt Excel-format (.xls). Åpne filen i Excel og lagre som Excel-arbeidsbok (.xlsx).",
                 "Old Excel format (.xls). Open it in Excel and save as Excel workbook (.xlsx)."),
    "file.binary": ("Filen er ikke en tekstfil (CSV) – den inneholder binære data{detail}.",
                    "The file is not a text (CSV) file – it contains binary data{detail}."),
    "file.utf16": ("Filen er lagret som «Unicode-tekst» (UTF-16). Lagre som «CSV UTF-8 (kommadelt)».",
                   "The file is saved as 'Unicode text' (UTF-16). Save as 'CSV UTF-8 (comma delimited)'."),
    "file.encoding": ("Tegnkodingen gjenkjennes ikke sikkert (ikke UTF-8, Windows-1252 eller latin1{detail}). "
                      "Lagre som «CSV UTF-8».",
                      "The character encoding cannot be recognised safely (not UTF-8, Windows-1252 or "
                      "latin1{detail}). Save as 'CSV UTF-8'."),
    "file.mixed_encoding": ("Filen blander UTF-8 og en annen tegnkoding (ugyldig byte ved posisjon {position}).",
                            "The file mixes UTF-8 with another encoding (invalid byte at offset {position})."),
    "file.mojibake": ("Ødelagte norske tegn («{value}»): filen er trolig konvertert med feil tegnkoding.",
                      "Garbled Norwegian letters ('{value}'): the file was probably converted with the wrong "
                      "encoding."),
    "file.name": ("Filnavnet er ugyldig.", "The file name is not valid."),
    "inbox.symlink": ("«{value}» er en lenke (symlink); lenker følges aldri. Legg selve filen i innboksen.",
                      "'{value}' is a link (symlink); links are never followed. Put the file itself in the inbox."),
    "inbox.hardlink": ("«{value}» er en hard lenke til en annen fil; slike tas ikke imot. Legg en kopi av filen i "
                       "innboksen.",
                       "'{value}' is a hard link to another file and is not accepted. Put a copy of the file in "
                       "the inbox."),
    "inbox.special_file": ("«{value}» er ikke en vanlig fil ({kind}); den er ikke lest.",
                           "'{value}' is not a regular file ({kind}); it was not read."),
    "inbox.directory": ("«{value}» er en mappe, ikke en fil; den er flyttet til karantene uten å bli lest.",
                        "'{value}' is a directory, not a file; it was moved to quarantine unread."),
    "inbox.name": ("Navnet «{value}» kan ikke brukes ({detail}); filen er flyttet til karantene uten å bli lest. "
                   "Gi filen et vanlig navn og send den på nytt.",
                   "The name '{value}' cannot be used ({detail}); the file was moved to quarantine unread. "
                   "Give it a plain name and send it again."),
    "inbox.demo_file": ("«{value}» er den innebygde DEMO-filen (syntetiske tall); den tas bare inn i demo-kjøringer, "
                        "aldri som ekte innsending.",
                        "'{value}' is the bundled DEMO file (synthetic numbers); it is taken in by demo runs only, "
                        "never as a real submission."),
    "inbox.daily_files_limit": ("«{value}» er ikke lest: kommunen har nådd grensen på {limit}. Filen er flyttet "
                                "til karantene uten å bli lest; send den igjen i morgen.",
                                "'{value}' was not read: the municipality reached the limit of {limit}. The file "
                                "was moved to quarantine unread; send it again tomorrow."),
    "inbox.daily_bytes_limit": ("«{value}» er ikke lest: den ville gått over grensen på {limit}. Filen er flyttet "
                                "til karantene uten å bli lest; send den igjen i morgen.",
                                "'{value}' was not read: it would go over the limit of {limit}. The file was "
                                "moved to quarantine unread; send it again tomorrow."),
    "inbox.folder": ("Innboksmappen «{value}» er ikke et gyldig kommunenummer.",
                     "Inbox folder '{value}' is not a valid municipality code."),
    "csv.parse": ("CSV-filen kan ikke leses: {detail}.", "The CSV file cannot be parsed: {detail}."),
    "csv.ragged_row": ("Raden har {found} felt, men overskriften har {expected}. Inneholder et felt skilletegnet "
                       "«{delimiter}» uten anførselstegn?",
                       "The row has {found} fields but the header has {expected}. Does a field contain the "
                       "delimiter '{delimiter}' without quotes?"),
    "xlsx.corrupt": ("Excel-filen er skadet eller ikke en ekte .xlsx-fil ({detail}).",
                     "The Excel file is damaged or not a real .xlsx file ({detail})."),
    "xlsx.zip_bomb": ("Excel-filen pakkes ut til for mye data ({detail}); avvist av sikkerhetshensyn.",
                      "The Excel file expands to too much data ({detail}); rejected for safety."),
    "xlsx.macro": ("Excel-filer med makroer (.xlsm) tas ikke imot. Lagre som Excel-arbeidsbok (.xlsx).",
                   "Excel files with macros (.xlsm) are not accepted. Save as Excel workbook (.xlsx)."),
    "header.missing_columns": ("Påkrevde kolonner mangler: {value}. Fant kolonnene: {found}.",
                               "Required columns are missing: {value}. Columns found: {found}."),
    "header.duplicate_column": ("Kolonnen «{value}» finnes flere ganger (som «{field}»).",
                                "Column '{value}' appears more than once (as '{field}')."),
    "rows.none": ("Filen har overskrift, men ingen datarader.", "The file has a header but no data rows."),
    "rows.too_many": ("Filen har for mange rader ({found}; grense {limit}).",
                      "The file has too many rows ({found}; limit {limit})."),
    "row.repeated_header": ("Raden gjentar overskriften (to eksporter limt sammen?).",
                            "The row repeats the header (two exports pasted together?)."),
    # row rules
    "row.example": ("Eksempelraden fra malen er ikke slettet.", "The template's example row was not deleted."),
    "municipality.missing": ("Kommunenummer mangler.", "Municipality code is missing."),
    "municipality.format": ("«{value}» er ikke et kommunenummer (fire siffer, f.eks. 0301).",
                            "'{value}' is not a municipality code (four digits, e.g. 0301)."),
    "municipality.mismatch": ("Kommunenummer {value} tilhører ikke denne innsendingen (kommune {expected}). En fil "
                              "kan bare inneholde sin egen kommunes tall.",
                              "Municipality {value} does not belong to this submission (municipality "
                              "{expected}). A file may only carry its own municipality's rows."),
    "indicator.missing": ("Indikatorkode mangler.", "Indicator code is missing."),
    "indicator.unknown": ("Ukjent indikator «{value}». Bruk en U4SSC-kode (f.eks. «{example}») eller en "
                          "indikator-id fra malen.",
                          "Unknown indicator '{value}'. Use a U4SSC code (e.g. '{example}') or an indicator id "
                          "from the template."),
    "indicator.ssb_only": ("Indikatoren «{value}» hentes fra SSB og tas ikke imot som innsending.",
                           "Indicator '{value}' is fetched from SSB and is not accepted as a submission."),
    "year.missing": ("År mangler.", "Year is missing."),
    "year.format": ("«{value}» er ikke et årstall (skriv f.eks. 2023).", "'{value}' is not a year (write e.g. 2023)."),
    "year.range": ("Året {value} er utenfor gyldig område {min}–{max}.",
                   "Year {value} is outside the valid range {min}-{max}."),
    "value.missing": ("Verdi mangler.", "Value is missing."),
    "value.format": ("«{value}» er ikke et tall.", "'{value}' is not a number."),
    "value.ambiguous": ("«{value}» kan leses på flere måter (både punktum og komma). Skriv tallet uten "
                        "tusenskille, med desimalkomma.",
                        "'{value}' is ambiguous (both point and comma). Write the number without a thousands "
                        "separator, with a decimal comma."),
    "value.formula": ("Cellen inneholder en formel uten lagret resultat. Lagre filen i Excel på nytt, eller lim inn "
                      "som verdier.",
                      "The cell holds a formula without a stored result. Save the file in Excel again, or paste "
                      "as values."),
    "value.percent_range": ("Prosentverdien {value} er utenfor 0–100.", "Percentage {value} is outside 0-100."),
    "value.out_of_range": ("Verdien {value} er utenfor det plausible området {min}–{max} ({unit}) for {indicator}.",
                           "Value {value} is outside the plausible range {min}-{max} ({unit}) for {indicator}: {why}."),
    "value.percent_sign": ("«{value}» har prosenttegn, men indikatoren måles i «{unit}».",
                           "'{value}' has a percent sign but the indicator is measured in '{unit}'."),
    "unit.mismatch": ("Enheten «{value}» stemmer ikke med katalogen («{unit}») for {indicator}.",
                      "Unit '{value}' does not match the catalog ('{unit}') for {indicator}."),
    "comment.too_long": ("Kommentaren er for lang ({found} tegn; grense {limit}).",
                         "The comment is too long ({found} characters; limit {limit})."),
    "key.duplicate": ("{indicator} for {year} finnes også i rad {other_row}.",
                      "{indicator} for {year} also appears in row {other_row}."),
    "key.conflict_pending": ("{indicator} for {year} har en annen verdi ({other_value}) i en annen ventende fil "
                             "«{other_file}» rad {other_row}.",
                             "{indicator} for {year} has a different value ({other_value}) in another pending "
                             "file '{other_file}' row {other_row}."),
}


@dataclass(frozen=True)
class Issue:
    """One finding. `row` is the spreadsheet row (None for whole-file findings)."""

    rule: str
    file: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message_nb: str = ""
    message_en: str = ""

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"rad/row {self.row}")
        if self.column:
            parts.append(f"kolonne/column «{self.column}»")
        if self.value is not None:
            parts.append(f"verdi/value «{self.value}»")
        return ", ".join(parts)

    def text(self) -> str:
        """One line: where, Norwegian message, English message, rule id."""
        return f"{self.where}: {self.message_nb} / {self.message_en} [{self.rule}]"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def issue(rule: str, file: str, row: int | None = None, column: str | None = None, value: Any = None,
          **fields: Any) -> Issue:
    """Build an Issue from the rule's templates."""
    nb, en = RULES[rule]
    shown = None if value is None else _shorten(str(value))
    fmt = {"value": shown if shown is not None else "", "detail": "", **fields}
    return Issue(rule=rule, file=file, row=row, column=column, value=shown,
                 message_nb=nb.format(**fmt), message_en=en.format(**fmt))


def _shorten(s: str, limit: int = 80) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


class FileRejected(Exception):  # noqa: N818 - a signal, not a bug
    """Raised while reading when the whole file cannot be used; carries the findings."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(i.text() for i in issues))
        self.issues = issues
