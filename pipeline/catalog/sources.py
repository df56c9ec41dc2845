"""Where each indicator's target and rating thresholds come from (seed indicator_sources.csv), the check that
every catalog number is sourced, and the generated list in docs/methodology.md (issue 15).

A catalog number (lb, ub, green, yellow, orange) must rest on an external source - a law, a national or EU
target, a UN/U4SSC/OECD/SDSN benchmark - whose text states that number. Without one the cell stays empty and
the stated statistical rule fills it at refresh time from the run's own base-year values (bounds:
int_scoring__indicator_bounds; thresholds: int_indicators__thresholds), so no number computed from the demo can
sit in the catalog.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.catalog import INDICATORS_FILE, SsbCatalog, ssb_catalog
from pipeline.paths import DBT_PROJECT_DIR

SOURCES_FILE = DBT_PROJECT_DIR / "seeds" / "indicator_sources.csv"
SOURCE_COLUMNS = ("indicator_id", "target_basis", "target_source", "thresholds_basis", "thresholds_source",
                  "direction_rationale")
EXTERNAL = ("law", "national_target", "eu_target", "un_target", "benchmark")
BASES = (*EXTERNAL, "rule")
TARGET_CELLS = ("lb", "ub")
THRESHOLD_CELLS = ("green", "yellow", "orange")
# A catalog number this close to the demo generator's own mean for the series was probably read off the demo.
DEMO_TOLERANCE = 0.03
DOCS_HEADING = "## 9. Targets, thresholds and their sources"


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # 1-based line number in the file (the header is line 1)
    indicator_id: str
    field: str
    text: str

    def __str__(self) -> str:
        return f"{self.file} line {self.row} ({self.indicator_id}), field {self.field}: {self.text}"


def load_indicator_sources(path: Path = SOURCES_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def demo_mean(row: dict[str, str], catalog: SsbCatalog | None = None) -> float | None:
    """The demo generator's mean for an indicator's value: the sum of its series' demo means (non-rate SSB
    indicators), or the centre of the demo submission's range (0.85 x ub, else 85); None for rates."""
    if row["source_type"] == "submission":
        return 0.85 * float(row["ub"] or 100)
    if row["denominator"]:
        return None
    from pipeline.demo.snapshot import _demo_for  # noqa: PLC0415  (the generator's own rule, not a copy)

    table = (catalog or ssb_catalog()).table(row["table_id"])
    contents = table.contents_spec(row["contents_code"])
    order = list(table.selection)
    total = 0.0
    for alternative in row["filters"].split("|"):
        combo = sorted((f for f in alternative.split(";") if f), key=lambda f: order.index(f.split("=")[0]))
        total += _demo_for(contents, tuple(combo)).get("mean", 0.0)
    return total


def _states(text: str, value: str) -> bool:
    """Whether a source text states the number (as written in the catalog, e.g. '1.75', '0', '115')."""
    number = value[:-2] if value.endswith(".0") else value
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)", text) is not None


def check_indicator_sources(indicators: list[dict[str, str]], sources: list[dict[str, str]], *,
                            indicators_file: str = INDICATORS_FILE.name, sources_file: str = SOURCES_FILE.name,
                            catalog: SsbCatalog | None = None) -> list[Problem]:
    """Every problem with the sources: a catalog indicator without a sources row (or the reverse), an empty or
    unknown field, a catalog number whose basis is the rule or whose source text does not state it, a number
    within 3% of the demo generator's mean without an external source, thresholds left empty out of order."""
    problems: list[Problem] = []
    by_id = {s["indicator_id"]: (line, s) for line, s in enumerate(sources, start=2)}
    for line, s in enumerate(sources, start=2):
        if s["indicator_id"] not in {r["indicator_id"] for r in indicators}:
            problems.append(Problem(sources_file, line, s["indicator_id"], "indicator_id",
                                    "not in the indicator catalog"))
    for line, row in enumerate(indicators, start=2):
        iid = row["indicator_id"]
        if iid not in by_id:
            problems.append(Problem(sources_file, 0, iid, "indicator_id",
                                    f"no row: every indicator in {indicators_file} needs its target, thresholds "
                                    "and direction rationale sourced"))
            continue
        sline, src = by_id[iid]
        for col in SOURCE_COLUMNS[1:]:
            if not (src.get(col) or "").strip():
                problems.append(Problem(sources_file, sline, iid, col, "empty"))
        for col in ("target_basis", "thresholds_basis"):
            if src.get(col) and src[col] not in BASES:
                problems.append(Problem(sources_file, sline, iid, col,
                                        f"{src[col]!r} is not one of {', '.join(BASES)}"))
        mean = demo_mean(row, catalog)
        for cells, basis_col, text_col in ((TARGET_CELLS, "target_basis", "target_source"),
                                           (THRESHOLD_CELLS, "thresholds_basis", "thresholds_source")):
            basis, text = src.get(basis_col) or "", src.get(text_col) or ""
            for cell in cells:
                value = row[cell]
                if not value:
                    continue
                if basis not in EXTERNAL:
                    problems.append(Problem(indicators_file, line, iid, cell,
                                            f"{value} has no external source ({basis_col} {basis!r}): leave it empty "
                                            "for the statistical rule, or cite the law/target/benchmark"))
                elif not _states(text, value):
                    problems.append(Problem(sources_file, sline, iid, text_col,
                                            f"does not state the catalog's {cell} = {value}"))
                if mean and abs(float(value) - mean) <= DEMO_TOLERANCE * abs(mean) and basis not in EXTERNAL:
                    problems.append(Problem(indicators_file, line, iid, cell,
                                            f"{value} is within 3% of the demo generator's mean {mean:g}: "
                                            "a number read off the demo"))
        empty = [not row[c] for c in THRESHOLD_CELLS]
        if empty != sorted(empty):  # empty cells only after the sourced ones: green, then yellow, then orange
            problems.append(Problem(indicators_file, line, iid, "green/yellow/orange",
                                    "a sourced threshold follows an empty one; the rule fills only the trailing ones"))
    return problems


