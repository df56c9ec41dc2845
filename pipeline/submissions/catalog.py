"""What a submission may name: catalog indicators (by id or U4SSC code), U4SSC KPIs, units, municipalities.

Every U4SSC KPI code in the dbt seed `u4ssc_kpi_codes.csv` can be submitted. A code resolves to the
catalog indicator carrying it when that indicator is taken from submissions; otherwise (no catalog
indicator, or one fetched from SSB) to the U4SSC KPI itself, stored under its `kpi_id` (`u4ssc_...`).
Either way the value must be in the KPI's unit and within its plausible range.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.catalog import load_indicators
from pipeline.paths import DBT_PROJECT_DIR

U4SSC_FILE = DBT_PROJECT_DIR / "seeds" / "u4ssc_kpi_codes.csv"
MUNICIPALITIES_FILE = DBT_PROJECT_DIR / "seeds" / "municipalities_2024.csv"
SSB_ONLY_SOURCE_TYPES = {"ssb"}  # indicators fetched from SSB are not taken from submissions
U4SSC_SOURCE_TYPE = "u4ssc"  # a U4SSC KPI submitted as itself (no submittable catalog indicator carries it)

_UNIT_ALIASES = {
    "%": "prosent", "pst": "prosent", "pst.": "prosent", "prosent": "prosent", "percent": "prosent",
    "per cent": "prosent", "prosentandel": "prosent",
    "kr": "kr", "nok": "kr", "kroner": "kr", "kr.": "kr",
    "kg": "kg", "kilo": "kg", "kilogram": "kg",
}


def code_key(code: str) -> str:
    """U4SSC codes match regardless of spacing and case: 'ec:ict: ict:1c' == 'EC: ICT: ICT: 1C'."""
    return re.sub(r"\s+", "", str(code)).upper()


def unit_key(unit: str) -> str:
    s = re.sub(r"\s+", " ", str(unit).replace("\xa0", " ")).strip().lower()
    return _UNIT_ALIASES.get(s, s)


@dataclass(frozen=True)
class U4sscKpi:
    """One row of the U4SSC KPI seed: the code, its unit and the range a plausible value lies in."""

    code: str
    kpi_id: str
    name_en: str
    name_nb: str
    unit: str
    range_min: float
    range_max: float
    range_rationale: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    unit: str
    source_type: str
    u4ssc_code: str
    name_nb: str
    name_en: str
    kpi: U4sscKpi | None = None  # the U4SSC KPI the indicator reports (unit and plausible range)

    @property
    def is_percent(self) -> bool:
        return unit_key(self.unit) == "prosent"

    @property
    def submittable(self) -> bool:
        return self.source_type.strip().lower() not in SSB_ONLY_SOURCE_TYPES


class IndicatorIndex:
    """Resolve what a coordinator typed in the indicator column."""

    def __init__(self, rows: list[dict[str, str]], kpis: list[U4sscKpi]):
        kpi_of = {code_key(alias): k for k in kpis for alias in (k.code, *k.aliases)}
        catalog = [
            Indicator(indicator_id=r["indicator_id"].strip(), unit=(r.get("unit") or "").strip(),
                      source_type=(r.get("source_type") or "").strip(), u4ssc_code=(r.get("u4ssc_code") or "").strip(),
                      name_nb=(r.get("name_nb") or "").strip(), name_en=(r.get("name_en") or "").strip(),
                      kpi=kpi_of.get(code_key(r.get("u4ssc_code") or "")))
            for r in rows if (r.get("indicator_id") or "").strip()
        ]
        by_code: dict[str, Indicator] = {}
        for i in catalog:  # a submittable catalog indicator takes its U4SSC code's submissions
            if i.kpi and i.submittable:
                by_code.setdefault(i.kpi.kpi_id, i)
        # the other KPIs (none in the catalog, or only from SSB) are stored as themselves
        own = [Indicator(indicator_id=k.kpi_id, unit=k.unit, source_type=U4SSC_SOURCE_TYPE, u4ssc_code=k.code,
                         name_nb=k.name_nb, name_en=k.name_en, kpi=k) for k in kpis if k.kpi_id not in by_code]
        by_code.update({i.kpi.kpi_id: i for i in own if i.kpi})
        self.indicators = catalog + own
        self._by_id = {i.indicator_id.lower(): i for i in self.indicators}
        self._by_code = {key: by_code[k.kpi_id] for key, k in kpi_of.items()}

    def lookup(self, text: str) -> Indicator | None:
        """The indicator a cell names (catalog id, U4SSC KPI id, or U4SSC code in any spacing); None if unknown."""
        s = str(text).strip()
        return self._by_id.get(s.lower()) or self._by_code.get(code_key(s))

    @property
    def submittable(self) -> list[Indicator]:
        return [i for i in self.indicators if i.submittable]

    def example_code(self) -> str:
        with_code = [i.u4ssc_code for i in self.submittable if i.u4ssc_code]
        return with_code[0] if with_code else (self.submittable[0].indicator_id if self.submittable else "")


def load_u4ssc_kpis(path: Path = U4SSC_FILE) -> list[U4sscKpi]:
    """The U4SSC KPI seed (every U4SSC code, its unit and plausible range)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [U4sscKpi(code=r["u4ssc_code"].strip(), kpi_id=r["kpi_id"].strip(), name_en=r["name_en"].strip(),
                         name_nb=r["name_nb"].strip(), unit=r["unit"].strip(), range_min=float(r["range_min"]),
                         range_max=float(r["range_max"]), range_rationale=r["range_rationale"].strip(),
                         aliases=tuple(a.strip() for a in (r.get("alias_codes") or "").split("|") if a.strip()))
                for r in csv.DictReader(fh)]


def indicator_index() -> IndicatorIndex:
    """Read fresh each time: the catalog seed is edited while a long-running Dagster process lives."""
    return IndicatorIndex(load_indicators(), load_u4ssc_kpis())


def municipality_codes() -> set[str]:
    with MUNICIPALITIES_FILE.open(encoding="utf-8", newline="") as fh:
        return {r["municipality_code"].strip().zfill(4) for r in csv.DictReader(fh)}
