"""pipeline.ssb.structure on every real recorded SSB metadata document (and the JSON-stat data responses,
which carry the same dimensions), plus the codelist rule and the region level on real code shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ssb.jsonstat import JsonStatError, jsonstat_dimension, write_jsonstat
from pipeline.ssb.structure import (
    RegionLevel,
    choose_municipal_codelist,
    read_structure,
    region_level,
)

# file -> (table id, source, region, time, contents, level, region codelists (None = not listed), other dims)
REAL = {
    "05300_v2_metadata.json": ("05300", "v2 metadata", None, "Tid", "ContentsCode", RegionLevel.NATIONAL, (),
                               ["Avstand1", "Kulturtilbud"]),
    "14216_v2_metadata.json": ("14216", "v2 metadata", "Region", "Tid", "ContentsCode", RegionLevel.MUNICIPAL,
                               ("agg_Valgdistrikt", "vs_Kommun"), ["TettSted"]),
    "05300_v0_table_metadata.json": ("05300", "v0 metadata", None, "Tid", "ContentsCode", RegionLevel.NATIONAL, (),
                                     ["Avstand1", "Kulturtilbud"]),
    "13861_v0_table_metadata.json": ("13861", "v0 metadata", None, "Tid", "ContentsCode", RegionLevel.NATIONAL, (),
                                     ["NACE2007", "Kjonn"]),
    "12134_v2_jsonstat2_2024_3munis.json": ("12134", "data", "KOKkommuneregion0000", "Tid", "ContentsCode",
                                            RegionLevel.MUNICIPAL, None, []),
    "07459_v0_jsonstat2_2022_K-codes.json": ("07459", "data", "Region", "Tid", "ContentsCode", RegionLevel.MUNICIPAL,
                                             None, []),
    "07221_v0_jsonstat2_status.json": ("07221", "data", "Region", "Tid", "ContentsCode", RegionLevel.OTHER, None,
                                       ["Boligtype"]),
    "13861_v0_jsonstat2.json": ("13861", "data", None, "Tid", "ContentsCode", RegionLevel.NATIONAL, (), ["NACE2007"]),
    "05300_v2_data_jsonstat2_status.json": ("05300", "data", None, "Tid", "ContentsCode", RegionLevel.NATIONAL, (),
                                            ["Avstand1", "Kulturtilbud"]),
    "01222_v0_jsonstat1_2015K1.json": (None, "data", "Region", "Tid", "ContentsCode", RegionLevel.MUNICIPAL, None, []),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_documents(ssb_data: Path, name: str) -> None:
    tid, source, region, time, contents, level, codelists, others = REAL[name]
    s = read_structure((ssb_data / name).read_bytes())
    assert (s.table_id, s.source, s.region, s.time, s.contents) == (tid, source, region, time, contents)
    assert s.region_level is level
    got = s.region_codelists
    assert (None if got is None else tuple(c.id for c in got)) == codelists
    assert [d.id for d in s.other_dimensions] == others


def test_every_recorded_metadata_file_is_covered(ssb_data: Path) -> None:
    metadata = {p.name for p in ssb_data.glob("*metadata*.json")}
    assert metadata and metadata <= set(REAL)


def test_14216_labels_codelists_and_municipal_choice(ssb_data: Path) -> None:
    s = read_structure(ssb_data / "14216_v2_metadata.json")
    assert s.label.startswith("14216: Areal og befolkning i tettsteder")
    region = s.region_dimension
    assert region is not None and region.label == "region" and region.elimination is True
    assert region.describe("3101") == "3101 'Halden'"
    assert [(c.id, c.label.strip(), c.type) for c in region.codelists] == [
        ("agg_Valgdistrikt", "Valgdistrikt", "Aggregation"), ("vs_Kommun", "Alle kommuner", "Valueset")]
    assert s.municipal_codelist == "vs_Kommun"
    assert s.contents_dimension.labels == {"Areal": "Areal av tettsted (km²)", "Bosatte": "Bosatte"}
    assert s.dimension("TettSted").codes == ("0801", "0802")  # index positions 159, 160: order kept
    assert s.updated


def test_05300_has_no_region_and_says_so(ssb_data: Path) -> None:
    s = read_structure((ssb_data / "05300_v2_metadata.json").read_text(encoding="utf-8"))
    assert s.region_dimension is None and s.municipal_codelist is None
    assert s.dimension("Avstand1").label_of("01") == "Under 1 km"
    assert s.dimension("Avstand1").elimination is False
    assert "Avstand1 'avstand'" in s.describe_dimensions()


def test_kostra_region_codes_from_the_real_12134_response(ssb_data: Path) -> None:
    s = read_structure(json.loads((ssb_data / "12134_v2_jsonstat2_2024_3munis.json").read_bytes()))
    assert s.region_dimension.labels == {"0301": "Oslo - Oslove", "4601": "Bergen", "5001": "Trondheim - Tråante"}
    assert s.contents_dimension.describe("KOSAG110000") == "KOSAG110000 'Frie inntekter per innbygger (kr)'"


@pytest.mark.parametrize(("offered", "chosen"), [
    (["agg_KommGjeldende", "agg_KommSummer", "vs_Kommune"], "agg_KommSummer"),
    (["vs_Kommune", "agg_KommGjeldende"], "agg_KommGjeldende"),
    (["agg_Valgdistrikt", "vs_Kommun"], "vs_Kommun"),
    (["vs_Kommun", "vs_Kommune"], "vs_Kommune"),
    (["agg_Valgdistrikt", "vs_Fylker"], None),
    (["agg_KOGkommuneregion000005343"], None),  # KOSTRA: subsets only, the table's own codes
    ([], None),
])
def test_municipal_codelist_rule(offered: list[str], chosen: str | None) -> None:
    assert choose_municipal_codelist(offered) == chosen


@pytest.mark.parametrize(("codes", "level"), [
    (["0000", "K-0301", "K-4601"], RegionLevel.MUNICIPAL),
    (["EAK", "EKA03", "EKG13", "0301", "4601"], RegionLevel.MUNICIPAL),  # KOSTRA
    (["K.4001", "K.4003"], RegionLevel.MUNICIPAL),  # agg:KommSummerS on 07984
    (["K_0301", "F_03"], RegionLevel.MUNICIPAL),  # 06913
    (["0", "03", "46", "50"], RegionLevel.COUNTY),
    (["F-03", "F-46", "0000"], RegionLevel.COUNTY),
    (["0000"], RegionLevel.NATIONAL),
    ([], RegionLevel.NATIONAL),
    (["0000", "9999"], RegionLevel.OTHER),
    (["TOTAL", "001", "002"], RegionLevel.OTHER),
])
def test_region_level(codes: list[str], level: RegionLevel) -> None:
    assert region_level(codes) is level


def test_county_only_metadata() -> None:
    dims = {"Region": jsonstat_dimension("region", ["0", "03", "46"], {"0": "Hele landet", "03": "Oslo",
                                                                          "46": "Vestland"}),
            "ContentsCode": jsonstat_dimension("statistikkvariabel", ["Tiltak"], {"Tiltak": "Barn med tiltak"}),
            "Tid": jsonstat_dimension("år", ["2020", "2021"])}
    s = read_structure(write_jsonstat(dims, label="11600: test", source="SSB", updated=None,
                                      role={"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]}))
    assert s.region == "Region" and s.region_level is RegionLevel.COUNTY
    assert s.region_codelists is None  # the document lists no codelists: unknown, not "none offered"


def test_not_metadata_is_refused() -> None:
    with pytest.raises(JsonStatError):
        read_structure(b'{"title": "x"}')