def render_sources_section(indicators: list[dict[str, str]], sources: list[dict[str, str]]) -> str:
    """The docs/methodology.md section listing every indicator's target, thresholds, sources and direction."""
    by_id = {s["indicator_id"]: s for s in sources}
    lines = [
        DOCS_HEADING, "",
        "Generated from `dbt_project/seeds/indicator_catalog.csv` and `dbt_project/seeds/indicator_sources.csv` by",
        "`python -m pipeline.catalog.sources` (a test checks it is current). Every number in the catalog names an",
        "external source that states it: a law, a national plan or target, an EU directive or target, or a",
        "UN/U4SSC/OECD/SDSN benchmark. Where none exists the catalog leaves the cell empty and a stated statistical",
        "rule computes it at refresh time from the run's own base-year values, never from the demo:",
        "",
        "- bounds (`lb`/`ub` empty): best = mean of the five best municipalities, worst = 2.5th percentile on the",
        "  bad side (97.5th when lower is better), `int_scoring__indicator_bounds`;",
        "- rating thresholds (`green`/`yellow`/`orange` empty): the base-year quartiles, green = the best quarter",
        "  (75th percentile in the good direction), yellow = the median, orange = the worst quarter, each no better",
        "  than a sourced threshold above it, from at least `min_reporting_municipalities` (10) municipalities,",
        "  `int_indicators__thresholds`. Live runs compute them from real SSB data; demo runs from the labelled",
        "  demo values. `marts.indicators` publishes the resolved thresholds; the ratings and trends of",
        "  `int_scoring__indicator_scores` must read them from `int_indicators__thresholds` too (until they do,",
        "  they read the catalog cells, and an indicator whose thresholds follow the rule is not rated).",
        "",
        "`tests/catalog/test_indicator_sources.py` fails on an indicator without a source or rationale, on a",
        "number whose source does not state it, and on a number within 3% of the demo generator's mean for the",
        "series unless an external source states it. `marts.indicators` publishes the same columns",
        "(`target_basis`, `target_source`, `thresholds_basis`, `thresholds_source`, `thresholds_origin`,",
        "`direction_rationale`).",
        "",
        "Goal composition (issue 15): goal 2 kept one of its two transforms of the 09594 farmland series",
        "(`farmland_per_capita` dropped: the same area normalised by population); goal 7 dropped",
        "`public_building_energy_cost` (12905 energy expenditure per m2 = the energy use of",
        "`public_building_energy` times a price). No second evidence-backed municipal series exists for goals 2",
        "and 7 (docs/research/replacements.md), so each has one index indicator; goal 14's near-complementary",
        "shore-zone pair was already reduced to `shore_zone_accessible` (unverified, out of the index).",
        "",
    ]
    for goal in sorted({int(r["goal"]) for r in indicators}):
        lines += [f"### Goal {goal}", "",
                  "| indicator | direction | lb / ub | green / yellow / orange | target: basis and source | "
                  "thresholds: basis and source | why this direction |", "|---|---|---|---|---|---|---|"]
        for r in (r for r in indicators if int(r["goal"]) == goal):
            s = by_id.get(r["indicator_id"], {})
            bounds = " / ".join(r[c] or "rule" for c in TARGET_CELLS)
            thresholds = " / ".join(r[c] or "rule" for c in THRESHOLD_CELLS)
            cells = [f"`{r['indicator_id']}`{'' if r['in_index'] == 'true' else ' (not in index)'}", r["direction"],
                     bounds, thresholds, _cited(s, "target"), _cited(s, "thresholds"), s.get("direction_rationale", "")]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _cited(source: dict[str, str], what: str) -> str:
    basis = source.get(f"{what}_basis", "")
    return "rule (above)" if basis == "rule" else f"{basis}: {source.get(f'{what}_source', '')}"


def replace_docs_section(doc: str, section: str) -> str:
    """The methodology text with its sources section (from DOCS_HEADING to the end) replaced or appended."""
    head = doc.split(DOCS_HEADING, 1)[0].rstrip("\n")
    return head + "\n\n" + section


def main() -> None:
    from pipeline.catalog import load_indicators  # noqa: PLC0415
    from pipeline.paths import REPO_ROOT  # noqa: PLC0415

    indicators, sources = load_indicators(), load_indicator_sources()
    problems = check_indicator_sources(indicators, sources)
    for p in problems:
        print(p)
    path = REPO_ROOT / "docs" / "methodology.md"
    path.write_text(replace_docs_section(path.read_text(encoding="utf-8"),
                                         render_sources_section(indicators, sources)), encoding="utf-8")
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
