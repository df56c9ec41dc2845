"""The quality report of one run as plain data: one row per asset check, plus the run's outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from checks.kinds import DBT, DRIFT, GX, PYTHON, UNKNOWN

# How each check kind (checks/kinds.py) reads in the report (JSON, HTML, Markdown).
KIND_LABELS = {GX: "GX suite", DRIFT: "drift", PYTHON: "python", DBT: "dbt test", UNKNOWN: "unknown"}
STATUS_ORDER = {"failed": 0, "not run": 1, "passed": 2}


@dataclass
class CheckRow:
    asset: str
    check: str
    kind: str  # a value of KIND_LABELS: "GX suite" | "drift" | "python" | "dbt test" | "unknown"
    status: str  # "passed" | "failed" | "not run"
    severity: str
    blocking: bool | None
    description: str = ""
    failed_count: int | None = None
    examples: list[str] = field(default_factory=list)


@dataclass
class QualityReport:
    run_id: str
    job: str
    status: str
    started_at: str | None
    finished_at: str | None
    published: bool
    source: str
    checks: list[CheckRow] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def counts(self) -> dict[str, int]:
        out = {"total": len(self.checks), "passed": 0, "failed": 0, "not run": 0, "failed_blocking": 0}
        for c in self.checks:
            out[c.status] += 1
            if c.status == "failed" and c.severity == "ERROR" and c.blocking:
                out["failed_blocking"] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["counts"] = self.counts
        return d
