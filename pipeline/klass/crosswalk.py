"""Crosswalks between municipality (and county) structures of two years (DESIGN section 6).

`crosswalk(from_year, to_year)` follows every KLASS change between 1 January `from_year` and 1 January
`to_year` in date order: renames and recodes move a code (0219 -> 3024 -> 3201), merges send several codes
to one (weight 1 each), splits share one code between several, weighted by the population of the parts
(klass_split_weights.csv). Weights of each from_code sum to 1. Everything is read from the KLASS snapshot
the project ships as dbt seeds (`dbt_project/seeds/klass_*.csv`, rebuilt by `python -m pipeline.klass.build_seeds`).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from pipeline.klass.history import Change, valid_codes
from pipeline.paths import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
LEVELS = ("municipality", "county")
FIRST_YEAR = 2015  # the seeds reconstruct structures from 1 January of this year


class CrosswalkError(ValueError):
    """The KLASS snapshot cannot answer the question (unknown year, inconsistent change list)."""


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise CrosswalkError(f"{path}: KLASS seed missing; run `python -m pipeline.klass.build_seeds`") from None


@dataclass
class KlassData:
    """The shipped KLASS snapshot: versions and changes per level, split weights and populations."""

    versions: dict[str, list[dict]]
    changes: dict[str, list[Change]]
    split_weights: dict[tuple[int, str], dict[str, float]]
    restores: dict[tuple[int, str], dict[str, str]]
    population: dict[int, dict[str, float]]
    _pop_cache: dict[int, dict[str, float]] = field(default_factory=dict)

    def years(self, level: str = "municipality") -> list[int]:
        """Structures the snapshot describes: FIRST_YEAR up to the newest valid_from."""
        last = max(int(r["valid_from"][:4]) for r in self.versions[level] if r["valid_from"])
        return list(range(FIRST_YEAR, last + 1))

    def codes(self, year: int, level: str = "municipality") -> dict[str, str]:
        years = self.years(level)
        if not years[0] <= year <= years[-1]:
            raise CrosswalkError(f"the KLASS snapshot covers {level} structures {years[0]}-{years[-1]}, not {year}")
        return valid_codes(self.versions[level], year)


def load_klass(seeds_dir: Path | str = SEEDS_DIR) -> KlassData:
    return _load(str(Path(seeds_dir).resolve()))


@cache
def _load(seeds_dir: str) -> KlassData:
    d = Path(seeds_dir)
    versions = {lvl: _read_csv(d / f"klass_{lvl}_versions.csv") for lvl in LEVELS}
    changes = {}
    from datetime import date

    for lvl in LEVELS:
        changes[lvl] = [
            Change(r["old_code"] or None, r["old_name"] or None, r["new_code"] or None, r["new_name"] or None,
                   date.fromisoformat(r["change_occurred"]))
            for r in _read_csv(d / f"klass_{lvl}_changes.csv")
        ]
    split_weights: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    restores: dict[tuple[int, str], dict[str, str]] = defaultdict(dict)
    for r in _read_csv(d / "klass_split_weights.csv"):
        ch = Change(r["from_code"], None, r["to_code"], None, date.fromisoformat(r["change_occurred"]))
        split_weights[(ch.effective_year, r["from_code"])][r["to_code"]] = float(r["population"])
        if r.get("restores"):
            restores[(ch.effective_year, r["from_code"])][r["to_code"]] = r["restores"]
    population: dict[int, dict[str, float]] = defaultdict(dict)
    for r in _read_csv(d / "klass_municipality_population.csv"):
        population[int(r["year"])][r["code"]] = float(r["population"])
    return KlassData(versions, changes, dict(split_weights), dict(restores), dict(population))


def _step_targets(data: KlassData, year: int, code: str, targets: list[str], origin: str) -> dict[str, float]:
    """Shares of `code` going to each target in a change effective `year`, for mass that started at `origin`."""
    if len(targets) == 1:
        return {targets[0]: 1.0}
    restores = data.restores.get((year, code), {})
    if restores:
        hit = [t for t in targets if restores.get(t) == origin]
        if hit:
            return {hit[0]: 1.0}
        # mass from any other origin stays with the parts that do not restore an older municipality
        rest = [t for t in targets if t not in restores]
        if rest and origin != code:
            targets = rest
    pops = data.split_weights.get((year, code))
    if not pops or any(t not in pops for t in targets):
        raise CrosswalkError(f"{code} splits into {sorted(targets)} in {year} but klass_split_weights.csv has no "
                             "population for every part")
    total = sum(pops[t] for t in targets)
    return {t: pops[t] / total for t in targets}


def _municipality_mass(data: KlassData, from_year: int, to_year: int) -> dict[str, dict[str, float]]:
    """{from_code: {to_code: weight}}."""
    start = data.codes(from_year)
    end = data.codes(to_year)
    mass: dict[str, dict[str, float]] = {c: {c: 1.0} for c in start}  # current code -> {origin: weight}
    for year in range(from_year + 1, to_year + 1):
        batch = [c for c in data.changes["municipality"] if c.effective_year == year]
        by_old: dict[str, list[str]] = defaultdict(list)
        for c in batch:
            if c.old_code and c.new_code and c.new_code not in by_old[c.old_code]:
                by_old[c.old_code].append(c.new_code)
            elif c.old_code and not c.new_code and c.old_code in mass:
                raise CrosswalkError(f"{c.old_code} ceased on {c.change_occurred} without a successor")
        nxt: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for cur, origins in mass.items():
            targets = by_old.get(cur, [cur])
            for origin, w in origins.items():
                for t, share in _step_targets(data, year, cur, targets, origin).items():
                    nxt[t][origin] += w * share
        mass = nxt
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for cur, origins in mass.items():
        if cur not in end:
            raise CrosswalkError(f"following KLASS changes {from_year}->{to_year} ends on {cur}, "
                                 f"which is not a {to_year} code")
        for origin, w in origins.items():
            out[origin][cur] = w
    return out


def _change_types(mapping: dict[str, dict[str, float]]) -> dict[tuple[str, str], str]:
    inbound: dict[str, int] = defaultdict(int)
    for targets in mapping.values():
        for t in targets:
            inbound[t] += 1
    out = {}
    for f, targets in mapping.items():
        for t in targets:
            if len(targets) > 1:
                kind = "split"
            elif inbound[t] > 1:
                kind = "merged"
            elif f != t:
                kind = "recoded"
            else:
                kind = "unchanged"
            out[(f, t)] = kind
    return out


def populations(year: int, data: KlassData | None = None) -> dict[str, float]:
    """Population (1 January, SSB 07459/01222) of every municipality code valid in `year`.

    Taken from the nearest population year on the same structure; otherwise pushed forward from the latest
    earlier population year through the crosswalk (split parts by their weights).
    """
    data = data or load_klass()
    if year in data._pop_cache:
        return data._pop_cache[year]
    codes = data.codes(year)
    pop_years = sorted(data.population)
    result: dict[str, float] | None = None
    if year in data.population and set(codes) <= set(data.population[year]):
        result = {c: data.population[year][c] for c in codes}
    if result is None:
        for yd in [y for y in pop_years if y > year]:
            m = _municipality_mass(data, year, yd)
            if all(len(t) == 1 for t in m.values()) and len({next(iter(t)) for t in m.values()}) == len(m) \
                    and all(next(iter(t)) in data.population[yd] for t in m.values()):
                result = {c: data.population[yd][next(iter(m[c]))] for c in codes}
                break
    if result is None:
        earlier = [y for y in pop_years if y < year]
        if not earlier:
            raise CrosswalkError(f"no population data to weight {year} codes")
        yd = earlier[-1]
        base = populations(yd, data)
        result = defaultdict(float)
        for f, targets in _municipality_mass(data, yd, year).items():
            for t, w in targets.items():
                result[t] += w * base[f]
        result = dict(result)
    data._pop_cache[year] = result
    return result


def crosswalk_frame(from_year: int, to_year: int, level: str = "municipality",
                    data: KlassData | None = None) -> pd.DataFrame:
    """from_code, to_code, weight, change_type, from_population (the seed's columns)."""
    data = data or load_klass()
    if level not in LEVELS:
        raise CrosswalkError(f"level must be one of {LEVELS}, not {level!r}")
    if to_year < from_year:
        raise CrosswalkError(f"crosswalk goes forward in time only ({from_year} -> {to_year})")
    mapping = _municipality_mass(data, from_year, to_year)
    pops = populations(from_year, data)
    if level == "county":
        counties_from = data.codes(from_year, "county")
        counties_to = data.codes(to_year, "county")
        acc: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        cpop: dict[str, float] = defaultdict(float)
        for f, targets in mapping.items():
            cf = f[:2]
            if cf not in counties_from:
                raise CrosswalkError(f"municipality {f} ({from_year}) lies in no {from_year} county")
            cpop[cf] += pops[f]
            for t, w in targets.items():
                if t[:2] not in counties_to:
                    raise CrosswalkError(f"municipality {t} ({to_year}) lies in no {to_year} county")
                acc[cf][t[:2]] += w * pops[f]
        mapping = {c: {t: v / cpop[c] for t, v in ts.items()} for c, ts in acc.items()}
        pops = dict(cpop)
    kinds = _change_types(mapping)
    rows = [
        {"from_code": f, "to_code": t, "weight": w, "change_type": kinds[(f, t)], "from_population": pops[f]}
        for f, targets in sorted(mapping.items()) for t, w in sorted(targets.items())
    ]
    return pd.DataFrame(rows, columns=["from_code", "to_code", "weight", "change_type", "from_population"])


def crosswalk(from_year: int, to_year: int, level: str = "municipality",
              seeds_dir: Path | str | None = None) -> pd.DataFrame:
    """DataFrame[from_code, to_code, weight]: how codes valid on 1 Jan `from_year` map onto `to_year` codes."""
    data = load_klass(seeds_dir) if seeds_dir else load_klass()
    return crosswalk_frame(from_year, to_year, level, data)[["from_code", "to_code", "weight"]]
