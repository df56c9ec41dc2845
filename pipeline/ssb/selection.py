"""Data selections for `/tables/{id}/data`: encoding (GET query / POST body), cell counts and splitting.

A selection maps each dimension to value codes (explicit codes or the wildcard `*`, globs like `01*`)
and optionally a codelist (e.g. `agg_KommSummer`). A dimension not named is eliminated by SSB.
Splitting keeps every request under maxDataCells with as few requests as the limit allows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from urllib.parse import quote


def is_pattern(code: str) -> bool:
    return any(ch in code for ch in "*?[") or code.lower().startswith(("top(", "bottom(", "from(", "to("))


@dataclass(frozen=True)
class Selection:
    """Value codes per dimension (in request order) and codelists per dimension."""

    value_codes: dict[str, tuple[str, ...]]
    codelists: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, value_codes: Mapping[str, Sequence[str] | str],
           codelists: Mapping[str, str] | None = None) -> Selection:
        vc = {str(k): (v,) if isinstance(v, str) else tuple(str(c) for c in v) for k, v in value_codes.items()}
        for dim, codes in vc.items():
            if not codes:
                raise ValueError(f"selection for dimension {dim!r} is empty")
        cl = {str(k): str(v) for k, v in (codelists or {}).items() if v}
        return cls(vc, cl)

    def with_codes(self, dim: str, codes: Sequence[str]) -> Selection:
        vc = dict(self.value_codes)
        vc[dim] = tuple(codes)
        return Selection(vc, dict(self.codelists))

    def is_explicit(self, dim: str) -> bool:
        return not any(is_pattern(c) for c in self.value_codes[dim])

    def count(self, dim: str, estimates: Mapping[str, int] | None = None) -> int:
        """Cells contributed by `dim`: its explicit codes, else the estimate for its pattern."""
        if self.is_explicit(dim):
            return len(self.value_codes[dim])
        if estimates and dim in estimates:
            return int(estimates[dim])
        raise ValueError(f"dimension {dim!r} is selected by pattern {self.value_codes[dim]} and has no size estimate")

    def cells(self, estimates: Mapping[str, int] | None = None) -> int:
        return math.prod(self.count(d, estimates) for d in self.value_codes)

    def query_params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = []
        for dim, codes in self.value_codes.items():
            params.append((f"valueCodes[{dim}]", ",".join(codes)))
            if dim in self.codelists:
                params.append((f"codelist[{dim}]", self.codelists[dim]))
        return params

    def post_body(self) -> dict:
        items = []
        for dim, codes in self.value_codes.items():
            item: dict = {"variableCode": dim, "valueCodes": list(codes)}
            if dim in self.codelists:
                item["codelist"] = self.codelists[dim]
            items.append(item)
        return {"selection": items}

    def describe(self, max_codes: int = 4) -> str:
        """Short form for messages: `Region=K-3101..K-5636 (357 codes; codelist agg_KommSummer), Tid=2024`."""
        parts = []
        for dim, codes in self.value_codes.items():
            if len(codes) <= max_codes:
                text = ",".join(codes)
            else:
                text = f"{codes[0]},{codes[1]}..{codes[-1]} ({len(codes)} codes)"
            if dim in self.codelists:
                text += f" [codelist {self.codelists[dim]}]"
            parts.append(f"{dim}={text}")
        return "; ".join(parts) or "(no selection)"


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """`k=v&...` keeping `[]`, `,` and `*` readable, the way PxWebApi's own links write them."""
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe=',*')}" for k, v in params)


def _chunk_candidates(n: int, limit: int) -> list[int]:
    """Distinct useful chunk sizes ceil(n/k) for a dimension of n codes, largest first, at most `limit`."""
    sizes = sorted({math.ceil(n / k) for k in range(1, n + 1)}, reverse=True)
    return [s for s in sizes if s <= limit]


def split_selection(selection: Selection, max_cells: int,
                    estimates: Mapping[str, int] | None = None) -> list[Selection]:
    """Split `selection` into the fewest sub-selections of at most `max_cells` cells each.

    Only dimensions with explicit codes are split (a pattern such as `*` on a codelist cannot be cut
    without knowing the codelist); chunk sizes per dimension are searched exhaustively with pruning.
    Raises ValueError when the unsplittable dimensions alone exceed the limit.
    """
    if max_cells < 1:
        raise ValueError("max_cells must be positive")
    dims = list(selection.value_codes)
    counts = {d: selection.count(d, estimates) for d in dims}
    if math.prod(counts.values()) <= max_cells:
        return [selection]
    splittable = [d for d in dims if selection.is_explicit(d) and counts[d] > 1]
    fixed = math.prod(counts[d] for d in dims if d not in splittable)
    if fixed > max_cells:
        raise ValueError(f"{fixed:,} cells in dimensions that cannot be split (selected by pattern), "
                         f"over the limit of {max_cells:,}")
    splittable.sort(key=lambda d: -counts[d])
    best: tuple[int, tuple[int, ...]] | None = None

    def search(i: int, budget: int, requests: int, chosen: tuple[int, ...]) -> None:
        nonlocal best
        if i == len(splittable):
            if best is None or requests < best[0]:
                best = (requests, chosen)
            return
        rest = math.prod(counts[d] for d in splittable[i:])
        if best is not None and requests * math.ceil(rest / budget) >= best[0]:
            return  # even a perfect split of the rest cannot beat what we have
        n = counts[splittable[i]]
        for c in _chunk_candidates(n, budget):
            search(i + 1, budget // c, requests * math.ceil(n / c), (*chosen, c))

    search(0, max_cells // fixed, 1, ())
    assert best is not None  # chunk size 1 everywhere always fits once fixed <= max_cells
    chunk = dict(zip(splittable, best[1], strict=True))
    per_dim: list[list[tuple[str, ...]]] = []
    for d in dims:
        codes = selection.value_codes[d]
        if d in chunk:
            size = math.ceil(len(codes) / math.ceil(len(codes) / chunk[d]))  # even chunks: 10 -> 4,3,3 not 4,4,2
            per_dim.append([codes[j:j + size] for j in range(0, len(codes), size)])
        else:
            per_dim.append([codes])
    return [Selection(dict(zip(dims, combo, strict=True)), dict(selection.codelists)) for combo in product(*per_dim)]


def min_requests(cells: int, max_cells: int) -> int:
    """The fewest data requests any client could use for `cells` cells under the limit."""
    return max(1, math.ceil(cells / max_cells))
