"""CLI (`submit`, `template`), templates round-trip, and the safety helpers."""

from __future__ import annotations

import argparse
import io

import openpyxl
import pytest

from pipeline.catalog import load_indicators
from pipeline.paths import Home
from pipeline.settings import Settings
from pipeline.submissions import cli, process_inbox, read_log
from pipeline.submissions.catalog import code_key, load_u4ssc_kpis
from pipeline.submissions.process import check_bytes
from pipeline.submissions.safety import neutralise, sanitise_filename
from pipeline.submissions.templates import CSV_NAME, XLSX_NAME, write_templates
from tests.submissions.corpus import HEADER, ROW_BB, ROW_NET, csv_bytes


def _run(argv: list[str], home: Home | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kommune-sdg")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.settings = Settings.for_home(home.root) if home else None
    return args.func(args)


def test_submit_accepted_queues_file_then_sensor_path_stores_it(home, tmp_path, capsys) -> None:
    f = tmp_path / "Bærum rapport.csv"
    f.write_bytes(csv_bytes(HEADER, ROW_NET, ROW_BB))
    assert _run(["submit", str(f), "--municipality", "0301"], home) == 0
    out = capsys.readouterr().out
    assert "GODKJENT / ACCEPTED" in out and "2 rader/rows" in out
    queued = home.inbox_dir / "0301" / "Baerum_rapport.csv"
    assert queued.read_bytes() == f.read_bytes()
    [o] = process_inbox(home)
    assert o.accepted and o.rows == 2


def test_submit_rejected_exits_2_with_message(home, tmp_path, capsys) -> None:
    f = tmp_path / "feil.csv"
    f.write_bytes(csv_bytes(HEADER, "1103;EC: ICT: ICT: 1C;2023;97,5;;"))
    assert _run(["submit", str(f), "-m", "0301"], home) == 2
    out = capsys.readouterr().out
    assert "AVVIST / REJECTED" in out and "rad/row 2" in out and "municipality.mismatch" in out
    assert "feilrapport/error report" in out
    assert not (home.inbox_dir / "0301").exists() or not list((home.inbox_dir / "0301").iterdir())
    assert read_log(home)[-1]["status"] == "rejected"
    assert len(list(home.archive_dir.iterdir())) == 1


def test_submit_checks_conflicts_with_pending_inbox(home, tmp_path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(csv_bytes(HEADER, ROW_NET))
    b.write_bytes(csv_bytes(HEADER, "0301;EC: ICT: ICT: 1C;2023;50;;"))
    assert _run(["submit", str(a), "-m", "301"], home) == 0  # Excel-style code without the zero is padded
    assert _run(["submit", str(b), "-m", "0301"], home) == 2
    assert read_log(home)[-1]["rules"] == ["key.conflict_pending"]


def test_submit_missing_file_and_bad_municipality(home, tmp_path) -> None:
    assert _run(["submit", str(tmp_path / "nope.csv"), "-m", "0301"], home) == 1
    f = tmp_path / "ok.csv"
    f.write_bytes(csv_bytes(HEADER, ROW_NET))
    assert _run(["submit", str(f), "-m", "9999"], home) == 2


def test_templates_round_trip(tmp_path) -> None:
    paths = write_templates(tmp_path)
    assert [p.name for p in paths] == [CSV_NAME, XLSX_NAME]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("kommunenummer;indikator;år;verdi;enhet;kommentar")
    # as generated: the example row must be deleted first
    assert {i.rule for i in check_bytes(raw, CSV_NAME, "0301").issues} == {"row.example"}
    filled = [lines[0]] + [ln.replace(";EC: ICT: ICT: 1C;;;", "0301;EC: ICT: ICT: 1C;2023;97,5;", 1)
                           if ln.startswith(";EC: ICT: ICT: 1C") else ln for ln in lines[2:]]
    checked = check_bytes("\r\n".join(filled).encode("utf-8"), CSV_NAME, "0301")
    assert checked.issues == [] and checked.rows["row_ok"].sum() == 1
    wb = openpyxl.load_workbook(paths[1])
    assert wb.sheetnames == ["Data", "Indikatorer", "Veiledning"]
    ws = wb["Data"]
    assert [c.value for c in ws[1]][:6] == ["kommunenummer", "indikator", "år", "verdi", "enhet", "kommentar"]
    ws.delete_rows(2)
    ws["A2"], ws["C2"], ws["D2"] = "0301", 2023, 97.5
    buf = io.BytesIO()
    wb.save(buf)
    checked = check_bytes(buf.getvalue(), XLSX_NAME, "0301")
    assert checked.issues == [] and checked.rows["row_ok"].sum() == 1


def test_templates_from_the_real_catalog(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("pipeline.submissions.catalog.load_indicators", load_indicators)
    submittable = [r for r in load_indicators() if r["source_type"] != "ssb"]
    carried = {code_key(r["u4ssc_code"]) for r in submittable if r["u4ssc_code"]}
    u4ssc_only = [k for k in load_u4ssc_kpis() if code_key(k.code) not in carried]  # every other U4SSC code
    assert _run(["template", "--out", str(tmp_path)]) == 0
    lines = (tmp_path / CSV_NAME).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 + len(submittable) + len(u4ssc_only)
    assert len(u4ssc_only) >= 50


@pytest.mark.parametrize(("text", "expected"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+47 99", "'+47 99"), ("@cmd", "'@cmd"), ("-1+1", "'-1+1"), ("-5", "-5"),
    ("-3,5", "-3,5"), ("\tx", "'\tx"), ("ok", "ok"), (12, 12)])
def test_neutralise(text, expected) -> None:
    assert neutralise(text) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\Bærum 2023.xlsx", "Baerum_2023.xlsx"), (".hidden", "hidden"),
    ("rapport;rm -rf.csv", "rapport_rm_-rf.csv"), ("", "file"), ("Tromsø–Ålesund.csv", "Tromso_Alesund.csv")])
def test_sanitise_filename(name, expected) -> None:
    assert sanitise_filename(name) == expected


def test_docs_list_every_rule() -> None:
    from pipeline.paths import REPO_ROOT
    from pipeline.submissions.issues import RULES

    doc = (REPO_ROOT / "docs" / "submissions.md").read_text(encoding="utf-8")
    assert [r for r in RULES if f"| `{r}` |" not in doc] == []
