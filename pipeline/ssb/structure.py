"""A table's structure as SSB describes it: region, time and contents dimensions, the other dimensions with
their codes and SSB's labels, the codelists offered for the region, and the table's region level.

Read from what `/tables/{id}/metadata` returns (JSON-stat2 with `value: []`, parsed by `pipeline.ssb.jsonstat`);
a data response or a v0 metadata document (`{title, variables[...]}`) work too. Pure functions on documents:
no I/O, so a live fetch can call `read_structure(meta_response.json())` before it builds a selection.

Where SSB says what (real responses in shared/data/ssb):
- roles: `role.geo` / `role.time` / `role.metric` (05300 has no geo role and no region dimension; 14216 lists
  two geo dimensions, `Region` and `TettSted`; 07221 has a `Region` without a geo role);
- codelists: per dimension in `dimension[D].extension.codelists` = `[{id, label, type}]` (14216: `Region` offers
  `agg_Valgdistrikt` and `vs_Kommun`; 05300: `[]`). The table info (`/tables/{id}`) does not list them. When
  the key is absent (v0, demo snapshots) the codelists are unknown (`None`), not empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pipeline.ssb.jsonstat import Dataset, Dimension, JsonStatError, load_json, parse_jsonstat

# Fallbacks by name when a document names no role (ids SSB uses for these dimensions).
REGION_DIMENSIONS = ("Region", "KOKkommuneregion0000", "Gjerningssted", "Kommune", "Bostedskommune",
                     "Arbeidsstedkommune", "KOKfylkesregion0000")
TIME_DIMENSIONS = ("Tid",)
CONTENTS_DIMENSIONS = ("ContentsCode",)
# The codelist asked for a municipal figure, best first: summed to today's borders, today's municipalities,
# then the table's own municipality valueset (vs_Kommune, vs_Kommun, ...). None of them: the table's own codes.
MUNICIPAL_CODELISTS = ("agg_KommSummer", "agg_KommGjeldende")
MUNICIPAL_VALUESET_PREFIX = "vs_Kommun"

_MUNICIPALITY = re.compile(r"^(?:[Kk][-_.])?\d{4}$")  # 0301, K-0301, K_0301, K.0301
_COUNTY = re.compile(r"^(?:[Ff][-_.])?\d{2}$")  # 03, F-03, F_03
NATIONAL_CODES = frozenset({"0000", "0", "00", "TOTAL", "TOT", "Hele landet"})
_NOT_A_MUNICIPALITY = frozenset({"0000", "9999", "9900"})  # country, unknown, abroad


class RegionLevel(StrEnum):
    MUNICIPAL = "municipal"  # municipality codes (4 digits, K- prefixed, KOSTRA's incl. EAK/EKGnn specials)
    COUNTY = "county"  # only county codes (2 digits, F- prefixed) besides the country
    NATIONAL = "national"  # no region dimension, or only the whole country
    OTHER = "other"  # regions of another kind (07221: TOTAL, 001 Oslo med Bærum, ...)


@dataclass(frozen=True)
class Codelist:
    id: str
    label: str = ""
    type: str = ""  # "Aggregation" | "Valueset"

    def describe(self) -> str:
        return f"{self.id} '{self.label.strip()}'" if self.label.strip() else self.id


@dataclass(frozen=True)
class DimensionInfo(Dimension):
    """A parsed dimension (codes in SSB's order, SSB's labels, elimination) plus the codelists it offers."""

    codelists: tuple[Codelist, ...] | None = None  # None: the document does not say

    def label_of(self, code: str) -> str:
        return self.labels.get(code, code)

    def describe(self, code: str) -> str:
        """`code 'SSB label'` (the label left out when SSB has none beyond the code)."""
        label = self.label_of(code)
        return f"{code} '{label}'" if label != code else code

    def sample(self, limit: int = 8, codes: Iterable[str] | None = None) -> str:
        """A few codes with labels for a message: `01 'Under 1 km', 02 '1-4,9 km', ... (6 codes)`."""
        chosen = list(self.codes if codes is None else codes)
        shown = ", ".join(self.describe(c) for c in chosen[:limit])
        return shown + (f", ... ({len(chosen)} codes)" if len(chosen) > limit else "")


@dataclass(frozen=True)
class TableStructure:
    """What SSB says a table looks like (see the module doc); `region` etc. are dimension ids or None."""

    table_id: str | None
    label: str
    dimensions: tuple[DimensionInfo, ...]
    region: str | None
    time: str | None
    contents: str | None
    updated: str | None = None
    source: str = "v2 metadata"  # "v2 metadata" | "v0 metadata" | "data" (a data response: codes it held only)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def dimension(self, dim_id: str | None) -> DimensionInfo | None:
        return next((d for d in self.dimensions if d.id == dim_id), None)

    @property
    def region_dimension(self) -> DimensionInfo | None:
        return self.dimension(self.region)

    @property
    def contents_dimension(self) -> DimensionInfo | None:
        return self.dimension(self.contents)

    @property
    def time_dimension(self) -> DimensionInfo | None:
        return self.dimension(self.time)

    @property
    def other_dimensions(self) -> tuple[DimensionInfo, ...]:
        """Every dimension besides region, time and contents (the ones a catalog selects or eliminates)."""
        return tuple(d for d in self.dimensions if d.id not in (self.region, self.time, self.contents))

    @property
    def region_codelists(self) -> tuple[Codelist, ...] | None:
        dim = self.region_dimension
        return dim.codelists if dim is not None else ()

    @property
    def municipal_codelist(self) -> str | None:
        """The codelist to ask for municipal figures (`choose_municipal_codelist`); None = the table's own codes."""
        return choose_municipal_codelist(c.id for c in self.region_codelists or ())

    @property
    def region_level(self) -> RegionLevel:
        dim = self.region_dimension
        return region_level(dim.codes if dim is not None else ())

    def describe_dimensions(self) -> str:
        return ", ".join(f"{d.id} '{d.label}'" for d in self.dimensions)


