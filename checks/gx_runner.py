"""Run Great Expectations 1.x suites on pandas DataFrames (ephemeral context, one per process).

GX has no working DuckDB SQL datasource here (DESIGN section 9): the submission suite validates its small
DataFrame with GX; the SSB table suites evaluate the same expectations as SQL in DuckDB (checks/ssb_suites.py)
and report them as the same Finding / SuiteRun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.gx import dataframe_batch_definition

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


def validate(suite_name: str, frame: pd.DataFrame, expectations: list[Any]) -> SuiteRun:
    """Validate `expectations` (GX Expectation objects) on `frame`; raise if an expectation crashed."""
    import great_expectations as gx  # noqa: PLC0415

    out = SuiteRun()
    if not expectations:
        return out
    suite = gx.ExpectationSuite(name=suite_name, expectations=expectations)
    batch = dataframe_batch_definition("kommune_sdg_quality").get_batch(
        batch_parameters={"dataframe": frame.reset_index(drop=True)})
    result = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES})
    for r in result.results:
        out.evaluated += 1
        if r.success:
            continue
        cfg = r.expectation_config
        info = r.exception_info or {}
        if info.get("raised_exception"):
            raise RuntimeError(f"GX expectation {cfg.type} in suite {suite_name} crashed: "
                               f"{info.get('exception_message')}")
        res = r.result or {}
        column = cfg.kwargs.get("column")
        examples: list[Any] = list(res.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]
        detail = ""
        if res.get("missing_count"):
            missing = [str(m) for m in res.get("partial_missing_list") or []]
            detail = f"missing {res['missing_count']}: {', '.join(missing[:MAX_EXAMPLES])}"
            examples = examples or missing[:MAX_EXAMPLES]
        elif res.get("observed_value") is not None:
            observed = res["observed_value"]
            if isinstance(observed, list):
                expected = cfg.kwargs.get("value_set") or cfg.kwargs.get("column_list") or []
                missing = sorted(set(map(str, expected)) - set(map(str, observed)))
                extra = sorted(set(map(str, observed)) - set(map(str, expected)))
                parts = []
                if missing:
                    parts.append(f"missing {len(missing)}: {', '.join(missing[:MAX_EXAMPLES])}")
                if extra:
                    parts.append(f"unexpected {len(extra)}: {', '.join(extra[:MAX_EXAMPLES])}")
                detail = "; ".join(parts) or f"observed {observed[:MAX_EXAMPLES]}"
            else:
                detail = f"observed {observed}"
        meta = getattr(cfg, "meta", None) or {}
        if meta.get("why"):
            detail = f"{meta['why']}; {detail}" if detail else meta["why"]
        out.findings.append(Finding(
            suite=suite_name, expectation=cfg.type, column=column,
            unexpected_count=int(res.get("unexpected_count") or 0), element_count=int(res.get("element_count") or 0),
            examples=examples, detail=detail))
    return out
