"""The catalogs, read from config: SSB tables (ssb_tables.yaml) and indicators (the dbt seed)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from pipeline.paths import CATALOG_DIR, DBT_PROJECT_DIR

SSB_TABLES_FILE = CATALOG_DIR / "ssb_tables.yaml"
INDICATORS_FILE = DBT_PROJECT_DIR / "seeds" / "indicator_catalog.csv"


@dataclass(frozen=True)
class ContentsSpec:
    code: str
    label_nb: str
    unit: str
    decimals: int = 0
    demo: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class TableSpec:
    """One SSB table: what to ask for and which contents codes we read."""

    id: str
    label_nb: str
    region_dimension: str
    contents: tuple[ContentsSpec, ...]
    selection: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)
    region_codelist: str | None = None

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


def load_ssb_catalog(path: Path = SSB_TABLES_FILE) -> SsbCatalog:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables = []
    for t in doc["tables"]:
        contents = tuple(
            ContentsSpec(code=code, label_nb=c["label_nb"], unit=c["unit"], decimals=int(c.get("decimals", 0)),
                         demo=dict(c.get("demo", {})))
            for code, c in t["contents"].items()
        )
        tables.append(TableSpec(
            id=str(t["id"]), label_nb=t["label_nb"], region_dimension=t["region_dimension"],
            contents=contents, selection={k: [str(v) for v in vs] for k, vs in (t.get("selection") or {}).items()},
            region_codelist=t.get("region_codelist"),
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