def choose_municipal_codelist(codelist_ids: Iterable[str]) -> str | None:
    """agg_KommSummer, else agg_KommGjeldende, else a vs_Kommun* valueset (vs_Kommune before vs_Kommun...),
    else None: ask without a codelist and read the table's own codes."""
    offered = list(codelist_ids)
    for wanted in MUNICIPAL_CODELISTS:
        if wanted in offered:
            return wanted
    valuesets = sorted((c for c in offered if c.startswith(MUNICIPAL_VALUESET_PREFIX)),
                       key=lambda c: (c != "vs_Kommune", c))
    return valuesets[0] if valuesets else None


def is_municipality_code(code: str) -> bool:
    """0301, K-0301 (agg_KommSummer), K_0301, K.0301; not 0000 (country) or 9999 (unknown)."""
    return bool(_MUNICIPALITY.match(code)) and code[-4:] not in _NOT_A_MUNICIPALITY


def is_county_code(code: str) -> bool:
    """03, F-03, F_03; not 00."""
    return bool(_COUNTY.match(code)) and code[-2:] != "00"


def region_level(codes: Iterable[str]) -> RegionLevel:
    """MUNICIPAL when any code is a municipality; else COUNTY when any is a county; else NATIONAL when there
    are no codes or only the whole country; else OTHER."""
    codes = [str(c) for c in codes]
    if any(is_municipality_code(c) for c in codes):
        return RegionLevel.MUNICIPAL
    if any(is_county_code(c) for c in codes):
        return RegionLevel.COUNTY
    if all(c in NATIONAL_CODES for c in codes):
        return RegionLevel.NATIONAL
    return RegionLevel.OTHER


def _codelists(raw: dict) -> tuple[Codelist, ...] | None:
    ext = raw.get("extension")
    if not isinstance(ext, dict) or not isinstance(ext.get("codelists"), list):
        return None
    return tuple(Codelist(id=str(c.get("id", "")), label=str(c.get("label", "")), type=str(c.get("type", "")))
                 for c in ext["codelists"] if isinstance(c, dict) and c.get("id"))


def _pick(ids: list[str], by_role: Iterable[str], names: Iterable[str]) -> str | None:
    """The first role dimension with a known name, else the first role dimension, else a known name."""
    role_ids = [d for d in by_role if d in ids]
    names = list(names)
    for name in names:
        if name in role_ids:
            return name
    if role_ids:
        return role_ids[0]
    return next((n for n in names if n in ids), None)


def _structure(table_id: str | None, label: str, dims: tuple[DimensionInfo, ...], roles: dict,
               updated: str | None, source: str) -> TableStructure:
    ids = [d.id for d in dims]
    time = _pick(ids, roles.get("time") or [], TIME_DIMENSIONS)
    time = time or next((d.id for d in dims if d.id.lower() in ("tid", "time", "år")), None)
    return TableStructure(table_id=table_id, label=label, dimensions=dims,
                          region=_pick(ids, roles.get("geo") or [], REGION_DIMENSIONS), time=time,
                          contents=_pick(ids, roles.get("metric") or [], CONTENTS_DIMENSIONS),
                          updated=updated, source=source)


def structure_from_dataset(dataset: Dataset, *, table_id: str | None = None) -> TableStructure:
    """The structure of a parsed JSON-stat dataset (metadata: `value: []`; a data response gives only the
    codes it held, `source` "data")."""
    dims = tuple(DimensionInfo(id=d.id, label=d.label, codes=d.codes, labels=d.labels, elimination=d.elimination,
                               raw=d.raw, codelists=_codelists(d.raw)) for d in dataset.dimensions)
    roles = dataset.raw.get("role") if isinstance(dataset.raw.get("role"), dict) else {}
    return _structure(table_id or dataset.table_id, dataset.label, dims, roles, dataset.updated,
                      "v2 metadata" if dataset.values is None else "data")


def structure_from_v0_metadata(doc: dict, *, table_id: str | None = None) -> TableStructure:
    """PxWebApi v0 table metadata `{title, variables: [{code, text, values, valueTexts, time, elimination}]}`.
    v0 names no roles and no codelists: region and contents are found by name, time by `time: true`."""
    variables = doc.get("variables")
    if not isinstance(variables, list):
        raise JsonStatError("v0 metadata has no 'variables' list")
    dims = []
    roles: dict[str, list[str]] = {"time": []}
    for v in variables:
        code, values = str(v["code"]), [str(x) for x in v.get("values", [])]
        texts = [str(x) for x in v.get("valueTexts", values)]
        dims.append(DimensionInfo(id=code, label=str(v.get("text", code)), codes=tuple(values),
                                  labels=dict(zip(values, texts, strict=False)),
                                  elimination=bool(v.get("elimination", False))))
        if v.get("time"):
            roles["time"].append(code)
    title = str(doc.get("title", ""))
    if table_id is None and re.match(r"^\d{5}:", title):
        table_id = title[:5]
    return _structure(table_id, title, tuple(dims), roles, None, "v0 metadata")


def read_structure(source: Any, *, table_id: str | None = None) -> TableStructure:
    """A table's structure from a metadata document (bytes, text, path or dict): PxWebApi v2 metadata or any
    JSON-stat dataset, or v0 metadata. Raises JsonStatError when it is none of these."""
    doc = load_json(source)
    if isinstance(doc.get("variables"), list) and "dimension" not in doc:
        return structure_from_v0_metadata(doc, table_id=table_id)
    return structure_from_dataset(parse_jsonstat(doc), table_id=table_id)
