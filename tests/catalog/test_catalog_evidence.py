"""The SSB catalog against the recorded evidence (issue "Make the SSB catalog real").

Every contents code the catalog calls confirmed, corrected or replaced must be seen, with that table id, in
shared/data/ssb/catalog_evidence.json, table_evidence_by_goal.json, a real response in shared/data/ssb, or the
public-code citations of pipeline/catalog/evidence.yaml; no code that catalog_evidence.json marks contradicted
may come back; every indicator's verification follows from its codes, and unverified ones stay out of the index.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.catalog import (
    VERIFIED,
    CatalogError,
    indicator_verification,
    load_evidence,
    load_indicators,
    load_not_municipal,
    load_ssb_catalog,
    ssb_catalog,
)
from pipeline.paths import SHARED_DATA_DIR

SSB_DATA = SHARED_DATA_DIR / "ssb"


@pytest.fixture(scope="module")
def catalog_evidence() -> dict:
    path = SSB_DATA / "catalog_evidence.json"
    assert path.is_file(), f"recorded evidence missing at {path}"
    return json.loads(path.read_text(encoding="utf-8"))["tables"]


@pytest.fixture(scope="module")
def goal_evidence() -> dict:
    return json.loads((SSB_DATA / "table_evidence_by_goal.json").read_text(encoding="utf-8"))["tables"]


def _codes_in_real_files(table_id: str) -> set[str]:
    """Contents codes of the real JSON-stat responses in shared/data/ssb named after the table."""
    codes: set[str] = set()
    for path in SSB_DATA.glob(f"{table_id}_*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc = doc.get("dataset", doc)
        contents = (doc.get("dimension") or {}).get("ContentsCode")
        if contents:
            index = contents["category"]["index"]
            codes |= set(index if isinstance(index, (dict, list)) else [])
    return codes


def _seen(table_id: str, code: str, catalog_evidence: dict, goal_evidence: dict, citations: dict) -> list[str]:
    """Where the evidence shows `code` for `table_id` (empty: nowhere)."""
    where = []
    if code in (catalog_evidence.get(table_id) or {}).get("contents_seen", {}):
        where.append(f"catalog_evidence.json tables.{table_id}")
    if code in (goal_evidence.get(table_id) or {}).get("contents", {}):
        where.append(f"table_evidence_by_goal.json tables.{table_id}")
    if code in _codes_in_real_files(table_id):
        where.append(f"shared/data/ssb/{table_id}_*.json")
    if code in ((citations.get(table_id) or {}).get("contents") or {}):
        where.append(f"evidence.yaml {table_id}:{code}")
    return where


def test_every_verified_code_has_recorded_evidence(catalog_evidence, goal_evidence) -> None:
    citations = load_evidence()
    missing = []
    for table in ssb_catalog().tables:
        for c in table.contents:
            if c.verification in VERIFIED and not _seen(table.id, c.code, catalog_evidence, goal_evidence, citations):
                missing.append(f"{table.id} {c.code} ({c.verification})")
    assert not missing, f"codes marked verified without recorded evidence: {missing}"


def test_evidence_named_per_entry_points_at_real_evidence(catalog_evidence, goal_evidence) -> None:
    """Each verified entry's `evidence` names a source that holds it (the file/key or the evidence.yaml key)."""
    citations = load_evidence()
    wrong = []
    for table in ssb_catalog().tables:
        for c in table.contents:
            if c.verification not in VERIFIED:
                continue
            sources = _seen(table.id, c.code, catalog_evidence, goal_evidence, citations)
            named = [s for s in sources if s.split(" ")[0].split("/")[-1].split("_*")[0] in c.evidence
                     or (s.startswith("shared/") and f"shared/data/ssb/{table.id}_" in c.evidence)
                     or (s.startswith("evidence.yaml") and "evidence.yaml" in c.evidence)]
            if not named:
                wrong.append(f"{table.id} {c.code}: evidence {c.evidence!r} names none of {sources}")
    assert not wrong, wrong
    for table_id, entry in citations.items():
        for code, cite in (entry.get("contents") or {}).items():
            assert cite and ("fs " in cite or ":" in cite), f"evidence.yaml {table_id}:{code}: cite repo:path or fs id"


def test_no_contradicted_code_comes_back(catalog_evidence) -> None:
    back = []
    for table in ssb_catalog().tables:
        verdicts = (catalog_evidence.get(table.id) or {}).get("catalog_contents", {})
        back += [f"{table.id} {code}" for code in table.contents_codes if verdicts.get(code) == "contradicted"]
    assert not back, f"codes catalog_evidence.json marks contradicted are back in the catalog: {back}"
    assert not set(load_not_municipal()) & {t.id for t in ssb_catalog().tables}


