"""The SDG network seed (dbt_project/seeds/sdg_network.csv) names real members on the 2024 structure: every
code exists in the KLASS seeds with the same name, the issue's twelve municipalities and the county authorities
(Viken by its three successors) are all there, and every year is sourced or labelled unverified."""

from __future__ import annotations

import csv
from pathlib import Path

from pipeline.paths import REPO_ROOT

SEEDS = REPO_ROOT / "dbt_project" / "seeds"
MEMBERS = {"Asker", "Bærum", "Trondheim", "Rana", "Ålesund", "Bodø", "Haugesund", "Karmøy", "Kristiansand",
           "Kristiansund", "Molde", "Stavanger"}
COUNTIES = {"Møre og Romsdal", "Trøndelag", "Østfold", "Akershus", "Buskerud"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_network_members_exist_on_the_2024_structure() -> None:
    network = _rows(SEEDS / "sdg_network.csv")
    munis = {r["municipality_code"]: r["municipality_name"] for r in _rows(SEEDS / "municipalities_2024.csv")}
    counties = {r["county_code"]: r["county_name"] for r in _rows(SEEDS / "counties_2024.csv")}
    for i, r in enumerate(network, start=2):
        where = f"sdg_network.csv row {i} ({r['member_code']})"
        known = munis if r["member_kind"] == "municipality" else counties
        assert r["member_code"] in known, f"{where}: not a 2024 {r['member_kind']} code"
        # KLASS names may add the Sami name ('Rana - Raane'): the seed's name is the first part
        assert known[r["member_code"]].split(" - ")[0] == r["member_name"], where
        assert r["joined_year"] or "unverified" in r["source"].lower(), f"{where}: joined_year unsourced"
        assert r["source"].strip(), where
    assert {r["member_name"] for r in network if r["member_kind"] == "municipality"} == MEMBERS
    assert {r["member_name"] for r in network if r["member_kind"] == "county"} == COUNTIES
    viken = [r for r in network if "Viken" in r["source"]]
    assert {r["member_name"] for r in viken} == {"Østfold", "Akershus", "Buskerud"}
    assert all("unverified" in r["source"] for r in viken)
