"""The catalogs, read from config: SSB tables (ssb_tables.yaml) and indicators (the dbt seed)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from pipeline.paths import CATALOG_DIR, DBT_PROJECT_DIR

SSB_TABLES_FILE = CATALOG_DIR / "ssb_tables.yaml"
EVIDENCE_FILE = CATALOG_DIR / "evidence.yaml"
INDICATORS_FILE = DBT_PROJECT_DIR / "seeds" / "indicator_catalog.csv"

# How well the evidence backs a table's structure / a contents code (see the header of ssb_tables.yaml).
TABLE_VERIFICATION = ("confirmed", "partial", "unverified")
CONTENTS_VERIFICATION = ("confirmed", "corrected", "replaced", "unverified")
VERIFIED = ("confirmed", "corrected", "replaced")


class CatalogError(ValueError):
    """An entry of ssb_tables.yaml that the loader refuses (e.g. no evidence or verification)."""


@dataclass(frozen=True)
class ContentsSpec:
    code: str
    label_nb: str
    unit: str
    decimals: int = 0
    demo: dict = field(default_factory=dict, hash=False, compare=False)
    verification: str = "unverified"
    evidence: str = ""
    # plausible [min, max] of the values, when the catalog gives one (the quality suites' range rule)
    value_range: tuple[float | None, float | None] | None = None

    @property
    def verified(self) -> bool:
        return self.verification in VERIFIED


@dataclass(frozen=True)
class TableSpec:
    """One SSB table: what to ask for and which contents codes we read."""

    id: str
    label_nb: str
    region_dimension: str
    contents: tuple[ContentsSpec, ...]
    selection: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)
    region_codelist: str | None = None
    verification: str = "unverified"
    evidence: str = ""
    open: str = ""

    def contents_spec(self, code: str) -> ContentsSpec:
        for c in self.contents:
            if c.code == code:
                return c
        raise KeyError(f"contents code {code} is not in table {self.id}")

    @property
    def contents_codes(self) -> list[str]:
        return [c.code for c in self.contents]


@dataclass(frozen=True)
class SsbCatalog:
    base_url: str
    first_year: int
    last_year: int
    tables: tuple[TableSpec, ...]

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def table(self, table_id: str) -> TableSpec:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(f"table {table_id} is not in {SSB_TABLES_FILE.name}")


def _verification(where: str, entry: dict, allowed: tuple[str, ...], path: Path) -> tuple[str, str]:
    """An entry's (verification, evidence); refuses an entry that lacks either or names an unknown status."""
    verification, evidence = entry.get("verification"), str(entry.get("evidence") or "").strip()
    if verification is None or not evidence:
        missing = " and ".join(k for k, v in (("verification", verification), ("evidence", evidence)) if not v)
        raise CatalogError(f"{path.name}: {where} has no {missing}: every table and contents code must name its "
                           f"evidence (verification: {'|'.join(allowed)}, evidence: \"<file/key or repo:path>\"); "
                           "see docs/research/ and the header of ssb_tables.yaml")
    if verification not in allowed:
        raise CatalogError(f"{path.name}: {where}: verification {verification!r} is not one of {'|'.join(allowed)}")
    return str(verification), evidence


def _refuse_non_municipal(tid: str, entry: dict, not_municipal: dict[str, dict], path: Path) -> None:
    """National-only and county-only tables cannot give a municipal figure: refuse them by name."""
    known = not_municipal.get(tid)
    if known:
        raise CatalogError(f"{path.name}: table {tid} is {known['level']}-only, not municipal "
                           f"(evidence: {known['evidence']}); the product measures municipalities, so find the "
                           "municipal table for this statistic (the (K) table of the same topic) or drop the entry")
    if not str(entry.get("region_dimension") or "").strip():
        raise CatalogError(f"{path.name}: table {tid} names no region_dimension: a table without a region is "
                           "national-only and cannot give a municipal figure")


def _value_range(rng: list | None) -> tuple[float | None, float | None] | None:
    if rng is None:
        return None
    lo, hi = rng
    return (None if lo is None else float(lo)), (None if hi is None else float(hi))


def load_ssb_catalog(path: Path = SSB_TABLES_FILE, evidence_path: Path = EVIDENCE_FILE) -> SsbCatalog:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    not_municipal = load_not_municipal(evidence_path)
    tables = []
    for t in doc["tables"]:
        tid = str(t["id"])
        _refuse_non_municipal(tid, t, not_municipal, path)
        t_ver, t_ev = _verification(f"table {tid}", t, TABLE_VERIFICATION, path)
        contents = []
        for code, c in t["contents"].items():
            c_ver, c_ev = _verification(f"table {tid} contents code {code}", c, CONTENTS_VERIFICATION, path)
            if t_ver == "unverified" and c_ver != "unverified":
                raise CatalogError(f"{path.name}: table {tid} is unverified, so its contents code {code} cannot be "
                                   f"{c_ver}: verify the table's structure first")
            contents.append(ContentsSpec(code=code, label_nb=c["label_nb"], unit=c["unit"],
                                         decimals=int(c.get("decimals", 0)), demo=dict(c.get("demo", {})),
                                         verification=c_ver, evidence=c_ev,
                                         value_range=_value_range(c.get("range"))))
        tables.append(TableSpec(
            id=tid, label_nb=t["label_nb"], region_dimension=t["region_dimension"],
            contents=tuple(contents),
            selection={k: [str(v) for v in vs] for k, vs in (t.get("selection") or {}).items()},
            region_codelist=t.get("region_codelist"), verification=t_ver, evidence=t_ev,
            open=str(t.get("open") or ""),
        ))
    return SsbCatalog(base_url=doc["base_url"], first_year=int(doc["first_year"]),
                      last_year=int(doc["last_year"]), tables=tuple(tables))


@cache
def ssb_catalog() -> SsbCatalog:
    return load_ssb_catalog()


def load_indicators(path: Path = INDICATORS_FILE) -> list[dict[str, str]]:
    """The indicator catalog rows as dicts of strings (the dbt seed is the single source)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _evidence_section(path: Path, section: str) -> dict[str, dict]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): v for k, v in (doc.get(section) or {}).items()}


def load_evidence(path: Path = EVIDENCE_FILE) -> dict[str, dict]:
    """The public-code citations of pipeline/catalog/evidence.yaml: table id -> {dimensions, contents}."""
    return _evidence_section(path, "tables")


def load_not_municipal(path: Path = EVIDENCE_FILE) -> dict[str, dict]:
    """Tables the evidence shows are national- or county-only: table id -> {level, evidence}."""
    return _evidence_section(path, "not_municipal")


def indicator_verification(row: dict[str, str], catalog: SsbCatalog | None = None) -> str:
    """An SSB indicator's status, derived from its numerator's and denominator's contents codes: the weakest of
    them (unverified < replaced < corrected < confirmed); population (07459 Personer1) counts as its code."""
    if row.get("source_type") != "ssb":
        return "submission"
    catalog = catalog or ssb_catalog()
    codes = [(row["table_id"], row["contents_code"])]
    den = row.get("denominator") or ""
    if den == "population":
        codes.append(("07459", "Personer1"))
    elif den.startswith("ssb:"):
        _, table, code, *_ = den.split(":")
        codes.append((table, code))
    order = ("unverified", "replaced", "corrected", "confirmed")
    found = [catalog.table(t).contents_spec(c).verification for t, c in codes]
    return min(found, key=order.index)