def test_kostra_tables_use_the_kostra_region_dimension(catalog_evidence, goal_evidence) -> None:
    """Where the evidence names the region dimension, the catalog uses it (KOSTRA: KOKkommuneregion0000, no
    agg_KommSummer)."""
    for table in ssb_catalog().tables:
        seen = (goal_evidence.get(table.id) or {}).get("dimensions_seen") or \
            (catalog_evidence.get(table.id) or {}).get("dimensions_seen") or []
        if "KOKkommuneregion0000" in seen:
            assert table.region_dimension == "KOKkommuneregion0000", table.id
        if table.region_dimension == "KOKkommuneregion0000":
            assert table.region_codelist is None, f"{table.id}: KOSTRA tables have no agg_KommSummer"
        if table.verification == "confirmed" and seen:
            named = set(table.selection) | {table.region_dimension}
            assert named <= set(seen), f"{table.id}: dimensions {named - set(seen)} not in the evidence"


def test_unverified_table_has_only_unverified_codes() -> None:
    for table in ssb_catalog().tables:
        if table.verification == "unverified":
            assert all(c.verification == "unverified" for c in table.contents), table.id


def test_indicator_verification_follows_its_codes() -> None:
    catalog = ssb_catalog()
    for row in load_indicators():
        assert row["verification"] == indicator_verification(row, catalog), row["indicator_id"]
        if row["verification"] == "unverified":
            assert row["in_index"] == "false", f"{row['indicator_id']} is unverified but counts in the index"


def _write_catalog(tmp_path: Path, table: dict) -> Path:
    path = tmp_path / "ssb_tables.yaml"
    path.write_text(yaml.safe_dump({"base_url": "x", "first_year": 2020, "last_year": 2024, "tables": [table]}),
                    encoding="utf-8")
    return path


def _table(**over) -> dict:
    table = {"id": "99999", "label_nb": "t", "region_dimension": "Region", "verification": "confirmed",
             "evidence": "somewhere", "contents": {"X": {"label_nb": "x", "unit": "prosent",
                                                         "verification": "confirmed", "evidence": "there"}}}
    table.update(over)
    return table


def test_loader_refuses_entries_without_evidence(tmp_path: Path) -> None:
    assert load_ssb_catalog(_write_catalog(tmp_path, _table())).tables[0].contents[0].evidence == "there"
    with pytest.raises(CatalogError, match=r"table 99999 has no evidence"):
        load_ssb_catalog(_write_catalog(tmp_path, _table(evidence="")))
    with pytest.raises(CatalogError, match=r"table 99999 has no verification"):
        load_ssb_catalog(_write_catalog(tmp_path, {k: v for k, v in _table().items() if k != "verification"}))
    bare = _table(contents={"X": {"label_nb": "x", "unit": "prosent"}})
    with pytest.raises(CatalogError, match=r"contents code X has no verification and evidence"):
        load_ssb_catalog(_write_catalog(tmp_path, bare))
    with pytest.raises(CatalogError, match=r"'guessed' is not one of"):
        load_ssb_catalog(_write_catalog(tmp_path, _table(verification="guessed")))
    with pytest.raises(CatalogError, match=r"unverified, so its contents code X cannot be confirmed"):
        load_ssb_catalog(_write_catalog(tmp_path, _table(verification="unverified")))


@pytest.mark.parametrize(("table_id", "level"), [("07756", "national"), ("05111", "national"),
                                                  ("11600", "county"), ("12599", "national")])
def test_loader_refuses_national_and_county_only_tables(tmp_path: Path, table_id: str, level: str) -> None:
    """The tables the evidence shows are national- or county-only (they were in the catalog once) cannot come
    back: the loader names the level and the evidence."""
    with pytest.raises(CatalogError, match=rf"table {table_id} is {level}-only, not municipal \(evidence: "):
        load_ssb_catalog(_write_catalog(tmp_path, _table(id=table_id)))


def test_loader_refuses_a_table_without_region(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"table 99999 names no region_dimension: .* national-only"):
        load_ssb_catalog(_write_catalog(tmp_path, _table(region_dimension=None)))


def test_not_municipal_evidence_agrees_with_the_recorded_evidence(catalog_evidence) -> None:
    """Each refused id is one the shared evidence calls structurally contradicted (no region / counties only),
    and the catalog once held all four (07756, 05111 national; 11600 county; 12599 national)."""
    assert set(load_not_municipal()) == {"05111", "07756", "12599", "11600"}
    for table_id, entry in load_not_municipal().items():
        assert "structure_contradicted" in catalog_evidence[table_id]["table_verdict"], table_id
        assert f"tables.{table_id}" in entry["evidence"], table_id
        assert table_id not in {t.id for t in ssb_catalog().tables}
