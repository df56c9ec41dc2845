"""The inbox follows no link: hostile entries are refused by name, and none of their target's bytes leak.

Each test plants a secret outside the home (or uses /etc/passwd itself), then checks every byte written
under KOMMUNE_SDG_HOME (quarantine, archive, log, accepted store and the Dagster instance's SQLite run
history, which lives there too) for it.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import dagster as dg
import pytest

from assets.submissions import submission_inbox
from pipeline.sensors import submission_sensor
from pipeline.submissions import inbox as inbox_fs
from pipeline.submissions import process_inbox, read_log, submit
from tests.submissions.conftest import drop, resources
from tests.submissions.corpus import HEADER, ROW_BB, ROW_NET, csv_bytes

SECRET = b"TOPSECRET-7f3a9c-do-not-leak"
PASSWD_MARK = b"root:x:0:0"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    p = tmp_path / "outside" / "secret.csv"
    p.parent.mkdir()
    p.write_bytes(csv_bytes(HEADER, ROW_NET).replace(b"0301;", SECRET + b";", 1))
    return p


def _all_bytes_under(root: Path) -> bytes:
    """Every regular file under root, read without following links (links themselves are skipped)."""
    out = []
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        for f in files:
            p = Path(dirpath) / f
            if stat.S_ISREG(p.lstat().st_mode):
                out.append(p.read_bytes())
    return b"\n".join(out)


def _assert_no_leak(home, *marks: bytes) -> None:
    everything = _all_bytes_under(home.root)
    for mark in marks:
        assert mark not in everything


def _only_outcome(outcomes, rule: str):
    [o] = outcomes
    assert not o.accepted and [i.rule for i in o.issues] == [rule]
    return o


def test_symlink_to_etc_passwd_is_refused_and_nothing_of_it_is_kept(home) -> None:
    assert PASSWD_MARK in Path("/etc/passwd").read_bytes()  # the premise of the test
    (home.inbox_dir / "0301").mkdir(parents=True)
    link = home.inbox_dir / "0301" / "passwd.csv"
    link.symlink_to("/etc/passwd")
    o = _only_outcome(process_inbox(home), "inbox.symlink")
    assert "0301/passwd.csv" in o.issues[0].message_en and "link" in o.issues[0].message_en
    assert o.archive_path is None and o.content_sha256 == ""
    assert sorted(p.name for p in o.quarantine_dir.iterdir()) == ["errors.csv", "summary.md"]  # no copy
    assert not os.path.lexists(link)  # the link is gone, the target is untouched
    assert PASSWD_MARK in Path("/etc/passwd").read_bytes()
    assert list(home.archive_dir.iterdir()) == []
    assert read_log(home)[-1]["rules"] == ["inbox.symlink"]
    _assert_no_leak(home, PASSWD_MARK)


def test_symlink_refusal_in_a_dagster_run_leaves_no_target_bytes_in_run_history(home, secret) -> None:
    (home.inbox_dir / "0301").mkdir(parents=True)
    (home.inbox_dir / "0301" / "passwd.csv").symlink_to("/etc/passwd")
    (home.inbox_dir / "0301" / "data.csv").symlink_to(secret)
    drop(home, "0301", "ok.csv", csv_bytes(HEADER, ROW_NET, ROW_BB))
    with dg.DagsterInstance.local_temp(tempdir=str(home.dagster_home)) as instance:
        tick = submission_sensor(dg.build_sensor_context(instance=instance, cursor=None, resources=resources(home)))
        assert len(tick.run_requests) == 3
        assert all(SECRET.decode() not in str(r.tags) for r in tick.run_requests)
        res = dg.materialize([submission_inbox], instance=instance, resources=resources(home))
        assert res.success
        [mat] = res.asset_materializations_for_node("submission_inbox")
        assert mat.metadata["files_accepted"].value == 1  # the good file in the same batch still flows
        assert mat.metadata["files_rejected"].value == 2
        assert "inbox.symlink" in mat.metadata["error_list"].value
        assert "0301/passwd.csv" in mat.metadata["error_list"].value
    _assert_no_leak(home, PASSWD_MARK, SECRET)


def test_hard_link_is_refused_unread(home, secret) -> None:
    (home.inbox_dir / "0301").mkdir(parents=True)
    try:
        os.link(secret, home.inbox_dir / "0301" / "hard.csv")
    except OSError as e:  # another filesystem: a hard link cannot exist there at all
        pytest.skip(f"cannot hard-link across these folders: {e}")
    _only_outcome(process_inbox(home), "inbox.hardlink")
    assert secret.exists() and SECRET in secret.read_bytes()  # only the extra name was removed
    _assert_no_leak(home, SECRET)


def test_fifo_is_refused_without_blocking(home) -> None:
    (home.inbox_dir / "0301").mkdir(parents=True)
    os.mkfifo(home.inbox_dir / "0301" / "pipe.csv")  # a plain open() would wait for a writer forever
    o = _only_outcome(process_inbox(home), "inbox.special_file")
    assert "fifo" in o.issues[0].message_en
    assert not os.path.lexists(home.inbox_dir / "0301" / "pipe.csv")


def test_socket_is_refused(home) -> None:
    (home.inbox_dir / "0301").mkdir(parents=True)
    path = home.inbox_dir / "0301" / "sock.csv"
    if len(str(path)) > 100:
        pytest.skip("socket path too long for AF_UNIX in this temp dir")
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(path))
        o = _only_outcome(process_inbox(home), "inbox.special_file")
        assert "socket" in o.issues[0].message_en
    finally:
        s.close()


def test_device_file_is_refused(home) -> None:
    (home.inbox_dir / "0301").mkdir(parents=True)
    try:
        os.mknod(home.inbox_dir / "0301" / "zero.csv", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("creating a device node needs root (CI runs as root)")
    o = _only_outcome(process_inbox(home), "inbox.special_file")
    assert "device" in o.issues[0].message_en


def test_directory_posing_as_a_file_is_moved_aside_unread(home, secret) -> None:
    posing = home.inbox_dir / "0301" / "data.csv"
    posing.mkdir(parents=True)
    (posing / "inner.csv").symlink_to(secret)
    o = _only_outcome(process_inbox(home), "inbox.directory")
    assert not posing.exists()
    assert (o.quarantine_dir / "refused_directory" / "inner.csv").is_symlink()  # moved, never followed
    _assert_no_leak(home, SECRET)


def test_symlinked_municipality_folder_is_refused_and_not_entered(home, secret) -> None:
    home.inbox_dir.mkdir(parents=True, exist_ok=True)
    (home.inbox_dir / "0301").symlink_to(secret.parent, target_is_directory=True)
    o = _only_outcome(process_inbox(home), "inbox.symlink")
    assert o.file == "0301"
    assert secret.exists()
    _assert_no_leak(home, SECRET)


@pytest.mark.parametrize("name, detail", [
    ("a..b.csv", "'..' in name"),
    ("rapport\x1b[31m.csv", "control character"),
    ("rapport\u202eVSC.exe", "control character"),  # right-to-left override hides the real extension
    ("linje\nskift.csv", "control character"),
])
def test_hard_to_trust_names_are_refused_unread_and_kept(home, name: str, detail: str) -> None:
    data = csv_bytes(HEADER, ROW_NET)
    drop(home, "0301", name, data)
    o = _only_outcome(process_inbox(home), "inbox.name")
    assert detail in o.issues[0].message_en
    shown = o.issues[0].message_en + o.file
    assert all(ch not in shown for ch in ("\x1b", "\n", "\u202e"))  # escaped when shown
    assert (o.quarantine_dir / "refused_entry").read_bytes() == data  # kept, nothing lost
    assert list(home.archive_dir.iterdir()) == []  # but never read into the archive


@pytest.mark.parametrize("name", ["/etc/passwd", "../0301/x.csv", "a/b.csv", "..", "x..csv", "a\\b.csv", "ok\x00"])
def test_name_problem_catches_paths_dots_and_controls(name: str) -> None:
    assert inbox_fs.name_problem(name)


@pytest.mark.parametrize("name", ["Rapport Oslo (endelig).csv", "bærum.xlsx", "v1.2.csv"])
def test_name_problem_passes_ordinary_names(name: str) -> None:
    assert inbox_fs.name_problem(name) is None


def test_file_swapped_for_a_link_after_the_listing_is_caught(home, secret, monkeypatch) -> None:
    good = drop(home, "0301", "ok.csv", csv_bytes(HEADER, ROW_NET))
    real_scan = inbox_fs.scan

    def scan_then_swap(inbox: Path) -> list[inbox_fs.InboxEntry]:
        entries = real_scan(inbox)
        good.unlink()
        good.symlink_to(secret)  # the race: a regular file at listing time, a link at reading time
        return entries

    monkeypatch.setattr(inbox_fs, "scan", scan_then_swap)
    [entry] = real_scan(home.inbox_dir)
    assert entry.refused is None
    _only_outcome(process_inbox(home), "inbox.symlink")
    assert not os.path.lexists(good)
    _assert_no_leak(home, SECRET)


def test_folder_swapped_for_a_link_after_the_listing_is_caught(home, secret) -> None:
    drop(home, "0301", "secret.csv", b"placeholder")
    [entry] = inbox_fs.scan(home.inbox_dir)
    folder = home.inbox_dir / "0301"
    (folder / "secret.csv").unlink()
    folder.rmdir()
    folder.symlink_to(secret.parent, target_is_directory=True)  # same name, now pointing outside
    with pytest.raises(inbox_fs.EntryRefused) as e:
        inbox_fs.read(entry)
    assert e.value.rule == "inbox.symlink"


def test_file_swapped_for_a_fifo_after_the_listing_is_caught(home) -> None:
    p = drop(home, "0301", "ok.csv", b"x")
    [entry] = inbox_fs.scan(home.inbox_dir)
    p.unlink()
    os.mkfifo(p)
    with pytest.raises(inbox_fs.EntryRefused) as e:
        inbox_fs.read(entry)
    assert e.value.rule == "inbox.special_file"


def test_submit_never_reads_a_link_waiting_in_the_inbox(home, secret, tmp_path) -> None:
    (home.inbox_dir / "0301").mkdir(parents=True)
    (home.inbox_dir / "0301" / "x.csv").symlink_to(secret)
    mine = tmp_path / "mine.csv"
    mine.write_bytes(csv_bytes(HEADER, ROW_NET))
    outcome = submit(mine, "0301", home)
    assert outcome.accepted
    _assert_no_leak(home, SECRET)
