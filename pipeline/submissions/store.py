"""Where outcomes land: archive (every original, content-hashed), accepted Parquet + log, quarantine reports.

Layout under an intake's root (KOMMUNE_SDG_HOME for real submissions, KOMMUNE_SDG_HOME/demo for the demo's;
`pipeline.paths.Intake`); every accepted row and log line records the intake's origin (real | demo):
  archive/<sha256>.<ext>                       every original, in every outcome
  submissions/accepted/<submission_id>.parquet  normalised rows of one accepted file (docs/contracts.md)
  submissions/log.jsonl                         one line per processed file
  quarantine/<submission_id>/                   original (sanitised name), errors.csv, summary.md
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.paths import Intake
from pipeline.submissions.issues import Issue
from pipeline.submissions.safety import neutralise, sanitise_filename

ACCEPTED_COLUMNS = ["submission_id", "municipality_code", "indicator_id", "year", "value", "unit", "comment",
                    "source_file", "row_number", "content_sha256", "received_at", "origin"]
ACCEPTED_SCHEMA = pa.schema([
    ("submission_id", pa.string()), ("municipality_code", pa.string()), ("indicator_id", pa.string()),
    ("year", pa.int32()), ("value", pa.float64()), ("unit", pa.string()), ("comment", pa.string()),
    ("source_file", pa.string()), ("row_number", pa.int32()), ("content_sha256", pa.string()),
    ("received_at", pa.timestamp("us", tz="UTC")), ("origin", pa.string()),
])
ERROR_COLUMNS = ["fil/file", "rad/row", "kolonne/column", "verdi/value", "regel/rule", "melding", "message"]


@dataclass
class Outcome:
    """What happened to one file. `stage` is `stored` (in the accepted store) or `inbox` (validated by
    `submit` and queued for the sensor), or `quarantine` for rejections."""

    status: str  # accepted | rejected
    file: str  # original file name as handed in
    municipality: str
    submission_id: str
    content_sha256: str
    received_at: dt.datetime
    origin: str = "real"  # the intake's: real | demo
    stage: str = "stored"
    rows: int = 0
    superseded: int = 0  # keys whose earlier accepted value this file replaces
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    format: str | None = None
    encoding: str | None = None
    archive_path: Path | None = None
    accepted_path: Path | None = None
    quarantine_dir: Path | None = None
    inbox_path: Path | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    def to_log(self) -> dict[str, Any]:
        return {
            "submission_id": self.submission_id, "status": self.status, "stage": self.stage, "origin": self.origin,
            "file": self.file,
            "municipality_code": self.municipality, "content_sha256": self.content_sha256,
            "received_at": self.received_at.isoformat(), "rows": self.rows, "superseded": self.superseded,
            "errors": len(self.issues), "rules": sorted({i.rule for i in self.issues}), "format": self.format,
            "encoding": self.encoding, "notes": self.notes,
            "archive_path": str(self.archive_path) if self.archive_path else None,
            "accepted_path": str(self.accepted_path) if self.accepted_path else None,
            "quarantine_dir": str(self.quarantine_dir) if self.quarantine_dir else None,
        }

    def summary_line(self) -> str:
        demo = " [DEMO]" if self.origin == "demo" else ""
        if self.accepted:
            where = "lagt i innboksen / queued in the inbox" if self.stage == "inbox" else "lagret / stored"
            return (f"GODKJENT / ACCEPTED{demo}: {self.file} ({self.municipality}): {self.rows} rader/rows, {where}"
                    + (f", erstatter/supersedes {self.superseded}" if self.superseded else ""))
        return f"AVVIST / REJECTED{demo}: {self.file} ({self.municipality}): {len(self.issues)} feil/errors"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_submission_id(received_at: dt.datetime, content_sha: str) -> str:
    """Sortable by time: later ids supersede earlier ones."""
    return f"{received_at.strftime('%Y%m%dT%H%M%S%fZ')}-{content_sha[:12]}"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def archive(home: Intake, data: bytes, ext: str, content_sha: str) -> Path:
    ext = sanitise_filename(ext or "bin").lower()[:10]
    path = home.archive_dir / f"{content_sha}.{ext}"
    if not path.exists():
        _atomic_write(path, data)
    return path


def accepted_dir(home: Intake) -> Path:
    return home.accepted_dir


def log_path(home: Intake) -> Path:
    return home.submissions_dir / "log.jsonl"


@contextlib.contextmanager
def writer_lock(home: Intake) -> Iterator[None]:
    """One writer at a time (two sensor runs, or a run and the CLI), across processes."""
    home.submissions_dir.mkdir(parents=True, exist_ok=True)
    with (home.submissions_dir / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def append_log(home: Intake, outcome: Outcome) -> None:
    home.submissions_dir.mkdir(parents=True, exist_ok=True)
    with log_path(home).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(outcome.to_log(), ensure_ascii=False) + "\n")


def write_accepted(home: Intake, outcome: Outcome, rows: pd.DataFrame) -> Path:
    """Write the normalised rows; comments are neutralised (they end up in analysts' CSV exports)."""
    df = pd.DataFrame({
        "submission_id": outcome.submission_id,
        "municipality_code": rows["municipality_code"].astype(str),
        "indicator_id": rows["indicator_id"].astype(str),
        "year": rows["year"].astype("int32"),
        "value": rows["value"].astype("float64"),
        "unit": rows["unit"].astype(str),
        "comment": [None if pd.isna(c) else neutralise(c) for c in rows["comment"]],
        "source_file": sanitise_filename(outcome.file),
        "row_number": rows["row_number"].astype("int32"),
        "content_sha256": outcome.content_sha256,
        "received_at": pd.Timestamp(outcome.received_at),
        "origin": home.origin,
    })[ACCEPTED_COLUMNS]
    table = pa.Table.from_pandas(df, schema=ACCEPTED_SCHEMA, preserve_index=False)
    path = accepted_dir(home) / f"{outcome.submission_id}.parquet"
    buf = io.BytesIO()
    pq.write_table(table, buf)
    _atomic_write(path, buf.getvalue())
    return path


def write_quarantine(home: Intake, outcome: Outcome, data: bytes | None) -> Path:
    """The error report, and the original beside it (None for a refused entry: nothing of it was read)."""
    qdir = home.quarantine_dir / outcome.submission_id
    qdir.mkdir(parents=True, exist_ok=True)
    if data is not None:
        _atomic_write(qdir / sanitise_filename(outcome.file), data)
    _atomic_write(qdir / "errors.csv", error_csv(outcome.issues))
    _atomic_write(qdir / "summary.md", summary_markdown(outcome).encode("utf-8"))
    return qdir


def error_csv(issues: list[Issue]) -> bytes:
    """Every finding, `;`-separated UTF-8 with BOM so Excel opens it with æøå intact; cells neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(ERROR_COLUMNS)
    for i in issues:
        w.writerow([neutralise(x) if x is not None else "" for x in
                    (i.file, i.row, i.column, i.value, i.rule, i.message_nb, i.message_en)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _md(s: object) -> str:
    text = str(neutralise("" if s is None else str(s)))
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(outcome: Outcome, max_lines: int = 200) -> str:
    """Readable bilingual summary for the coordinator (Norwegian first)."""
    o = outcome
    by_rule: dict[str, int] = {}
    for i in o.issues:
        by_rule[i.rule] = by_rule.get(i.rule, 0) + 1
    lines = [
        f"# Innsending avvist / Submission rejected: {_md(o.file)}",
        "",
        f"- Kommune / Municipality: {o.municipality}",
        f"- Mottatt / Received: {o.received_at.isoformat()}",
        f"- Innsending-id / Submission id: {o.submission_id}",
        f"- SHA-256: {o.content_sha256}",
        f"- Antall feil / Errors: {len(o.issues)}",
        "",
        "Ingen tall fra denne filen er lagret. Rett feilene under i regnearket og send hele filen på nytt.",
        "No values from this file were stored. Fix the errors below in the spreadsheet and send the whole "
        "file again.",
        "",
        "## Feil per regel / Errors by rule",
        "",
        *[f"- `{r}`: {n}" for r, n in sorted(by_rule.items())],
        "",
        "## Feil / Errors",
        "",
        "| Rad / Row | Kolonne / Column | Verdi / Value | Melding | Message | Regel / Rule |",
        "|---|---|---|---|---|---|",
    ]
    for i in o.issues[:max_lines]:
        lines.append(f"| {i.row if i.row is not None else ''} | {_md(i.column or '')} | {_md(i.value or '')} | "
                     f"{_md(i.message_nb)} | {_md(i.message_en)} | `{i.rule}` |")
    if len(o.issues) > max_lines:
        lines.append(f"\n… og {len(o.issues) - max_lines} til (se errors.csv) / and {len(o.issues) - max_lines} "
                     "more (see errors.csv)")
    return "\n".join(lines) + "\n"


def read_accepted(path: Path, origin: str) -> pd.DataFrame:
    """One accepted file's rows; a file written before origins were recorded takes its intake's origin."""
    table = pq.read_table(path)
    if "origin" not in table.column_names:
        table = table.append_column("origin", pa.array([origin] * table.num_rows, type=pa.string()))
    missing = [c for c in ACCEPTED_COLUMNS if c not in table.column_names]
    if missing:
        raise ValueError(f"{path}: accepted submission file lacks columns {missing}")
    return table.select(ACCEPTED_COLUMNS).cast(ACCEPTED_SCHEMA).to_pandas()


def read_log(home: Intake) -> list[dict[str, Any]]:
    p = log_path(home)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def history(home: Intake) -> pd.DataFrame:
    """Every accepted row ever, oldest first."""
    files = sorted(accepted_dir(home).glob("*.parquet"))
    if not files:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ACCEPTED_COLUMNS})
    df = pd.concat([read_accepted(p, home.origin) for p in files], ignore_index=True)
    return df.sort_values(["received_at", "submission_id", "row_number"], kind="stable").reset_index(drop=True)


def current_values(home: Intake) -> pd.DataFrame:
    """The latest accepted value per (municipality, indicator, year): what dbt should use."""
    df = history(home)
    if df.empty:
        return df
    return df.drop_duplicates(["municipality_code", "indicator_id", "year"], keep="last").reset_index(drop=True)
