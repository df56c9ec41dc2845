"""GX suite on the accepted submissions as loaded into raw.submission_values (all versions).

The file validator (pipeline/submissions) checks each file on its own; this suite checks what the
refresh actually loads: known municipalities and submittable indicators (or U4SSC KPIs), years in range, values present
and plausible for the indicator's unit, one row per (submission, municipality, indicator, year), and the
provenance columns every value needs.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from checks.gx_runner import SuiteRun, validate
from checks.ssb_suites import quality_config
from pipeline.raw_tables import SUBMISSION_COLUMNS
from pipeline.submissions.catalog import indicator_index

MIN_YEAR = 2000


def run_submission_suite(frame: pd.DataFrame, municipalities: list[str]) -> tuple[SuiteRun, SuiteRun]:
    """(structural run, plausibility run): the first blocks publishing, the second only warns, because a
    value outside the unit's usual range can be real; the marts' own tests are the hard limit there."""
    import great_expectations as gx  # noqa: PLC0415
    from great_expectations.expectations.row_conditions import Column  # noqa: PLC0415

    e = gx.expectations
    indicators = indicator_index().submittable  # catalog submission indicators and U4SSC KPIs
    out = validate("submissions", frame, [
        e.ExpectTableColumnsToMatchOrderedList(column_list=list(SUBMISSION_COLUMNS),
                                               meta={"why": "raw.submission_values columns"}),
    ])
    plausible = SuiteRun()
    if frame.empty or out.findings:
        return out, plausible
    max_year = dt.datetime.now(dt.UTC).year
    checks = [
        e.ExpectColumnValuesToBeInSet(column="municipality_code", value_set=sorted(municipalities),
                                      meta={"why": "municipality of the target structure"}),
        e.ExpectColumnValuesToBeInSet(column="indicator_id", value_set=sorted(i.indicator_id for i in indicators),
                                      meta={"why": "submittable indicator of the catalog or U4SSC KPI"}),
        e.ExpectColumnValuesToBeBetween(column="year", min_value=MIN_YEAR, max_value=max_year,
                                        meta={"why": f"year {MIN_YEAR}-{max_year}"}),
        e.ExpectCompoundColumnsToBeUnique(column_list=["submission_id", "municipality_code", "indicator_id", "year"],
                                          meta={"why": "one row per key within a submission"}),
        e.ExpectColumnValuesToBeInSet(column="origin", value_set=["real", "demo"],
                                      meta={"why": "the intake it came through (checks/demo_separation.py)"}),
    ]
    checks += [e.ExpectColumnValuesToNotBeNull(column=c, meta={"why": "provenance"})
               for c in ("submission_id", "municipality_code", "indicator_id", "year", "value", "source_file",
                         "content_sha256", "received_at", "origin")]
    out.extend(validate("submissions", frame, checks))
    ranges = quality_config()["submissions"]["unit_ranges"]
    checks = []
    present = set(frame["indicator_id"])
    for ind in (i for i in indicators if i.indicator_id in present):
        # a U4SSC KPI's plausible range (u4ssc_kpi_codes seed) where it has one, else the unit's usual range
        lo, hi = (ind.kpi.range_min, ind.kpi.range_max) if ind.kpi else ranges.get(ind.unit, ranges["default"])
        checks.append(e.ExpectColumnValuesToBeBetween(
            column="value", min_value=lo, max_value=hi, row_condition=Column("indicator_id") == ind.indicator_id,
            meta={"why": f"{ind.indicator_id} ({ind.unit}) within [{lo}, {hi}]"}))
    plausible.extend(validate("submissions_plausible", frame, checks))
    return out, plausible
