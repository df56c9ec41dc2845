"""Compare one catalog table (`TableSpec`) with the structure SSB gives for it (`pipeline.ssb.structure`).

`check_table(spec, structure, years=...)` is a pure function: `kommune-sdg catalog check` calls it on
metadata it read live or from a snapshot, and a live fetch can call it on the metadata it has just fetched
(`check_table(table, read_structure(meta.json()), years=catalog.years)`, refusing the table when
`not result.ok`). Every finding quotes SSB's own labels, so the catalog can be fixed from the message.

What is checked: the table is municipal (national-only or county-only tables are refused), the region
dimension, each contents code, each selection dimension and code, the region codelist being offered, the
dimensions the catalog leaves out (SSB must allow eliminating them) and periods within the catalog's years.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.catalog import TableSpec
from pipeline.ssb.structure import DimensionInfo, RegionLevel, TableStructure, region_level

OK, MISMATCH, NOTE = "ok", "mismatch", "note"


@dataclass(frozen=True)
class Finding:
    status: str  # OK | MISMATCH | NOTE (a NOTE never fails the check)
    subject: str  # "region", "contents Personer1", "selection Alder", "codelist", "dimension Kjonn", "periods"
    text: str  # what SSB has, with its labels


@dataclass(frozen=True)
class TableCheck:
    """The result for one table: `ok` when nothing mismatches and the table was not refused."""

    table_id: str
    ssb_label: str
    findings: tuple[Finding, ...] = ()
    refused: str | None = None  # why a table cannot serve municipal figures at all (national/county-only)
    error: str | None = None  # the metadata could not be read (SSB refused, file missing)
    source: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused and not self.error and not self.mismatches

    @property
    def matches(self) -> list[Finding]:
        return [f for f in self.findings if f.status == OK]

    @property
    def mismatches(self) -> list[Finding]:
        return [f for f in self.findings if f.status == MISMATCH]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.status == NOTE]

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.refused:
            return "REFUSED"
        return "MATCH" if self.ok else f"MISMATCH ({len(self.mismatches)})"

    def lines(self) -> list[str]:
        """The report of this table as text lines (the CLI prints them)."""
        head = f"{self.table_id}  {self.verdict}"
        if self.ssb_label:
            head += f"  SSB: {self.ssb_label}"
        out = [head]
        if self.error:
            out.append(f"  ERROR     {self.error}")
        if self.refused:
            out.append(f"  REFUSED   {self.refused}")
        for f in self.findings:
            out.append(f"  {f.status.upper():<9} {f.subject}: {f.text}")
        return out


def table_error(table_id: str, message: str, source: str = "") -> TableCheck:
    """The result for a table whose metadata could not be read."""
    return TableCheck(table_id=table_id, ssb_label="", error=message, source=source)


def _closest(dim: DimensionInfo, wanted_label: str, n: int = 2) -> list[str]:
    """SSB codes whose label is closest to the catalog's label (a hint for a renamed or invented code)."""
    by_label = {dim.label_of(c).lower(): c for c in dim.codes}
    hits = difflib.get_close_matches(wanted_label.lower(), list(by_label), n=n, cutoff=0.6)
    return [by_label[h] for h in hits]


def _refusal(spec: TableSpec, s: TableStructure, region: DimensionInfo | None) -> str | None:
    level = region_level(region.codes) if region is not None else RegionLevel.NATIONAL
    title = f"table {spec.id}" + (f" ({s.label})" if s.label else "")
    if region is None:
        return (f"{title} is national-only: it has no region dimension (dimensions: {s.describe_dimensions()}); "
                "the pipeline needs municipal figures: find the municipal table or remove it from the catalog")
    if level == RegionLevel.MUNICIPAL:
        return None
    kind = {RegionLevel.NATIONAL: "national-only: its only region is the whole country",
            RegionLevel.COUNTY: "county-only: its regions are counties",
            RegionLevel.OTHER: "not municipal: its regions are neither municipalities nor counties"}[level]
    return (f"{title} is {kind} ({region.id} '{region.label}': {region.sample(6)}); the pipeline needs municipal "
            "figures: find the municipal table or remove it from the catalog")


def _check_region(spec: TableSpec, s: TableStructure) -> tuple[DimensionInfo | None, list[Finding]]:
    dim = s.dimension(spec.region_dimension)
    if dim is not None:
        text = f"{dim.id} '{dim.label}', {region_level(dim.codes)}: {dim.sample(3)}"
        return dim, [Finding(OK, "region dimension", text)]
    found = s.region_dimension
    if found is not None:
        text = (f"the catalog says {spec.region_dimension!r}, SSB's region dimension is {found.id} "
                f"'{found.label}': {found.sample(3)}")
    else:
        text = f"the catalog says {spec.region_dimension!r}; the table has no region dimension"
    return found, [Finding(MISMATCH, "region dimension", f"{text}; dimensions: {s.describe_dimensions()}")]


def _check_codelist(spec: TableSpec, s: TableStructure, region: DimensionInfo) -> list[Finding]:
    offered = region.codelists
    best = s.municipal_codelist if region.id == s.region else None
    if offered is None:
        asked = spec.region_codelist or "none (the table's own codes)"
        return [Finding(NOTE, "codelist", f"catalog asks {asked}; cannot verify: the metadata ({s.source}) does not "
                                          f"list the codelists of {region.id}")]
    listing = ", ".join(c.describe() for c in offered) or "none"
    if spec.region_codelist is None:
        if best:
            return [Finding(NOTE, "codelist", f"catalog asks none (the table's own codes); SSB offers {listing}; "
                                              f"the municipal choice would be {best}")]
        return [Finding(OK, "codelist", f"none (the table's own codes); SSB offers {listing}")]
    hit = next((c for c in offered if c.id == spec.region_codelist), None)
    if hit is not None:
        return [Finding(OK, "codelist", f"{hit.describe()} is offered for {region.id}")]
    choice = f"; the municipal choice is {best}" if best else "; none of them is municipal: leave region_codelist out"
    return [Finding(MISMATCH, "codelist",
                    f"{spec.region_codelist} is not offered for {region.id}; SSB offers: {listing}{choice}")]


