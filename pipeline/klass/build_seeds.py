"""Regenerate the project's KLASS seeds (dbt_project/seeds/klass_*.csv) from a KLASS snapshot.

    python -m pipeline.klass.build_seeds                       # from shared/data/klass + shared/data/ssb
    python -m pipeline.klass.build_seeds --klass-dir DIR       # from a snapshot written by snapshot_klass()

A snapshot directory holds `131_codesAt_<year>-01-01.json` + `131_changes.json` (and the same for 104). The
shared reference files hold no 104 responses, so county facts then come from pipeline.klass.counties.
Populations (split weights, population weighting) come from SSB 07459 (2022 JSON-stat, 2023/2024 statbank
CSV) and 01222 (1 January 2015); without those files the existing population seed is kept.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from pipeline.klass import counties
from pipeline.klass.crosswalk import FIRST_YEAR, SEEDS_DIR, _load, crosswalk_frame, load_klass
from pipeline.klass.history import parse_changes, structures_by_year, version_rows
from pipeline.paths import SHARED_DATA_DIR

LAST_YEAR = 2024

# KLASS note on 1507 Ålesund (version 2020): "the border between the municipalities follows the border of
# Haram as it was before the merger on 1 January 2020", so 2024's 1580 Haram is the pre-2020 1534 Haram.
RESTORATIONS = {("2024-01-01", "1507", "1580"): "1534"}

CHANGE_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "change_occurred"]
CROSSWALK_COLUMNS = ["from_year", "to_year", "from_code", "to_code", "weight", "change_type", "from_population"]


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    tmp = path.with_suffix(".csv.tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)


def read_klass_inputs(klass_dir: Path, last_year: int = LAST_YEAR) -> dict[str, tuple[list[dict], list[dict]]]:
    """{level: (codes valid 1 Jan last_year, codeChanges)} from a snapshot dir or the shared reference files."""
    at = f"{last_year}-01-01"
    out: dict[str, tuple[list[dict], list[dict]]] = {}
    snap = klass_dir / f"131_codesAt_{at}.json"
    if snap.exists():
        for level, cid in (("municipality", 131), ("county", 104)):
            codes = json.loads((klass_dir / f"{cid}_codesAt_{at}.json").read_bytes())["codes"]
            changes = json.loads((klass_dir / f"{cid}_changes.json").read_bytes())["codeChanges"]
            out[level] = (codes, changes)
        return out
    version = klass_dir / f"131_version_{last_year}.json"
    if not version.exists():
        raise SystemExit(f"{klass_dir}: neither a KLASS snapshot ({snap.name}) nor {version.name}")
    items = json.loads(version.read_bytes())["classificationItems"]
    changes = json.loads((klass_dir / "131_changes_1972-2024.json").read_bytes())["codeChanges"]
    out["municipality"] = (items, changes)
    out["county"] = (counties.county_codes_2024(), counties.county_code_changes())
    return out


def build_level(codes: list[dict], code_changes: list[dict], first_year: int,
                last_year: int) -> tuple[list[dict], list[dict]]:
    """(version rows, change rows) for one level; code 9999 (unknown) is left out: staging calls it `other`."""
    changes = [c for c in parse_changes(code_changes) if c.change_occurred.year <= last_year]
    last = {c["code"]: c["name"] for c in codes if c["code"] != "9999"}
    structures = structures_by_year(last, last_year, changes, first_year)
    born: dict[str, object] = {}
    for c in changes:
        if c.new_code and c.effective_year <= first_year:
            born[c.new_code] = c.change_occurred
    versions = version_rows(structures, born)
    change_rows = [
        {"old_code": c.old_code or "", "old_name": c.old_name or "", "new_code": c.new_code or "",
         "new_name": c.new_name or "", "change_occurred": c.change_occurred.isoformat()}
        for c in changes if c.effective_year > first_year - 1 and c.change_occurred.year >= first_year
    ]
    return versions, change_rows


def read_populations(ssb_dir: Path) -> list[dict]:
    """code, year, population, source rows from the SSB reference files (1 January populations)."""
    from pipeline.ssb.jsonstat import read_jsonstat

    rows: list[dict] = []
    f = ssb_dir / "01222_v0_jsonstat1_2015K1.json"
    if f.exists():
        df = read_jsonstat(f)
        df = df[df["ContentsCode"] == "Folketallet1"]
        rows += [{"code": r, "year": 2015, "population": int(v), "source": "SSB 01222 2015K1 Folketallet1"}
                 for r, v in zip(df["Region"], df["value"], strict=True) if re.fullmatch(r"\d{4}", r)]
    f = ssb_dir / "07459_v0_jsonstat2_2022_K-codes.json"
    if f.exists():
        df = read_jsonstat(f)
        rows += [{"code": r[2:], "year": 2022, "population": int(v), "source": "SSB 07459 2022 Personer1"}
                 for r, v in zip(df["Region"], df["value"], strict=True) if re.fullmatch(r"K-\d{4}", r)]
    for year in (2023, 2024):
        f = ssb_dir / f"07459_statbank_export_{year}_latin1.csv"
        if not f.exists():
            continue
        totals: dict[str, int] = defaultdict(int)
        lines = f.read_text(encoding="latin-1").splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith('"region"'))
        for rec in csv.reader(lines[header + 1:], delimiter=";"):
            if len(rec) == 3 and (m := re.match(r"K-(\d{4}) ", rec[0])) and rec[2].strip().isdigit():
                totals[m.group(1)] += int(rec[2])
        rows += [{"code": c, "year": year, "population": n, "source": f"SSB 07459 {year} statbank export"}
                 for c, n in sorted(totals.items())]
    return rows


def split_weight_rows(change_rows: list[dict], pops: list[dict]) -> list[dict]:
    """Population of each part of every 1 -> n split: exact where 07459 has the new codes for the split year
    and each new code comes only from the split municipality; equal shares otherwise (basis says which)."""
    by_old: dict[tuple[str, str], list[str]] = defaultdict(list)
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in change_rows:
        if r["old_code"] and r["new_code"]:
            by_old[(r["change_occurred"], r["old_code"])].append(r["new_code"])
            sources[(r["change_occurred"], r["new_code"])].add(r["old_code"])
    pop = {(r["code"], int(r["year"])): int(r["population"]) for r in pops}
    out = []
    for (when, old), news in sorted(by_old.items()):
        news = sorted(set(news))
        if len(news) < 2:
            continue
        year = int(when[:4])
        exact = all((n, year) in pop and sources[(when, n)] == {old} for n in news)
        for n in news:
            out.append({
                "change_occurred": when, "from_code": old, "to_code": n,
                "population": pop[(n, year)] if exact else 1,
                "basis": f"SSB 07459 1 January {year}, population of {n}" if exact
                else "equal shares: no population of the parts in the project data (edit to override)",
                "restores": RESTORATIONS.get((when, old, n), ""),
            })
    return out


SUM_UNITS = {"personer", "antall", "tonn", "husholdninger"}


def aggregation_rows() -> list[dict]:
    """How each catalog contents code is put on another structure (the seed klass_aggregation.csv).

    A contents entry in pipeline/catalog/ssb_tables.yaml may say `aggregation: sum|mean_pop_weighted|ratio`
    (ratio also needs `numerator` and `denominator`: contents codes of the same table, and optional `scale`).
    Without it: counts (units in SUM_UNITS) are summed, everything else is population-weighted.
    """
    import yaml

    from pipeline.catalog import SSB_TABLES_FILE

    doc = yaml.safe_load(SSB_TABLES_FILE.read_text(encoding="utf-8"))
    rows = []
    for t in doc["tables"]:
        for code, c in t["contents"].items():
            agg = c.get("aggregation") or ("sum" if c.get("unit") in SUM_UNITS else "mean_pop_weighted")
            if agg not in ("sum", "mean_pop_weighted", "ratio"):
                raise SystemExit(f"{SSB_TABLES_FILE}: {t['id']} {code}: unknown aggregation {agg!r}")
            if agg == "ratio" and not (c.get("numerator") and c.get("denominator")):
                raise SystemExit(f"{SSB_TABLES_FILE}: {t['id']} {code}: aggregation ratio needs numerator and "
                                 "denominator")
            rows.append({"table_id": str(t["id"]), "contents_code": code, "aggregation": agg,
                         "numerator": c.get("numerator", ""), "denominator": c.get("denominator", ""),
                         "scale": c.get("scale", 100 if c.get("unit") == "prosent" else 1) if agg == "ratio" else ""})
    return rows


def write_aggregation_seed(seeds_dir: Path = SEEDS_DIR) -> int:
    rows = aggregation_rows()
    _write(seeds_dir / "klass_aggregation.csv",
           ["table_id", "contents_code", "aggregation", "numerator", "denominator", "scale"], rows)
    return len(rows)


def build(klass_dir: Path, ssb_dir: Path, seeds_dir: Path = SEEDS_DIR, first_year: int = FIRST_YEAR,
          last_year: int = LAST_YEAR) -> dict[str, int]:
    """Write every klass_*.csv seed; returns {file name: rows}."""
    inputs = read_klass_inputs(klass_dir, last_year)
    counts: dict[str, int] = {}
    all_changes: list[dict] = []
    for level, (codes, changes) in inputs.items():
        versions, change_rows = build_level(codes, changes, first_year, last_year)
        _write(seeds_dir / f"klass_{level}_versions.csv", ["code", "name", "valid_from", "valid_to"], versions)
        _write(seeds_dir / f"klass_{level}_changes.csv", CHANGE_COLUMNS, change_rows)
        counts[f"klass_{level}_versions.csv"] = len(versions)
        counts[f"klass_{level}_changes.csv"] = len(change_rows)
        if level == "municipality":
            all_changes = change_rows
    pop_path = seeds_dir / "klass_municipality_population.csv"
    pops = read_populations(ssb_dir)
    if pops:
        _write(pop_path, ["code", "year", "population", "source"], pops)
    else:
        with pop_path.open(encoding="utf-8", newline="") as fh:
            pops = list(csv.DictReader(fh))
    counts[pop_path.name] = len(pops)
    splits = split_weight_rows(all_changes, pops)
    _write(seeds_dir / "klass_split_weights.csv",
           ["change_occurred", "from_code", "to_code", "population", "basis", "restores"], splits)
    counts["klass_split_weights.csv"] = len(splits)
    _load.cache_clear()
    data = load_klass(seeds_dir)
    for level, name in (("municipality", "klass_crosswalk.csv"), ("county", "klass_county_crosswalk.csv")):
        rows = []
        for to_year in range(first_year, last_year + 1):
            for from_year in range(first_year, to_year + 1):
                frame = crosswalk_frame(from_year, to_year, level, data)
                for r in frame.itertuples(index=False):
                    rows.append({"from_year": from_year, "to_year": to_year, "from_code": r.from_code,
                                 "to_code": r.to_code, "weight": f"{r.weight:.10g}", "change_type": r.change_type,
                                 "from_population": f"{r.from_population:.1f}"})
        _write(seeds_dir / name, CROSSWALK_COLUMNS, rows)
        counts[name] = len(rows)
    _load.cache_clear()
    counts["klass_aggregation.csv"] = write_aggregation_seed(seeds_dir)
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.klass.build_seeds", description=__doc__.splitlines()[0])
    p.add_argument("--klass-dir", type=Path, default=SHARED_DATA_DIR / "klass",
                   help="KLASS snapshot directory (default: shared/data/klass reference files)")
    p.add_argument("--ssb-dir", type=Path, default=SHARED_DATA_DIR / "ssb", help="SSB population files")
    p.add_argument("--seeds-dir", type=Path, default=SEEDS_DIR)
    p.add_argument("--first-year", type=int, default=FIRST_YEAR)
    p.add_argument("--last-year", type=int, default=LAST_YEAR)
    a = p.parse_args(argv)
    counts = build(a.klass_dir, a.ssb_dir, a.seeds_dir, a.first_year, a.last_year)
    for name, n in counts.items():
        print(f"{a.seeds_dir / name}: {n} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
