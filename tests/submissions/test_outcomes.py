"""Outcomes on disk: accepted store + log, supersede/history, quarantine reports, archive, conflicts, safety."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq

from pipeline.submissions import current_values, history, process_inbox, read_log
from pipeline.submissions.intake import IntakePolicy
from pipeline.submissions.store import ACCEPTED_COLUMNS, sha256
from tests.submissions.conftest import drop, settle
from tests.submissions.corpus import CORPUS, GOOD, HEADER, ROW_BB, ROW_NET, csv_bytes


def test_batch_good_files_accepted_bad_files_quarantined(home) -> None:
    bad = {c.name: c for c in CORPUS if c.name not in ("for_stor.csv", "zipbombe.xlsx")}  # big ones: test_safety
    for c in bad.values():
        drop(home, "0301", c.name, c.build())
    for name, build, _ in GOOD:
        drop(home, "0301", name, build())
    # the corpus is one municipality's ~60 files at once: above the default daily limit (tests/submissions/
    # test_intake.py covers the limit), so this test lifts it
    outcomes = process_inbox(home, IntakePolicy(max_files_per_day=1000))
    by_file = {o.file: o for o in outcomes}
    assert len(outcomes) == len(bad) + len(GOOD)
    for name, _, rows in GOOD:
        o = by_file[name]
        assert o.accepted, [i.text() for i in o.issues]
        assert o.rows == rows and o.accepted_path and o.accepted_path.exists()
    for c in bad.values():
        o = by_file[c.name]
        assert not o.accepted and c.rule in {i.rule for i in o.issues}
        assert o.quarantine_dir and (o.quarantine_dir / "errors.csv").exists()
    assert list(home.inbox_dir.rglob("*.*")) == []  # every file got an outcome and left the inbox
    # every original archived by content hash, in every outcome
    for o in outcomes:
        assert o.archive_path.name.startswith(o.content_sha256)
        assert sha256(o.archive_path.read_bytes()) == o.content_sha256
    log = read_log(home)
    assert len(log) == len(outcomes)
    assert {e["status"] for e in log} == {"accepted", "rejected"}


def test_accepted_parquet_matches_contract(home) -> None:
    drop(home, "0301", "Rapport Oslo (endelig).csv", csv_bytes(HEADER, ROW_NET, "0301;bike_lanes_km;2023;5;km;=1+1"))
    [o] = process_inbox(home)
    table = pq.read_table(o.accepted_path)
    assert table.column_names == ACCEPTED_COLUMNS
    assert str(table.schema.field("received_at").type) == "timestamp[us, tz=UTC]"
    df = table.to_pandas()
    assert set(df["submission_id"]) == {o.submission_id}
    assert set(df["content_sha256"]) == {o.content_sha256}
    assert set(df["source_file"]) == {"Rapport_Oslo_endelig_.csv"}  # sanitised
    assert df.loc[df["indicator_id"] == "bike_lanes_km", "comment"].item() == "'=1+1"  # neutralised
    assert df["row_number"].tolist() == [2, 3]


def test_later_file_supersedes_and_history_stays(home) -> None:
    drop(home, "0301", "v1.csv", csv_bytes(HEADER, ROW_NET, ROW_BB))
    [first] = process_inbox(home)
    drop(home, "0301", "v2.csv", csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;98;prosent;revidert"))
    [second] = process_inbox(home)
    assert second.submission_id > first.submission_id and second.superseded == 1
    cur = current_values(home).set_index(["indicator_id", "year"])
    assert cur.loc[("household_internet_access", 2023), "value"] == 98.0
    assert cur.loc[("household_internet_access", 2023), "submission_id"] == second.submission_id
    assert cur.loc[("fixed_broadband_subscriptions", 2023), "submission_id"] == first.submission_id
    hist = history(home)
    net = hist[hist["indicator_id"] == "household_internet_access"]
    assert net["value"].tolist() == [97.5, 98.0]
    assert len(list((home.submissions_dir / "accepted").glob("*.parquet"))) == 2


def test_conflicting_pending_files_are_both_rejected(home) -> None:
    drop(home, "0301", "a.csv", csv_bytes(HEADER, ROW_NET))
    drop(home, "0301", "b.csv", csv_bytes(HEADER, "0301;ec:ict:ict:1c;2023;90;;", ROW_BB))
    drop(home, "0301", "c.csv", csv_bytes(HEADER, ROW_BB))  # same value as b: no conflict
    outcomes = {o.file: o for o in process_inbox(home)}
    assert not outcomes["a.csv"].accepted and not outcomes["b.csv"].accepted
    msg = next(i for i in outcomes["b.csv"].issues if i.rule == "key.conflict_pending")
    assert msg.row == 2 and "a.csv" in msg.message_nb and "97,5" in msg.message_nb
    assert outcomes["c.csv"].accepted


def test_wrong_inbox_folder_and_stray_files(home) -> None:
    drop(home, "oslo", "x.csv", csv_bytes(HEADER, ROW_NET))
    stray = home.inbox_dir / "løs.csv"
    stray.write_bytes(csv_bytes(HEADER, ROW_NET))
    settle(stray)
    drop(home, "0301", "~$laast.xlsx", b"lock")  # Excel lock file: ignored, left alone
    outcomes = process_inbox(home)
    assert {o.status for o in outcomes} == {"rejected"} and len(outcomes) == 2
    assert all(o.issues[0].rule == "inbox.folder" for o in outcomes)
    assert (home.inbox_dir / "0301" / "~$laast.xlsx").exists()


def test_quarantine_report_contents(home) -> None:
    data = csv_bytes(HEADER, ROW_NET, "1103;EC: ICT: ICT: 2C;2023;=cmd|'/c calc'!A1;;", "0301;XX;1999;abc;;")
    drop(home, "0301", "ond fil;.csv", data)
    [o] = process_inbox(home)
    assert not o.accepted
    q = o.quarantine_dir
    assert sorted(p.name for p in q.iterdir()) == ["errors.csv", "ond_fil_.csv", "summary.md"]
    assert (q / "ond_fil_.csv").read_bytes() == data
    raw = (q / "errors.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["fil/file", "rad/row", "kolonne/column", "verdi/value", "regel/rule"]
    rules = {r[4] for r in rows[1:]}
    assert {"municipality.mismatch", "value.format", "indicator.unknown", "year.range"} <= rules
    assert len(rows) - 1 == len(o.issues)
    for r in rows[1:]:
        assert not r[3].startswith(("=", "+", "@")), r  # neutralised
    assert any(r[3].startswith("'=cmd") for r in rows[1:])
    summary = (q / "summary.md").read_text(encoding="utf-8")
    assert "Innsending avvist" in summary and "Submission rejected" in summary and "'=cmd" in summary
    entry = read_log(home)[-1]
    assert entry["status"] == "rejected" and entry["quarantine_dir"] == str(q)
    json.dumps(entry)