def _check_contents(spec: TableSpec, s: TableStructure) -> list[Finding]:
    dim = s.contents_dimension
    if dim is None:
        return [Finding(MISMATCH, "contents", f"the table has no contents dimension (dimensions: "
                                              f"{s.describe_dimensions()})")]
    out = []
    for c in spec.contents:
        if c.code in dim.codes:
            out.append(Finding(OK, f"contents {c.code}", f"'{dim.label_of(c.code)}'"))
            continue
        close = _closest(dim, c.label_nb)
        hint = f"; closest to the catalog's label: {', '.join(dim.describe(x) for x in close)}" if close else ""
        out.append(Finding(MISMATCH, f"contents {c.code}",
                           f"not in {dim.id} (catalog: '{c.label_nb}'); SSB has {dim.sample(12)}{hint}"))
    return out


def _check_dimensions(spec: TableSpec, s: TableStructure, region: DimensionInfo | None) -> list[Finding]:
    out = []
    for dim_id, codes in spec.selection.items():
        dim = s.dimension(dim_id)
        if dim is None:
            others = ", ".join(f"{d.id} '{d.label}'" for d in s.other_dimensions) or "none"
            out.append(Finding(MISMATCH, f"selection {dim_id}", f"no such dimension; the other dimensions: {others}"))
            continue
        missing = [c for c in codes if c not in dim.codes]
        found = [dim.describe(c) for c in codes if c in dim.codes]
        if missing:
            out.append(Finding(MISMATCH, f"selection {dim_id}",
                               f"code(s) {', '.join(missing)} not in {dim.id} '{dim.label}'"
                               + (f" (found: {', '.join(found)})" if found else "") + f"; SSB has {dim.sample(12)}"))
        else:
            out.append(Finding(OK, f"selection {dim_id}", f"{dim.id} '{dim.label}': {', '.join(found)}"))
    skip = {s.time, s.contents, spec.region_dimension, region.id if region else None, *spec.selection}
    for dim in s.dimensions:
        if dim.id in skip:
            continue
        if dim.elimination or dim.size == 1:
            how = "SSB eliminates it (totals)" if dim.elimination else f"one code, {dim.sample(1)}"
            out.append(Finding(NOTE, f"dimension {dim.id}", f"'{dim.label}' not in the catalog's selection: {how}"))
        else:
            said = ("cannot be eliminated" if dim.elimination is False
                    else "may not be eliminable (the metadata do not say)")
            out.append(Finding(MISMATCH if dim.elimination is False else NOTE, f"dimension {dim.id}",
                               f"'{dim.label}' {said} and the catalog does not select it; choose from "
                               f"{dim.sample(12)}"))
    return out


def _check_periods(s: TableStructure, years: Iterable[int] | None) -> list[Finding]:
    dim = s.time_dimension
    if dim is None:
        return [Finding(MISMATCH, "periods",
                        f"the table has no time dimension (dimensions: {s.describe_dimensions()})")]
    if not dim.codes:
        return [Finding(MISMATCH, "periods", f"{dim.id} has no periods")]
    span = f"{dim.codes[0]}..{dim.codes[-1]} ({dim.size} periods)"
    out = []
    if any(not c.isdigit() for c in dim.codes):
        out.append(Finding(NOTE, "periods", f"{dim.id} '{dim.label}' holds {span}: not plain years"))
    if years is not None:
        years = list(years)
        inside = [c for c in dim.codes if c[:4].isdigit() and years[0] <= int(c[:4]) <= years[-1]]
        if not inside:
            out.append(Finding(MISMATCH, "periods", f"none in the catalog's {years[0]}-{years[-1]}; SSB has {span}"))
        else:
            out.append(Finding(OK, "periods", f"{len(inside)} in {years[0]}-{years[-1]}; SSB has {span}"))
    return out


def check_table(spec: TableSpec, structure: TableStructure, *, years: Iterable[int] | None = None,
                source: str = "") -> TableCheck:
    """Compare a catalog table with SSB's structure of it. A table that is not municipal is refused (the other
    findings are still listed); `years` (the catalog's first..last year) adds the periods check."""
    s = structure
    region, findings = _check_region(spec, s)
    refused = _refusal(spec, s, region)
    if region is not None and not refused:
        findings += _check_codelist(spec, s, region)
    findings += _check_contents(spec, s)
    findings += _check_dimensions(spec, s, region)
    findings += _check_periods(s, years)
    return TableCheck(table_id=spec.id, ssb_label=s.label, findings=tuple(findings), refused=refused,
                      source=source or s.source)


@dataclass(frozen=True)
class CatalogCheck:
    """The results for a whole catalog, in catalog order."""

    tables: tuple[TableCheck, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    def counts(self) -> dict[str, int]:
        return {"match": sum(t.ok for t in self.tables),
                "mismatch": sum(bool(t.mismatches) and not t.refused and not t.error for t in self.tables),
                "refused": sum(bool(t.refused) and not t.error for t in self.tables),
                "error": sum(bool(t.error) for t in self.tables)}

    def summary(self) -> str:
        c = self.counts()
        return (f"{len(self.tables)} tables: {c['match']} match, {c['mismatch']} mismatch, "
                f"{c['refused']} refused (not municipal), {c['error']} unreadable")
