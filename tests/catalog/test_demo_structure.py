"""The demo snapshot keeps the real structure of every catalog table (issue "Make the SSB catalog real", item 5):
dimension names and codes as the catalog selects them, the codelists the evidence shows, SSB's elimination rules
and roles, so a demo run meets the same structure checks a live run meets."""

from __future__ import annotations

from pipeline.catalog import load_evidence, ssb_catalog
from pipeline.catalog.check import OK, check_table
from pipeline.demo.snapshot import KOSTRA_REGION, build_table_documents
from pipeline.ssb.structure import read_structure


def test_every_demo_table_matches_the_catalog_with_the_evidence_codelists() -> None:
    catalog, evidence = ssb_catalog(), load_evidence()
    verified_codelists = 0
    for table in catalog.tables:
        _, metadata, _ = build_table_documents(table, catalog.years)
        structure = read_structure(metadata)
        result = check_table(table, structure, years=catalog.years)
        assert result.verdict == "MATCH", (table.id, [f.text for f in result.mismatches], result.refused)
        region = structure.region_dimension
        assert region is not None and region.id == table.region_dimension
        assert structure.time_dimension.id == "Tid" and structure.contents_dimension.id == "ContentsCode"
        assert set(structure.contents_dimension.codes) == set(table.contents_codes)
        for dim, codes in table.selection.items():
            assert list(structure.dimension(dim).codes) == codes, (table.id, dim)
        # KOSTRA's region cannot be eliminated; a Region and the selected categories can (SSB's totals)
        assert region.elimination is (table.region_dimension != KOSTRA_REGION), table.id
        seen = ((evidence.get(table.id) or {}).get("dimensions") or {}).get(table.region_dimension) or []
        expected = {c for c in [table.region_codelist, *seen] if c}
        if expected:
            assert {c.id for c in region.codelists} == expected, table.id
            codelist = next(f for f in result.findings if f.subject == "codelist")
            assert codelist.status == OK or table.region_codelist is None, (table.id, codelist.text)
            verified_codelists += table.region_codelist is not None
        else:  # nothing known: left unknown, never claimed empty
            assert region.codelists is None, table.id
    assert verified_codelists >= 15
