"""A file is taken only once complete (settled), files the product queues skip the wait, and the daily limits
per municipality quarantine what goes over them unread, with a message naming the limit."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
import pytest

from pipeline.resources import build_resources
from pipeline.sensors import submission_sensor
from pipeline.settings import Settings
from pipeline.submissions import process_inbox, read_log, submit
from pipeline.submissions.intake import IntakePolicy
from testkit.slow_writer import start_slow_write
from tests.submissions.conftest import drop, resources, settle
from tests.submissions.corpus import HEADER, ROW_BB, ROW_NET, csv_bytes


def test_fresh_file_waits_for_the_settle_period_then_is_taken(home) -> None:
    p = drop(home, "0301", "ok.csv", csv_bytes(HEADER, ROW_NET), settled=False)
    said: list[str] = []
    assert process_inbox(home, IntakePolicy(settle_seconds=30), log=said.append) == []
    assert p.exists() and read_log(home) == []  # no outcome: it waits
    assert len(said) == 1 and "0301/ok.csv" in said[0] and "settle period of 30 s" in said[0]
    settle(p, ago_s=31)
    [o] = process_inbox(home, IntakePolicy(settle_seconds=30))
    assert o.accepted and not p.exists()


def test_a_file_being_written_is_never_taken_half(home) -> None:
    """A real slow writer appends rows while the inbox is processed again and again: no partial take."""
    rows = [ROW_NET, ROW_BB]
    body = csv_bytes(HEADER, *rows)
    target = home.inbox_dir / "0301" / "slow.csv"
    target.parent.mkdir(parents=True)

    t = start_slow_write(target, body)
    policy = IntakePolicy(settle_seconds=1.0)
    taken = []
    while t.is_alive():
        taken += process_inbox(home, policy)
        time.sleep(0.1)
    t.join()
    assert taken == [], [o.summary_line() for o in taken]
    time.sleep(1.1)
    [o] = process_inbox(home, policy)
    assert o.accepted and o.rows == len(rows)


def test_files_the_product_queues_skip_the_wait(home, tmp_path: Path) -> None:
    mine = tmp_path / "kpi.csv"
    mine.write_bytes(csv_bytes(HEADER, ROW_NET))
    queued = submit(mine, "0301", home)
    assert queued.accepted and queued.inbox_path is not None
    hand = drop(home, "0301", "by_hand.csv", csv_bytes(HEADER, ROW_BB), settled=False)
    [o] = process_inbox(home, IntakePolicy(settle_seconds=3600))
    assert o.accepted and o.file == "kpi.csv" and hand.exists()
    assert not list((home.submissions_dir / "queued").glob("*.json"))  # the marker went with the file


def test_a_queued_file_changed_afterwards_loses_the_exemption(home, tmp_path: Path) -> None:
    mine = tmp_path / "kpi.csv"
    mine.write_bytes(csv_bytes(HEADER, ROW_NET))
    path = submit(mine, "0301", home).inbox_path
    assert path is not None
    with path.open("ab") as fh:  # someone appends to it in the inbox
        fh.write(b"0301;EC: ICT: ICT: 1C;2022;90;;\r\n")
    assert process_inbox(home, IntakePolicy(settle_seconds=3600)) == []
    assert path.exists()


def test_daily_file_limit_quarantines_the_extra_file_unread(home) -> None:
    first = drop(home, "0301", "a.csv", csv_bytes(HEADER, ROW_NET))
    time.sleep(0.01)
    second = drop(home, "0301", "b.csv", csv_bytes(HEADER, ROW_BB), settled=False)
    settle(second, ago_s=3000)  # newer than a.csv: taken after it
    other = drop(home, "1103", "c.csv", csv_bytes(HEADER, ROW_NET.replace("0301", "1103")))
    policy = IntakePolicy(max_files_per_day=1)
    outcomes = {o.file: o for o in process_inbox(home, policy)}
    assert outcomes["a.csv"].accepted and outcomes["c.csv"].accepted  # the other municipality has its own
    over = outcomes["b.csv"]
    assert not over.accepted and [i.rule for i in over.issues] == ["inbox.daily_files_limit"]
    text = over.issues[0].text()
    assert "1 files per municipality per day" in text and "0301/b.csv" in text and "1 taken today" in text
    assert over.quarantine_dir is not None
    kept = over.quarantine_dir / "unread_b.csv"
    assert kept.read_bytes() == csv_bytes(HEADER, ROW_BB)  # moved unread, nothing lost
    assert "KOMMUNE_SDG_INBOX_MAX_FILES_PER_DAY" in (over.quarantine_dir / "errors.csv").read_text("utf-8-sig")
    assert over.archive_path is None and over.content_sha256 == ""  # never read, never archived
    assert not first.exists() and not second.exists() and not other.exists()
    # the next file of the day is over the limit too (counted from the log)
    drop(home, "0301", "d.csv", csv_bytes(HEADER, ROW_BB))
    [again] = process_inbox(home, policy)
    assert again.issues[0].rule == "inbox.daily_files_limit"


def test_daily_byte_limit_names_the_limit(home) -> None:
    small = csv_bytes(HEADER, ROW_NET)
    drop(home, "0301", "a.csv", small)
    outcomes = process_inbox(home, IntakePolicy(max_bytes_per_day=len(small) + 10))
    assert outcomes[0].accepted
    drop(home, "0301", "b.csv", csv_bytes(HEADER, ROW_BB))
    [o] = process_inbox(home, IntakePolicy(max_bytes_per_day=len(small) + 10))
    assert o.issues[0].rule == "inbox.daily_bytes_limit"
    assert f"{len(small) + 10} bytes per municipality per day" in o.issues[0].message_en
    assert f"{len(small)} taken today" in o.issues[0].message_en


def _tick(instance: dg.DagsterInstance, home, intake) -> dg.SensorResult:
    res = resources(home) | {"intake": intake}
    with dg.build_sensor_context(instance=instance, cursor=None, resources=res) as ctx:
        return submission_sensor(ctx)


def test_sensor_requests_no_run_for_a_settling_file(home) -> None:
    from pipeline.resources import InboxIntake

    p = drop(home, "0301", "ok.csv", csv_bytes(HEADER, ROW_NET), settled=False)
    with dg.DagsterInstance.ephemeral() as instance:
        waiting = _tick(instance, home, InboxIntake(settle_seconds=60))
        assert not waiting.run_requests and "settl" in str(waiting.skip_reason)
        settle(p, ago_s=61)
        ready = _tick(instance, home, InboxIntake(settle_seconds=60))
        assert len(ready.run_requests) == 1


def test_intake_comes_from_settings(tmp_path: Path) -> None:
    env = {"KOMMUNE_SDG_HOME": str(tmp_path), "KOMMUNE_SDG_INBOX_SETTLE_SECONDS": "5",
           "KOMMUNE_SDG_INBOX_MAX_FILES_PER_DAY": "3", "KOMMUNE_SDG_INBOX_MAX_BYTES_PER_DAY": "1000"}
    settings = Settings.from_env(env)
    from pipeline.definitions import DBT_EXECUTABLE

    intake = build_resources(settings, DBT_EXECUTABLE)["intake"]
    assert intake.policy() == IntakePolicy(5.0, 3, 1000)
    assert Settings.from_env(settings.environ()) == settings  # a child process gets the same settings
    with pytest.raises(ValueError, match="KOMMUNE_SDG_INBOX_SETTLE_SECONDS='soon'"):
        Settings.from_env(env | {"KOMMUNE_SDG_INBOX_SETTLE_SECONDS": "soon"})
