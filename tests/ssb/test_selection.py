"""Selection splitting: every part under the cell limit, every cell exactly once, as few parts as possible."""

from __future__ import annotations

import math
from collections import Counter
from itertools import product

import pytest

from pipeline.ssb.selection import Selection, encode_query, min_requests, split_selection
from testkit.pxweb_server import expand_codes

REGIONS = [f"{i:04d}" for i in range(358)]
YEARS = [str(y) for y in range(2015, 2025)]


def _cells(parts: list[Selection]) -> Counter:
    return Counter(c for p in parts for c in product(*p.value_codes.values()))


@pytest.mark.parametrize(("contents", "max_cells", "expected"),
                         [(1, 500, 8), (2, 500, 15), (3, 1000, 11), (2, 7, 1040), (1, 800_000, 1)])
def test_split_is_exact_and_minimal(contents: int, max_cells: int, expected: int) -> None:
    sel = Selection.of({"Region": REGIONS, "ContentsCode": [f"C{i}" for i in range(contents)], "Tid": YEARS})
    parts = split_selection(sel, max_cells)
    assert all(p.cells() <= max_cells for p in parts)
    covered = _cells(parts)
    assert set(covered.values()) == {1} and len(covered) == sel.cells()
    # the cell-count minimum is reachable except when boxes cannot tile it (7 cells: 1,040 vs 1,023)
    assert len(parts) == expected <= min_requests(sel.cells(), max_cells) * 1.02


def test_known_optimum_for_demo_shape() -> None:
    sel = Selection.of({"Region": REGIONS, "ContentsCode": ["A", "B"], "Tid": YEARS})
    assert len(split_selection(sel, 500)) == 15 == math.ceil(358 * 2 * 10 / 500)


def test_pattern_dimensions_are_not_split() -> None:
    sel = Selection.of({"Region": ["*"], "ContentsCode": ["Personer1"], "Tid": YEARS}, {"Region": "agg_KommSummer"})
    parts = split_selection(sel, 500, {"Region": 358})
    assert len(parts) == 10 and all(p.value_codes["Region"] == ("*",) for p in parts)
    assert all(p.codelists == {"Region": "agg_KommSummer"} for p in parts)
    with pytest.raises(ValueError, match="cannot be split"):
        split_selection(sel, 300, {"Region": 358})


def test_encoding_and_description() -> None:
    sel = Selection.of({"Region": ["*"], "Tid": ["2023", "2024"]}, {"Region": "agg_KommSummer"})
    assert encode_query(sel.query_params()) == (
        "valueCodes[Region]=*&codelist[Region]=agg_KommSummer&valueCodes[Tid]=2023,2024")
    assert sel.post_body() == {"selection": [
        {"variableCode": "Region", "valueCodes": ["*"], "codelist": "agg_KommSummer"},
        {"variableCode": "Tid", "valueCodes": ["2023", "2024"]}]}
    long = Selection.of({"Region": REGIONS})
    assert long.describe() == "Region=0000,0001..0357 (358 codes)"


def test_expand_codes() -> None:
    codes = ["2015", "2016", "2017", "2018"]
    assert expand_codes(["*"], codes) == codes
    assert expand_codes(["201[67]"], codes) == ["2016", "2017"]
    assert expand_codes(["top(2)"], codes) == ["2017", "2018"]
    assert expand_codes(["from(2017)"], codes) == ["2017", "2018"]
    with pytest.raises(KeyError):
        expand_codes(["1999"], codes)
