"""What a submission may name: catalog indicators (by id or U4SSC code), units, municipalities.

The U4SSC code list (`u4ssc_codes.csv`, code + English title) was extracted from the KS indicator
vocabulary (U4SSC.ttl); it only lets us tell "a real U4SSC code we do not collect yet" from a typo.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.catalog import load_indicators
from pipeline.paths import DBT_PROJECT_DIR

U4SSC_FILE = Path(__file__).with_name("u4ssc_codes.csv")
MUNICIPALITIES_FILE = DBT_PROJECT_DIR / "seeds" / "municipalities_2024.csv"
SSB_ONLY_SOURCE_TYPES = {"ssb"}  # indicators fetched from SSB are not taken from submissions

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
class Indicator:
    indicator_id: str
    unit: str
    source_type: str
    u4ssc_code: str
    name_nb: str
    name_en: str

    @property
    def is_percent(self) -> bool:
        return unit_key(self.unit) == "prosent"

    @property
    def submittable(self) -> bool:
        return self.source_type.strip().lower() not in SSB_ONLY_SOURCE_TYPES


@dataclass(frozen=True)
class Lookup:
    indicator: Indicator | None
    u4ssc_title: str | None = None  # set when the code is a real U4SSC code missing from the catalog


class IndicatorIndex:
    """Resolve what a coordinator typed in the indicator column."""

    def __init__(self, rows: list[dict[str, str]], u4ssc: dict[str, str]):
        self.indicators = [
            Indicator(indicator_id=r["indicator_id"].strip(), unit=(r.get("unit") or "").strip(),
                      source_type=(r.get("source_type") or "").strip(), u4ssc_code=(r.get("u4ssc_code") or "").strip(),
                      name_nb=(r.get("name_nb") or "").strip(), name_en=(r.get("name_en") or "").strip())
            for r in rows if (r.get("indicator_id") or "").strip()
        ]
        self._by_id = {i.indicator_id.lower(): i for i in self.indicators}
        self._by_code: dict[str, Indicator] = {}
        for i in self.indicators:  # prefer submittable rows when several share a U4SSC code
            if i.u4ssc_code and (code_key(i.u4ssc_code) not in self._by_code or i.submittable):
                self._by_code[code_key(i.u4ssc_code)] = i
        self._u4ssc = {code_key(c): t for c, t in u4ssc.items()}

    def lookup(self, text: str) -> Lookup:
        s = str(text).strip()
        hit = self._by_id.get(s.lower()) or self._by_code.get(code_key(s))
        if hit:
            return Lookup(hit)
        return Lookup(None, self._u4ssc.get(code_key(s)))

    @property
    def submittable(self) -> list[Indicator]:
        return [i for i in self.indicators if i.submittable]

    def example_code(self) -> str:
        with_code = [i.u4ssc_code for i in self.submittable if i.u4ssc_code]
        return with_code[0] if with_code else (self.submittable[0].indicator_id if self.submittable else "")


def load_u4ssc_codes() -> dict[str, str]:
    with U4SSC_FILE.open(encoding="utf-8", newline="") as fh:
        return {r["u4ssc_code"]: r["title_en"] for r in csv.DictReader(fh)}


def indicator_index() -> IndicatorIndex:
    """Read fresh each time: the catalog seed is edited while a long-running Dagster process lives."""
    return IndicatorIndex(load_indicators(), _u4ssc_cached())


@cache
def _u4ssc_cached() -> dict[str, str]:
    return load_u4ssc_codes()


def municipality_codes() -> set[str]:
    with MUNICIPALITIES_FILE.open(encoding="utf-8", newline="") as fh:
        return {r["municipality_code"].strip().zfill(4) for r in csv.DictReader(fh)}
