"""Every U4SSC KPI code of the seed can be submitted in its unit within its plausible range, and is refused,
with the file, row and column named, outside that range or in another unit."""

from __future__ import annotations

import csv
import io

import pytest

from pipeline.submissions.catalog import U4sscKpi, code_key, load_u4ssc_kpis, unit_key
from pipeline.submissions.process import check_bytes, submit
from pipeline.submissions.store import current_values
from pipeline.submissions.templates import template_rows
from tests.submissions.corpus import HEADER, csv_bytes

KPIS = load_u4ssc_kpis()


def _num(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".").replace(".", ",")


def _file(kpis: list[U4sscKpi], value, code=lambda k: k.code, unit=lambda k: k.unit) -> bytes:
    return csv_bytes(HEADER, *(f"0301;{code(k)};2023;{_num(value(k))};{unit(k)};" for k in kpis))


def test_the_seed_holds_every_u4ssc_code() -> None:
    assert len(KPIS) == 91  # KS's 90 distinct codes + EN: EN: WS: 4C (U4SSC's 91 KPIs)
    assert len({code_key(k.code) for k in KPIS}) == len(KPIS)
    assert {k.code[:2] for k in KPIS} == {"EC", "EN", "SC"}
    assert all(k.range_min < k.range_max and k.unit and k.range_rationale for k in KPIS)


def test_every_code_is_accepted_in_its_unit_and_range() -> None:
    data = _file(KPIS, lambda k: k.range_min + (k.range_max - k.range_min) / 3)
    checked = check_bytes(data, "alle_koder.csv", "0301")
    assert checked.issues == [], [i.text() for i in checked.issues[:5]]
    ok = checked.rows[checked.rows["row_ok"]]
    assert len(ok) == len(KPIS)
    assert ok["indicator_id"].is_unique
    # the test catalog carries two codes as submission indicators; the rest are stored as the KPI itself
    carried = {"EC: ICT: ICT: 1C": "household_internet_access", "EC: ICT: ICT: 2C": "fixed_broadband_subscriptions"}
    expected = [carried.get(k.code, k.kpi_id) for k in KPIS]
    assert ok["indicator_id"].tolist() == expected
    assert [unit_key(u) for u in ok["unit"]] == [unit_key(k.unit) for k in KPIS]


def test_codes_match_in_any_spacing_and_by_their_aliases() -> None:
    aliased = [k for k in KPIS if k.aliases]
    assert aliased
    squashed = _file(KPIS, lambda k: k.range_max, code=lambda k: k.code.replace(" ", "").lower())
    assert check_bytes(squashed, "uten_mellomrom.csv", "0301").issues == []
    by_alias = _file(aliased, lambda k: k.range_min, code=lambda k: k.aliases[0])
    checked = check_bytes(by_alias, "alias.csv", "0301")
    assert checked.issues == [], [i.text() for i in checked.issues]
    assert checked.rows["indicator_id"].tolist() == [k.kpi_id for k in aliased]


@pytest.mark.parametrize("side", ["over", "under"])
def test_every_code_is_refused_outside_its_range(side: str) -> None:
    def value(k: U4sscKpi) -> float:
        span = k.range_max - k.range_min
        return k.range_max + span / 2 + 1 if side == "over" else k.range_min - span / 2 - 1

    checked = check_bytes(_file(KPIS, value), "utenfor.csv", "0301")
    by_row = {i.row: i for i in checked.issues}
    assert sorted(by_row) == list(range(2, len(KPIS) + 2)), [i.text() for i in checked.issues[:5]]
    for row, k in enumerate(KPIS, start=2):
        finding = by_row[row]
        assert finding.file == "utenfor.csv" and finding.column == "verdi"
        if unit_key(k.unit) == "prosent" and not 0 <= value(k) <= 100:  # the percentage rule speaks for these
            assert finding.rule == "value.percent_range", finding.text()
        else:
            assert finding.rule == "value.out_of_range", finding.text()
            assert k.code in finding.message_en and _num(k.range_max) in finding.message_nb, finding.text()
            assert k.range_rationale in finding.message_en
    assert len(checked.issues) == len(KPIS)  # one finding per mistake


def test_every_code_is_refused_in_another_unit() -> None:
    checked = check_bytes(_file(KPIS, lambda k: k.range_min, unit=lambda k: "tønner"), "enhet.csv", "0301")
    assert [i.rule for i in checked.issues] == ["unit.mismatch"] * len(KPIS)
    for row, (k, finding) in enumerate(zip(KPIS, checked.issues, strict=True), start=2):
        assert (finding.row, finding.column, finding.value) == (row, "enhet", "tønner")
        assert k.unit in finding.message_nb, finding.text()


def test_a_u4ssc_only_kpi_reaches_the_accepted_store(home) -> None:
    """Through the coordinators' path (submit, then the inbox is processed): stored under the KPI's id."""
    from pipeline.submissions.process import process_inbox

    k = next(k for k in KPIS if k.code == "EN: EN: AQ: 1C")
    src = home.root / "pm25.csv"
    src.write_bytes(csv_bytes(HEADER, "0301;EN: EN: AQ: 1C;2023;6,5;µg/m3;målestasjon Kirkeveien"))
    assert submit(src, "0301", home).accepted
    assert all(o.accepted for o in process_inbox(home))
    df = current_values(home)
    assert df[["indicator_id", "value", "unit"]].values.tolist() == [[k.kpi_id, 6.5, "µg/m3"]]


def test_the_template_lists_every_code_with_its_unit() -> None:
    rows = template_rows()
    listed = {code_key(r[1]): r[4] for r in rows[2:]}
    assert {code_key(k.code) for k in KPIS} <= set(listed)
    for k in KPIS:
        if k.code not in ("EC: ICT: ICT: 1C", "EC: ICT: ICT: 2C"):  # the test catalog's own indicators
            assert listed[code_key(k.code)] == k.unit, k.code
    assert list(csv.reader(io.StringIO(";".join(rows[0])), delimiter=";"))[0][:6] == HEADER.split(";")
