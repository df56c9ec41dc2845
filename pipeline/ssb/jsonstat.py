"""JSON-stat reader: SSB's JSON-stat 2.0 (PxWebApi v2, v0) and 1.x (`{"dataset": ...}`) to a long DataFrame."""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# SSB status symbols. "-" is a true zero; these mean the value is missing.
MISSING_SYMBOLS = frozenset({".", "..", "...", ":"})
ZERO_SYMBOL = "-"


class JsonStatError(ValueError):
    """The document is not JSON-stat this reader understands; the message says what is wrong."""


def _load(source: Any) -> dict:
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, (bytes, bytearray)):
        text = bytes(source).decode("utf-8-sig")
    elif isinstance(source, PathLike) or (isinstance(source, str) and not source.lstrip().startswith(("{", "["))):
        text = Path(source).read_text(encoding="utf-8-sig")
    elif isinstance(source, str):
        text = source
    else:
        raise JsonStatError(f"cannot read JSON-stat from {type(source).__name__}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonStatError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc


def _dataset(doc: dict) -> tuple[dict, list[str], list[int]]:
    """Return (dataset, dimension ids, sizes) for a 2.0 dataset or a 1.x bundle with one dataset."""
    if doc.get("class") == "dataset" or "id" in doc and "dimension" in doc and "value" in doc:
        ids, sizes = list(doc["id"]), [int(s) for s in doc["size"]]
        return doc, ids, sizes
    if "dataset" in doc and isinstance(doc["dataset"], dict):  # JSON-stat 1.x bundle
        ds = doc["dataset"]
        dims = ds.get("dimension", {})
        ids = list(dims.get("id", []))
        sizes = [int(s) for s in dims.get("size", [])]
        if not ids:
            raise JsonStatError("JSON-stat 1.x dataset has no dimension.id")
        return ds, ids, sizes
    keys = ", ".join(sorted(doc)[:8])
    raise JsonStatError(f"not a JSON-stat dataset (top-level keys: {keys})")


def _category_codes(dim_id: str, dim: dict, size: int) -> list[str]:
    category = dim.get("category")
    if category is None:
        raise JsonStatError(f"dimension {dim_id!r} has no category")
    index = category.get("index")
    if index is None:  # a single category may leave index out and give only label
        labels = category.get("label", {})
        codes = list(labels)
    elif isinstance(index, list):
        codes = [str(c) for c in index]
    else:
        # Sort by position; positions may not start at 0 (SSB 14216 uses 159, 160), only their order counts.
        codes = [str(code) for code, _ in sorted(index.items(), key=lambda kv: kv[1])]
    if len(codes) != size:
        raise JsonStatError(f"dimension {dim_id!r} has {len(codes)} categories but size says {size}")
    return codes


def _values(raw: Any, n: int) -> np.ndarray:
    out = np.full(n, np.nan, dtype="float64")
    if isinstance(raw, list):
        if len(raw) != n:
            raise JsonStatError(f"value has {len(raw)} entries, the dimension sizes make {n}")
        for i, v in enumerate(raw):
            if v is not None:
                out[i] = float(v)
    elif isinstance(raw, dict):  # sparse {"flat_index": value}
        for k, v in raw.items():
            if v is not None:
                out[int(k)] = float(v)
    else:
        raise JsonStatError("value is neither a list nor an object")
    return out


def _statuses(raw: Any, n: int) -> list[str | None]:
    out: list[str | None] = [None] * n
    if raw is None:
        return out
    if isinstance(raw, str):  # one symbol for every value
        return [raw] * n
    if isinstance(raw, list):
        if len(raw) == 1 and n != 1:
            return [raw[0]] * n
        return [s if s not in ("", None) else None for s in raw] + [None] * (n - len(raw))
    for k, s in raw.items():
        out[int(k)] = s
    return out


def read_jsonstat(source: Any) -> pd.DataFrame:
    """Turn a JSON-stat document into a long DataFrame.

    One column per dimension id holding category codes, then `value` (float, NaN when missing) and
    `status` (SSB symbol or None), rows in the document's row-major order. `-` (true zero) gives 0.0;
    `..`, `...`, `:` and `.` give NaN; `*` (provisional) keeps the value.
    """
    doc = _load(source)
    ds, ids, sizes = _dataset(doc)
    dims = ds["dimension"]
    missing = [d for d in ids if d not in dims]
    if missing:
        raise JsonStatError(f"dimension(s) {missing} listed in id but not described")
    if len(ids) != len(sizes):
        raise JsonStatError(f"id has {len(ids)} dimensions but size has {len(sizes)}")
    codes = [_category_codes(d, dims[d], s) for d, s in zip(ids, sizes, strict=True)]
    n = int(np.prod(sizes)) if sizes else 0
    values = _values(ds.get("value", []), n)
    statuses = _statuses(ds.get("status"), n)

    columns: dict[str, Any] = {}
    grids = np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij") if sizes else []
    for dim_id, dim_codes, grid in zip(ids, codes, grids, strict=True):
        columns[dim_id] = np.asarray(dim_codes, dtype=object)[grid.ravel()]
    frame = pd.DataFrame(columns)
    status_series = pd.Series(statuses, dtype=object)
    is_zero = status_series.eq(ZERO_SYMBOL).to_numpy() & np.isnan(values)
    values[is_zero] = 0.0
    frame["value"] = values
    frame["status"] = status_series
    return frame
