"""Members of Bærekraftsnettverket (the SDG network of municipalities and county authorities) for marking them
in the report: from the published marts when a mart carries them (`sdg_network`, `network_members`), else from
the dbt seed `seeds/sdg_network.csv` (member_code, member_name, member_kind, joined_year, source), else none."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipeline.paths import DBT_PROJECT_DIR
from pipeline.reports.data import Marts, frame_records, is_missing

NETWORK_SEED = DBT_PROJECT_DIR / "seeds" / "sdg_network.csv"
NETWORK_MARTS = ("sdg_network", "network_members")


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    kind: str  # 'municipality' | 'county'
    joined_year: int | None
    source: str


def _member(row: dict, where: str) -> Member:
    code = str(row.get("member_code") or "").strip()
    kind = str(row.get("member_kind") or "").strip()
    if not code or kind not in ("municipality", "county"):
        raise ValueError(f"{where}: member_code must be set and member_kind 'municipality' or 'county' "
                         f"(got member_code={code!r}, member_kind={kind!r})")
    joined = row.get("joined_year")
    return Member(code, str(row.get("member_name") or ""), kind,
                  None if is_missing(joined) or str(joined).strip() == "" else int(float(joined)),
                  "" if is_missing(row.get("source")) else str(row.get("source") or ""))


def network_members(marts: Marts, seed: Path | None = NETWORK_SEED) -> dict[tuple[str, str], Member]:
    """(member_kind, member_code) -> Member; empty when neither a mart nor the seed holds the network."""
    for name in NETWORK_MARTS:
        if marts.has(name, "member_code", "member_kind"):
            rows = frame_records(marts.get(name))
            members = [_member(r, f"marts.{name} row {i + 1}") for i, r in enumerate(rows)]
            return {(m.kind, m.code): m for m in members}
    if seed is None or not seed.exists():
        return {}
    if seed.is_symlink() or not seed.is_file():
        raise ValueError(f"{seed}: the network seed must be a regular file in the dbt project (a link or "
                         "anything else is never followed)")
    with seed.open(newline="", encoding="utf-8") as f:
        members = [_member(r, f"{seed} row {i + 2}") for i, r in enumerate(csv.DictReader(f))]
    return {(m.kind, m.code): m for m in members}
