"""The live fetch reads a table's structure from its metadata before asking for data (pipeline.ssb.fetch):
on the real recorded 14216 metadata, a catalog codelist SSB no longer offers is replaced by the municipal
codelist the table itself offers, and a wrong contents code keeps the table out with SSB's labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.catalog import load_ssb_catalog
from pipeline.ssb.errors import SsbSchemaError
from pipeline.ssb.fetch import _match_catalog, build_selection
from pipeline.ssb.jsonstat import parse_jsonstat
from tests.catalog.conftest import table


class _Recorded:
    """The two things the fetch reads of a metadata response, from a recorded file."""

    def __init__(self, path: Path) -> None:
        self.content = path.read_bytes()

    def json(self) -> dict:
        return json.loads(self.content)

    def dataset(self):
        return parse_jsonstat(self.content)


def _catalog(write_catalog, **kw):
    return load_ssb_catalog(write_catalog(table("14216", "Region", {"Areal": "Areal", "Bosatte": "Bosatte"},
                                                selection={"TettSted": ["0801"]}, **kw)))


def test_codelist_no_longer_offered_takes_the_tables_municipal_codelist(recorded: Path, write_catalog) -> None:
    catalog = _catalog(write_catalog, codelist="agg_KommSummer")
    meta = _Recorded(recorded / "14216_v2_metadata.json")
    problem, selection, notes = _match_catalog(catalog.tables[0], catalog, meta)
    assert problem is None
    assert selection.codelists == {"Region": "vs_Kommun"}
    assert any("agg_KommSummer not offered" in n and "vs_Kommun" in n for n in notes)


def test_wrong_contents_code_keeps_the_table_out_with_ssbs_labels(recorded: Path, write_catalog) -> None:
    catalog = load_ssb_catalog(write_catalog(table("14216", "Region", {"Personer": "Bosatte personer"},
                                                   codelist="vs_Kommun", selection={"TettSted": ["0801"]})))
    meta = _Recorded(recorded / "14216_v2_metadata.json")
    problem, selection, _ = _match_catalog(catalog.tables[0], catalog, meta)
    assert selection is None
    assert problem.startswith("table 14216 does not match the catalog") and "Personer" in problem and "Areal" in problem


def test_region_time_and_contents_come_from_the_roles_not_the_catalog(recorded: Path, write_catalog) -> None:
    """build_selection reads SSB's roles: on the real 14216 metadata the region (geo role, first of Region and
    TettSted), Tid (time) and ContentsCode (metric); a catalog naming another region dimension is told SSB's."""
    catalog = _catalog(write_catalog, codelist="vs_Kommun")
    meta = _Recorded(recorded / "14216_v2_metadata.json").dataset()
    selection, _ = build_selection(catalog.tables[0], meta, 2015, 2024)
    assert list(selection.value_codes["Region"]) == ["*"] and selection.codelists == {"Region": "vs_Kommun"}
    assert list(selection.value_codes["Tid"]) == [str(y) for y in range(2015, 2025)]
    assert list(selection.value_codes["ContentsCode"]) == ["Areal", "Bosatte"]

    doc = json.loads((recorded / "14216_v2_metadata.json").read_bytes())
    doc["role"]["geo"] = ["TettSted"]  # SSB now says the table's region is TettSted
    wrong = load_ssb_catalog(write_catalog(table("14216", "Region", {"Areal": "Areal"}), name="wrong.yaml"))
    with pytest.raises(SsbSchemaError, match=r"SSB's region dimension \(its geo role\) is TettSted 'tettsted', "
                                             r"the catalog says 'Region'"):
        build_selection(wrong.tables[0], parse_jsonstat(doc), 2015, 2024)
