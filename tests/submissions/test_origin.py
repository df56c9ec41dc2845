"""Origins: real and demo submissions go through separate intakes, each accepted row and log line records its
origin, and the real intake rejects the bundled demo file."""

from __future__ import annotations

import pyarrow.parquet as pq

from pipeline.demo.submission import demo_submission_bytes
from pipeline.raw_tables import accepted_submissions
from pipeline.submissions import history, process_inbox, read_log, submit
from tests.submissions.conftest import drop
from tests.submissions.corpus import HEADER, ROW_BB, ROW_NET, csv_bytes


def test_each_intake_stores_its_own_origin_apart(home, tmp_path) -> None:
    drop(home, "0301", "oslo.csv", csv_bytes(HEADER, ROW_NET))
    demo = home.demo_intake
    path = tmp_path / "demo_test.csv"
    path.write_bytes(csv_bytes(HEADER, ROW_BB))
    queued = submit(path, "0301", demo)
    assert queued.accepted and queued.inbox_path and queued.inbox_path.is_relative_to(home.root / "demo" / "inbox")
    [real] = process_inbox(home)
    [demo_outcome] = process_inbox(demo)
    assert (real.origin, demo_outcome.origin) == ("real", "demo")
    assert real.accepted_path.parent == home.accepted_dir
    assert demo_outcome.accepted_path.parent == home.root / "demo" / "submissions" / "accepted"
    assert "[DEMO]" in demo_outcome.summary_line() and "[DEMO]" not in real.summary_line()
    # the origin is in the file's own rows and in each log, and neither store holds the other's file
    assert set(pq.read_table(real.accepted_path).column("origin").to_pylist()) == {"real"}
    assert set(pq.read_table(demo_outcome.accepted_path).column("origin").to_pylist()) == {"demo"}
    assert [e["origin"] for e in read_log(home)] == ["real"]
    assert [e["origin"] for e in read_log(demo)] == ["demo"]
    assert set(history(home)["submission_id"]) == {real.submission_id}
    assert set(history(demo)["submission_id"]) == {demo_outcome.submission_id}
    # what a run loads: its own intake's rows only
    assert set(accepted_submissions(home)["origin"]) == {"real"}
    assert set(accepted_submissions(demo)["origin"]) == {"demo"}


def test_a_file_stored_before_origins_takes_its_intakes(home) -> None:
    drop(home, "0301", "old.csv", csv_bytes(HEADER, ROW_NET))
    [o] = process_inbox(home)
    table = pq.read_table(o.accepted_path)
    pq.write_table(table.drop(["origin"]), o.accepted_path)  # as written before this change
    assert history(home)["origin"].tolist() == ["real"]
    assert accepted_submissions(home)["origin"].tolist() == ["real"]


def test_real_intake_rejects_the_demo_file_under_any_name(home) -> None:
    drop(home, "3201", "kpi_2024.csv", demo_submission_bytes())
    [o] = process_inbox(home)
    assert not o.accepted and o.issues[0].rule == "inbox.demo_file"
    assert "kpi_2024.csv" in o.issues[0].message_nb and "DEMO" in o.issues[0].message_en
    assert not list(home.accepted_dir.glob("*.parquet"))
    # the demo intake takes the same bytes
    drop_demo = home.demo_intake.inbox_dir / "3201"
    drop_demo.mkdir(parents=True)
    (drop_demo / "demo_3201_u4ssc.csv").write_bytes(demo_submission_bytes())
    outcomes = process_inbox(home.demo_intake)
    assert all(i.rule != "inbox.demo_file" for out in outcomes for i in out.issues)
