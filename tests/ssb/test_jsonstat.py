"""read_jsonstat on every real SSB JSON-stat file in shared/data/ssb, and on the edge cases SSB produces."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.ssb.jsonstat import (
    JsonStatError,
    jsonstat_dimension,
    jsonstat_document,
    parse_jsonstat,
    read_jsonstat,
    write_jsonstat,
)
from tests.ssb.conftest import SSB_DATA

JSONSTAT_FILES = [
    "01222_v0_jsonstat1_2015K1.json",
    "05300_v2_data_jsonstat2_status.json",
    "05300_v2_metadata.json",
    "07221_v0_jsonstat2_status.json",
    "07459_v0_jsonstat2_2022_K-codes.json",
    "12134_v2_jsonstat2_2024_3munis.json",
    "13861_v0_jsonstat2.json",
    "14216_v2_metadata.json",
]
NOT_JSONSTAT = [
    "05300_v0_table_metadata.json",
    "05300_v2_table_info.json",
    "13861_v0_table_metadata.json",
    "catalog_evidence.json",  # the catalog research's evidence, not an SSB response
    "table_evidence_by_goal.json",
    "v2_codelist_agg_Valgdistrikt.json",
    "v2_config_testvalues.json",
]


def test_every_real_json_file_is_classified(ssb_data: Path) -> None:
    """A new reference file must be added to one of the lists above (and so be tested)."""
    assert sorted(p.name for p in ssb_data.glob("*.json")) == sorted(JSONSTAT_FILES + NOT_JSONSTAT)


def _node(doc: dict) -> dict:
    return doc.get("dataset", doc)


@pytest.mark.parametrize("name", JSONSTAT_FILES)
def test_real_file_row_major_and_statuses(name: str) -> None:
    """Every row matches the document: row-major position -> codes, value, status symbol."""
    path = SSB_DATA / name
    doc = json.loads(path.read_text(encoding="utf-8"))
    node = _node(doc)
    frame = read_jsonstat(path)
    dims = node["dimension"]
    ids = node.get("id") or dims["id"]
    sizes = node.get("size") or dims["size"]
    assert list(frame.columns) == [*ids, "value", "status"]
    raw_values = node.get("value") or []
    if not raw_values:  # metadata document: columns, no rows
        assert frame.empty
        return
    assert len(frame) == math.prod(sizes) == len(raw_values)
    statuses = node.get("status") or {}
    codes = []
    for d in ids:
        index = dims[d]["category"]["index"]
        codes.append(sorted(index, key=index.get) if isinstance(index, dict) else list(index))
    rng = np.random.default_rng(0)
    for flat in sorted({0, len(frame) - 1, *rng.integers(0, len(frame), 40).tolist(), *map(int, statuses)}):
        rest, pos = flat, []
        for size in reversed(sizes):
            pos.append(rest % size)
            rest //= size
        pos.reverse()
        row = frame.iloc[flat]
        assert [row[d] for d in ids] == [codes[k][p] for k, p in enumerate(pos)], (name, flat)
        symbol = statuses.get(str(flat))
        assert row["status"] == symbol
        raw = raw_values[flat]
        if symbol in (".", "..", "...", ":"):
            assert np.isnan(row["value"])
        elif raw is None:
            assert np.isnan(row["value"]) or symbol == "-"
        else:
            assert row["value"] == pytest.approx(raw)


def test_05300_status_symbols_keep_their_places() -> None:
    frame = read_jsonstat(SSB_DATA / "05300_v2_data_jsonstat2_status.json")
    assert frame["status"].value_counts().to_dict() == {".": 20, "..": 8}
    assert frame.loc[frame["status"].notna(), "value"].isna().all()
    assert frame["value"].isna().sum() == 28
    assert frame.loc[71, ["Avstand1", "Kulturtilbud", "status"]].tolist() == ["01", "08", "."]


def test_01222_jsonstat_1x_bundle() -> None:
    frame = read_jsonstat(SSB_DATA / "01222_v0_jsonstat1_2015K1.json")
    assert len(frame) == 430 * 11
    assert frame.iloc[0][["Region", "ContentsCode", "Tid"]].tolist() == ["0101", "Folketallet1", "2015K1"]
    assert frame.loc[4245, "status"] == "." and np.isnan(frame.loc[4245, "value"])
    assert frame.loc[4240, "value"] == 0.0  # a real zero stays zero
    assert frame.loc[4246, "value"] == 72681


def test_07459_k_codes_sum_to_national_population() -> None:
    frame = read_jsonstat(SSB_DATA / "07459_v0_jsonstat2_2022_K-codes.json")
    assert frame["Region"].iloc[0] == "K-3001"
    assert {"K-21-22", "K-23", "K-Rest"} <= set(frame["Region"])
    assert frame["value"].sum() == 5_425_270
    assert frame["status"].isna().all()


def test_07221_and_13861_values() -> None:
    f = read_jsonstat(SSB_DATA / "07221_v0_jsonstat2_status.json")
    assert (f["status"] == "..").sum() == 24 and f["value"].isna().sum() == 24
    g = read_jsonstat(SSB_DATA / "13861_v0_jsonstat2.json")
    assert g.iloc[7][["NACE2007", "ContentsCode", "Tid"]].tolist() == ["A-Z", "P90P10", "2016"]
    assert g.iloc[7]["value"] == pytest.approx(2.3)


def test_metadata_documents_give_dimensions_and_no_rows() -> None:
    dims = parse_jsonstat(SSB_DATA / "14216_v2_metadata.json").dimensions
    assert [d.id for d in dims] == ["Region", "TettSted", "ContentsCode", "Tid"]
    tett = dims[1]
    assert tett.codes == ("0801", "0802")  # index positions 159, 160: only the order counts
    assert dims[0].elimination is True and dims[3].size == 25
    meta = parse_jsonstat(SSB_DATA / "05300_v2_metadata.json")
    assert meta.values is None and meta.cells == 6 * 8 * 1 * 9
    assert read_jsonstat(SSB_DATA / "05300_v2_metadata.json").empty


def test_12134_v2_response() -> None:
    ds = parse_jsonstat((SSB_DATA / "12134_v2_jsonstat2_2024_3munis.json").read_bytes())
    assert ds.table_id == "12134" and ds.updated == "2026-03-16T07:00:00Z"
    frame = read_jsonstat(SSB_DATA / "12134_v2_jsonstat2_2024_3munis.json")
    assert frame["KOKkommuneregion0000"].tolist() == ["0301", "4601", "5001"]


@pytest.mark.parametrize("name", NOT_JSONSTAT)
def test_other_documents_are_refused_clearly(name: str) -> None:
    with pytest.raises(JsonStatError, match="not a JSON-stat dataset"):
        read_jsonstat(SSB_DATA / name)


def _doc(**over) -> dict:
    doc = {"version": "2.0", "class": "dataset", "id": ["R", "C", "Tid"], "size": [2, 1, 3],
           "dimension": {"R": {"category": {"index": ["0301", "4601"]}},
                         "C": {"category": {"label": {"Personer": "personer"}}},
                         "Tid": {"category": {"index": {"2022": 0, "2023": 1, "2024": 2}}}},
           "value": [1, None, 3, 4, 5.5, None],
           "status": {"1": "-", "2": "*", "4": "..", "5": ":"}}
    doc.update(over)
    return doc


def test_symbols_index_array_and_single_category_without_index() -> None:
    frame = read_jsonstat(_doc())
    assert frame["R"].tolist() == ["0301"] * 3 + ["4601"] * 3
    assert frame["C"].tolist() == ["Personer"] * 6
    assert frame["Tid"].tolist() == ["2022", "2023", "2024"] * 2
    v = frame["value"].tolist()
    assert v[0] == 1 and v[1] == 0.0 and v[2] == 3 and v[3] == 4  # "-" is zero, "*" keeps the value
    assert np.isnan(v[4]) and np.isnan(v[5])  # ".." with a number rides along -> still missing
    assert frame["status"].tolist() == [None, "-", "*", None, "..", ":"]


def test_status_as_list_or_single_string_and_sparse_values() -> None:
    f = read_jsonstat(_doc(status=[None, "-", "", None, None, "..."]))
    assert f["status"].tolist() == [None, "-", None, None, None, "..."]
    g = read_jsonstat(_doc(status="*", value={"0": 7, "5": 2}))
    assert g["status"].eq("*").all()
    assert g["value"].iloc[0] == 7 and g["value"].iloc[5] == 2 and g["value"].iloc[1:5].isna().all()


def test_sources_bytes_with_bom_str_and_path(tmp_path: Path) -> None:
    raw = json.dumps(_doc()).encode("utf-8")
    path = tmp_path / "d.json"
    path.write_bytes(b"\xef\xbb\xbf" + raw)
    expected = read_jsonstat(_doc())
    for source in (raw, b"\xef\xbb\xbf" + raw, raw.decode(), path, str(path)):
        pd.testing.assert_frame_equal(read_jsonstat(source), expected)


@pytest.mark.parametrize(("doc", "message"), [
    (_doc(size=[2, 1, 2]), "has 3 categories but size says 2"),
    (_doc(value=[1, 2, 3]), "value has 3 entries"),
    (_doc(id=["R", "C"]), "id has 2 dimensions but size has 3"),
    (_doc(status={"9": ".."}), "status position 9 is outside"),
    ({"error": "Too many values selected"}, "SSB error document"),
    ({"class": "collection", "link": {}}, "collection"),
])
def test_malformed_documents_are_named(doc: dict, message: str) -> None:
    with pytest.raises(JsonStatError, match=message):
        read_jsonstat(doc)


def test_truncated_json_is_an_error_not_a_crash() -> None:
    raw = (SSB_DATA / "05300_v2_data_jsonstat2_status.json").read_bytes()
    with pytest.raises(JsonStatError, match="not valid JSON"):
        read_jsonstat(raw[: len(raw) // 2])


def test_writer_round_trips_through_the_reader() -> None:
    dims = {"Region": jsonstat_dimension("region", ["0000", "K-0301"], {"0000": "Hele landet"}),
            "ContentsCode": jsonstat_dimension("statistikkvariabel", ["Personer"], unit={"Personer": {"base": "p"}}),
            "Tid": jsonstat_dimension("år", ["2023", "2024"])}
    values = np.array([[[1.0, 2.5]], [[np.nan, 4.0]]])
    raw = write_jsonstat(dims, values, status=[None, "*", "..", None], label="t", source="s",
                         updated="2025-01-01T00:00:00Z", role={"time": ["Tid"]}, extension={"px": {"tableid": "1"}})
    doc = json.loads(raw)
    assert list(doc) == ["version", "class", "label", "source", "updated", "role", "id", "size", "dimension",
                         "value", "status", "extension"]
    assert doc["size"] == [2, 1, 2] and doc["value"] == [1, 2.5, None, 4] and b"[1,2.5,null,4]" in raw
    assert doc["status"] == {"1": "*", "2": ".."}
    assert doc["dimension"]["Region"]["category"]["label"] == {"0000": "Hele landet", "K-0301": "K-0301"}
    ds = parse_jsonstat(raw)
    assert ds.ids == ["Region", "ContentsCode", "Tid"] and ds.table_id == "1" and ds.dimensions[0].elimination is False
    assert read_jsonstat(raw)["status"].tolist() == [None, "*", "..", None]
    meta = jsonstat_document(dims, label="t", source="s", updated=None)
    assert meta["value"] == [] and "status" not in meta and parse_jsonstat(meta).values is None


def test_writer_refuses_values_that_do_not_fill_the_cube() -> None:
    with pytest.raises(ValueError, match="3 values for dimension sizes"):
        jsonstat_document({"T": jsonstat_dimension("t", ["a", "b"])}, [1, 2, 3], label="", source="", updated=None)
