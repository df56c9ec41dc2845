"""The demo municipal submission: a synthetic U4SSC KPI file for one municipality, written the way
municipalities export from Excel (`;`, decimal comma, UTF-8 with BOM), handed in through the intake code
that real files go through, but queued in the demo's own intake (KOMMUNE_SDG_HOME/demo/, origin demo):
only demo runs queue it and only demo runs load it (`pipeline.raw_tables.accepted_submissions`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline.catalog import load_indicators
from pipeline.demo.snapshot import _rng
from pipeline.paths import Home
from pipeline.submissions.catalog import code_key, load_u4ssc_kpis

DEMO_MUNICIPALITY = "3201"  # Bærum, a member of the national SDG network
DEMO_FILE = f"demo_{DEMO_MUNICIPALITY}_u4ssc.csv"
DEMO_YEARS = (2022, 2023, 2024)


class DemoSubmissionRejected(RuntimeError):
    """The intake rejected the bundled demo file: the catalog and the demo have drifted apart."""


def demo_submission_bytes() -> bytes:
    rows = ["kommunenummer;indikator;år;verdi;enhet;kommentar"]
    for ind in load_indicators():
        if ind["source_type"] != "submission":
            continue
        rng = _rng("submission", ind["indicator_id"])
        top = float(ind["ub"] or 100)
        level = top * rng.uniform(0.75, 0.95)
        for i, year in enumerate(DEMO_YEARS):
            value = min(top, level * (1 + 0.01 * i))
            code = ind["u4ssc_code"] or ind["indicator_id"]
            rows.append(f"{DEMO_MUNICIPALITY};{code};{year};{value:.1f}".replace(".", ",")
                        + f";{ind['unit']};DEMO-data (syntetisk) / DEMO data (synthetic)")
    rows.extend(_u4ssc_only_rows())
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")


def _u4ssc_only_rows() -> list[str]:
    """U4SSC KPIs no catalog indicator carries: a value inside each KPI's plausible range (20-60% of the way)."""
    carried = {code_key(i["u4ssc_code"]) for i in load_indicators() if i["u4ssc_code"]}
    rows = []
    for kpi in load_u4ssc_kpis():
        if code_key(kpi.code) in carried:
            continue
        rng = _rng("submission", kpi.kpi_id)
        level = kpi.range_min + (kpi.range_max - kpi.range_min) * rng.uniform(0.2, 0.6)
        for i, year in enumerate(DEMO_YEARS):
            value = min(kpi.range_max, level * (1 + 0.01 * i))
            rows.append(f"{DEMO_MUNICIPALITY};{kpi.code};{year};{value:.1f}".replace(".", ",")
                        + f";{kpi.unit};DEMO-data (syntetisk) / DEMO data (synthetic)")
    return rows


def ensure_demo_submission(home: Home) -> Path | None:
    """Queue the demo file in the demo intake's inbox once (through `submit`, the coordinators' path); None if
    done before. Called by demo runs only."""
    from pipeline.submissions.process import submit  # noqa: PLC0415

    intake = home.demo_intake
    queued = (intake.inbox_dir / DEMO_MUNICIPALITY / DEMO_FILE).exists()
    if queued or demo_in_log(home):  # already waiting in the inbox, or processed by an earlier refresh
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / DEMO_FILE
        path.write_bytes(demo_submission_bytes())
        outcome = submit(path, DEMO_MUNICIPALITY, intake)
    if not outcome.accepted:
        raise DemoSubmissionRejected("; ".join(i.text() for i in outcome.issues[:5]))
    return outcome.inbox_path


def demo_in_log(home: Home) -> bool:
    """Whether an earlier refresh already processed the demo file (its name is in the demo intake's log)."""
    log = home.demo_intake.submissions_dir / "log.jsonl"
    return log.exists() and f'"{DEMO_FILE}"' in log.read_text(encoding="utf-8")
