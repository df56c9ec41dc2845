"""What a quality suite reports: the failed expectations (Finding) and how many ran (SuiteRun).

The suites (checks/ssb_suites.py, checks/submission_suite.py) evaluate Great Expectations' expectations, with
GX's names and semantics, as SQL aggregates in DuckDB: GX 1.x has no working DuckDB SQL datasource here (DESIGN
section 9) and validating in pandas costs seconds per refresh. GX itself validates each submitted file at intake
(pipeline/submissions/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_EXAMPLES = 5


@dataclass
class Finding:
    """One failed expectation: what was expected, how many rows broke it, a few of them."""

    suite: str
    expectation: str
    column: str | None
    unexpected_count: int
    element_count: int
    examples: list[Any] = field(default_factory=list)
    detail: str = ""

    def text(self) -> str:
        col = f" on {self.column}" if self.column else ""
        ex = f", e.g. {', '.join(map(str, self.examples))}" if self.examples else ""
        count = f": {self.unexpected_count} of {self.element_count} rows" if self.element_count else ""
        extra = f" ({self.detail})" if self.detail else ""
        return f"[{self.suite}] {self.expectation}{col}{count}{extra}{ex}"

    def as_dict(self) -> dict[str, Any]:
        return {"suite": self.suite, "expectation": self.expectation, "column": self.column,
                "unexpected_count": self.unexpected_count, "element_count": self.element_count,
                "examples": [str(e) for e in self.examples], "detail": self.detail}


@dataclass
class SuiteRun:
    """The outcome of one or more suites: how many expectations ran and which failed."""

    evaluated: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def extend(self, other: SuiteRun) -> None:
        self.evaluated += other.evaluated
        self.findings.extend(other.findings)
