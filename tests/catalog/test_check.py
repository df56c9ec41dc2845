"""check_table (pure: catalog spec + structure) on the real recorded SSB metadata."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.catalog import load_ssb_catalog
from pipeline.catalog.check import MISMATCH, NOTE, OK, CatalogCheck, check_table, table_error
from pipeline.ssb.jsonstat import jsonstat_dimension, write_jsonstat
from pipeline.ssb.structure import read_structure
from tests.catalog.conftest import table

YEARS = range(2015, 2025)


def spec_of(write_catalog: Callable[..., Path], entry: dict):
    return load_ssb_catalog(write_catalog(entry)).tables[0]


def test_14216_matches(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("14216", "Region", {"Areal": "Areal", "Bosatte": "Bosatte"},
                                        codelist="vs_Kommun", selection={"TettSted": ["0801"]}))
    result = check_table(spec, read_structure(recorded / "14216_v2_metadata.json"), years=YEARS)
    assert result.ok and result.verdict == "MATCH" and not result.mismatches
    text = "\n".join(result.lines())
    assert "contents Bosatte: 'Bosatte'" in text
    assert "contents Areal: 'Areal av tettsted (km²)'" in text
    assert "vs_Kommun 'Alle kommuner' is offered for Region" in text
    assert "selection TettSted: TettSted 'tettsted': 0801 'Oslo'" in text
    assert "Region 'region', municipal: 3101 'Halden'" in text
    assert "periods: 10 in 2015-2024" in text


def test_wrong_contents_code_names_what_ssb_has(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("14216", "Region", {"Personer": "Bosatte personer"}))
    result = check_table(spec, read_structure(recorded / "14216_v2_metadata.json"), years=YEARS)
    assert not result.ok and result.verdict == "MISMATCH (1)"
    [bad] = result.mismatches
    assert bad.subject == "contents Personer"
    assert "not in ContentsCode (catalog: 'Bosatte personer')" in bad.text
    assert "SSB has Areal 'Areal av tettsted (km²)', Bosatte;" in bad.text  # a label equal to its code is not repeated
    assert bad.text.endswith("closest to the catalog's label: Bosatte")


def test_codelist_not_offered_names_the_municipal_choice(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("14216", "Region", {"Bosatte": "Bosatte"}, codelist="agg_KommSummer"))
    [bad] = check_table(spec, read_structure(recorded / "14216_v2_metadata.json")).mismatches
    assert bad.subject == "codelist"
    assert bad.text == ("agg_KommSummer is not offered for Region; SSB offers: agg_Valgdistrikt 'Valgdistrikt', "
                        "vs_Kommun 'Alle kommuner'; the municipal choice is vs_Kommun")


def test_no_codelist_asked_suggests_the_municipal_one(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("14216", "Region", {"Bosatte": "Bosatte"}))
    result = check_table(spec, read_structure(recorded / "14216_v2_metadata.json"))
    assert result.ok
    assert any(f.status == NOTE and "the municipal choice would be vs_Kommun" in f.text for f in result.findings)


def test_wrong_selection_code_and_dimension(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("14216", "Region", {"Bosatte": "Bosatte"},
                                        selection={"TettSted": ["9999"], "Kjonn": ["0"]}))
    bad = {f.subject: f.text for f in check_table(spec, read_structure(recorded / "14216_v2_metadata.json")).mismatches}
    assert bad["selection TettSted"] == ("code(s) 9999 not in TettSted 'tettsted'; SSB has 0801 'Oslo', "
                                         "0802 'Movatn'")
    assert bad["selection Kjonn"] == "no such dimension; the other dimensions: TettSted 'tettsted'"


def test_kostra_table_under_the_wrong_region_dimension(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("12134", "Region", {"KOSAG110000": "Frie inntekter"},
                                        codelist="agg_KommSummer"))
    result = check_table(spec, read_structure(recorded / "12134_v2_jsonstat2_2024_3munis.json"), years=YEARS)
    assert not result.refused  # SSB's region dimension holds municipalities
    [bad] = result.mismatches
    assert bad.subject == "region dimension"
    assert ("the catalog says 'Region', SSB's region dimension is KOKkommuneregion0000 'region': "
            "0301 'Oslo - Oslove', 4601 'Bergen', 5001 'Trondheim - Tråante'") in bad.text
    assert [f.text for f in result.matches if f.subject == "contents KOSAG110000"] == [
        "'Frie inntekter per innbygger (kr)'"]


def test_national_only_table_is_refused(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("05300", "Region", {"Avstand": "Avstand"}))
    result = check_table(spec, read_structure(recorded / "05300_v2_metadata.json"), years=YEARS)
    assert not result.ok and result.verdict == "REFUSED"
    assert result.refused.startswith("table 05300 (05300: Avstand til nærmeste lokale/sted hvor ulike kulturtilbud er "
                                     "jevnlig tilgjengelig (prosent) 1991-2025) is national-only: it has no region "
                                     "dimension (dimensions: Avstand1 'avstand', ")
    text = {f.subject: (f.status, f.text) for f in result.findings}
    assert text["contents Avstand"] == (OK, "'Avstand til nærmeste lokale/sted'")
    # the dimensions the catalog would have to select are still listed, with SSB's labels
    assert text["dimension Avstand1"][0] == MISMATCH and "01 'Under 1 km'" in text["dimension Avstand1"][1]


def test_national_only_v0_metadata_is_refused(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("13861", "Region", {"Ginikoeffisient": "Gini"}))
    result = check_table(spec, read_structure(recorded / "13861_v0_table_metadata.json"))
    assert "national-only" in result.refused
    # v0 says elimination: true for both: notes, not mismatches
    assert {f.subject for f in result.notes} == {"dimension NACE2007", "dimension Kjonn"}


def county_structure():
    dims = {"Region": jsonstat_dimension("region", ["0", "03", "46"], {"0": "Hele landet", "03": "Oslo",
                                                                          "46": "Vestland"}),
            "ContentsCode": jsonstat_dimension("statistikkvariabel", ["Tiltak"], {"Tiltak": "Barn med tiltak"}),
            "Tid": jsonstat_dimension("år", ["2020", "2021"])}
    return read_structure(write_jsonstat(dims, label="11600: Barnevern (F)", source="SSB", updated=None,
                                         role={"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]}))


def test_county_only_table_is_refused(write_catalog) -> None:
    """A county-only structure met at check time (an id the loader does not know as county-only) is refused."""
    spec = spec_of(write_catalog, table("98600", "Region", {"Tiltak": "Tiltak"}, codelist="agg_KommSummer"))
    result = check_table(spec, county_structure(), years=YEARS)
    assert result.verdict == "REFUSED"
    assert result.refused.startswith("table 98600 (11600: Barnevern (F)) is county-only: its regions are counties "
                                     "(Region 'region': 0 'Hele landet', 03 'Oslo', 46 'Vestland')")


def test_periods_outside_the_catalog_years(recorded: Path, write_catalog) -> None:
    spec = spec_of(write_catalog, table("12134", "KOKkommuneregion0000", {"KOSAG110000": "x"}))
    structure = read_structure(recorded / "12134_v2_jsonstat2_2024_3munis.json")
    result = check_table(spec, structure, years=range(2015, 2020))
    assert [(f.subject, f.text) for f in result.mismatches] == [
        ("periods", "none in the catalog's 2015-2019; SSB has 2024..2024 (1 periods)")]


def test_catalog_summary() -> None:
    ok = table_error("1", "x")
    assert not ok.ok and ok.verdict == "ERROR"
    report = CatalogCheck((ok,))
    assert report.summary() == "1 tables: 0 match, 0 mismatch, 0 refused (not municipal), 1 unreadable"
