"""Every malformed file gets its own finding (rule, row, message); good files in every format pass."""

from __future__ import annotations

import pytest

from pipeline.submissions.process import check_bytes
from tests.submissions.corpus import CORPUS, GOOD


def test_corpus_is_large_and_distinct() -> None:
    assert len(CORPUS) >= 30
    assert len({c.name for c in CORPUS}) == len(CORPUS)
    assert len({c.fault for c in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_malformed_file_has_its_finding(case) -> None:
    checked = check_bytes(case.build(), case.name, "0301")
    rules = {i.rule for i in checked.issues}
    assert case.rule in rules, [i.text() for i in checked.issues]
    hits = [i for i in checked.issues if i.rule == case.rule]
    assert case.row in [i.row for i in hits], [i.text() for i in hits]
    first = next(i for i in hits if i.row == case.row)
    assert first.file == case.name
    assert case.fragment in first.text(), first.text()
    assert first.message_nb and first.message_en and first.message_nb != first.message_en
    # the fault is reported once for what it is, not drowned in follow-on findings
    assert rules == {case.rule}, [i.text() for i in checked.issues]


@pytest.mark.parametrize(("name", "build", "rows"), GOOD, ids=[g[0] for g in GOOD])
def test_good_file_passes(name, build, rows) -> None:
    checked = check_bytes(build(), name, "0301")
    assert checked.issues == [], [i.text() for i in checked.issues]
    ok = checked.rows[checked.rows["row_ok"]]
    assert len(ok) == rows
    assert set(ok["municipality_code"]) == {"0301"}
    by_id = dict(zip(ok["indicator_id"], ok["value"], strict=True))
    assert by_id.get("household_internet_access", 97.5) == 97.5
    assert by_id.get("fixed_broadband_subscriptions", 88.4) == 88.4
    assert by_id.get("bike_lanes_km", 1234.5) == 1234.5


def test_encodings_are_detected_not_guessed() -> None:
    enc = {name: check_bytes(b(), name, "0301").table.encoding for name, b, _ in GOOD if name.endswith(".csv")}
    assert enc["utf8.csv"] == "utf-8"
    assert enc["utf8_bom.csv"] == "utf-8-sig"
    assert enc["cp1252.csv"] == "cp1252"  # the en dash (0x96) only exists in cp1252
    assert enc["latin1.csv"] == "latin1"
    cp = check_bytes(dict((n, b) for n, b, _ in GOOD)["cp1252.csv"](), "cp1252.csv", "0301")
    assert "Ås – «ny» måling" in set(cp.rows["comment"])
