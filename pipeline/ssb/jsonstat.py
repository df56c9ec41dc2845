"""JSON-stat reader: SSB's JSON-stat 2.0 (PxWebApi v2, v0) and 1.x (`{"dataset": ...}`) to a long DataFrame;
and the one JSON-stat 2.0 writer (`write_jsonstat`, `jsonstat_document`), in the exact shape PxWebApi v2 sends.

What SSB actually sends, and this reader accepts:
- 2.0 datasets (`version`, `class: dataset`, top-level `id`/`size`/`dimension`) and 1.x bundles
  (`{"dataset": {...}}` or another single key, with `dimension.id`/`dimension.size`).
- `category.index` as an object (positions need not start at 0: 14216 uses 159, 160) or an array;
  left out when a dimension has one category.
- `value` as a list (with `null`) or a sparse object `{flat_index: value}`; `value: []` in metadata
  documents (`/tables/{id}/metadata`), which give the dimensions and no rows.
- `status` as an object `{flat_index: symbol}`, a list, or one string for every value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# SSB status symbols. "-" is a true zero; these mean the value is missing; "*" (provisional) keeps it.
MISSING_SYMBOLS = frozenset({".", "..", "...", ":"})
ZERO_SYMBOL = "-"
PROVISIONAL_SYMBOL = "*"


class JsonStatError(ValueError):
    """The document is not JSON-stat this reader understands; the message says what is wrong."""


@dataclass(frozen=True)
class Dimension:
    """One dimension of a JSON-stat dataset, categories in the document's order."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    elimination: bool | None = None  # PxWebApi `extension.elimination`; None when the document does not say
    raw: dict = field(default_factory=dict, hash=False, compare=False, repr=False)

    @property
    def size(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class Dataset:
    """The parts of a JSON-stat dataset the pipeline uses (dimensions in `id` order, values flat)."""

    dimensions: tuple[Dimension, ...]
    values: np.ndarray | None  # None for a metadata document (no values)
    statuses: list[str | None] | None
    label: str = ""
    updated: str | None = None
    table_id: str | None = None
    raw: dict = field(default_factory=dict, hash=False, compare=False, repr=False)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    @property
    def sizes(self) -> list[int]:
        return [d.size for d in self.dimensions]

    @property
    def cells(self) -> int:
        return math.prod(self.sizes) if self.dimensions else 0

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(dim_id)


def load_json(source: Any) -> dict:
    """A JSON document from a dict, str (JSON text or a path), bytes or path."""
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        try:
            text = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonStatError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    elif isinstance(source, PathLike) or (isinstance(source, str) and not source.lstrip().startswith(("{", "["))):
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise JsonStatError(f"cannot read {source}: {exc.strerror or exc}") from exc
    elif isinstance(source, str):
        text = source
    else:
        raise JsonStatError(f"cannot read JSON-stat from {type(source).__name__}")
    if not text.strip():
        raise JsonStatError("empty document")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonStatError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc
    if not isinstance(doc, dict):
        raise JsonStatError(f"top level is a JSON {type(doc).__name__}, not an object")
    return doc


def _is_dataset_2(doc: dict) -> bool:
    return doc.get("class") == "dataset" or ("id" in doc and "size" in doc and "dimension" in doc)


def _dataset_node(doc: dict) -> tuple[dict, list[str], list[int], int]:
    """Return (dataset node, dimension ids, sizes, major version) for a 2.0 dataset or a 1.x bundle."""
    if _is_dataset_2(doc):
        for key in ("id", "size", "dimension"):
            if key not in doc:
                raise JsonStatError(f"JSON-stat 2.0 dataset has no {key!r}")
        return doc, [str(i) for i in doc["id"]], _sizes(doc["size"]), 2
    if doc.get("class") == "collection":
        raise JsonStatError("a JSON-stat collection, not a dataset: read each linked dataset on its own")
    if "error" in doc and len(doc) <= 3:
        raise JsonStatError(f"an SSB error document, not data: {str(doc['error'])[:200]}")
    # 1.x bundle: {"<name>": {dimension: {id, size, ...}, value, ...}}; SSB names it "dataset".
    candidates = {k: v for k, v in doc.items() if isinstance(v, dict) and isinstance(v.get("dimension"), dict)}
    if len(candidates) == 1:
        ds = next(iter(candidates.values()))
        dims = ds["dimension"]
        if "id" not in dims or "size" not in dims:
            raise JsonStatError("JSON-stat 1.x dataset has no dimension.id / dimension.size")
        return ds, [str(i) for i in dims["id"]], _sizes(dims["size"]), 1
    if len(candidates) > 1:
        raise JsonStatError(f"JSON-stat 1.x bundle holds {len(candidates)} datasets ({', '.join(candidates)}); "
                            "expected one")
    keys = ", ".join(sorted(doc)[:8])
    raise JsonStatError(f"not a JSON-stat dataset (top-level keys: {keys})")


def _sizes(raw: Any) -> list[int]:
    try:
        sizes = [int(s) for s in raw]
    except (TypeError, ValueError) as exc:
        raise JsonStatError(f"size is not a list of integers: {str(raw)[:80]}") from exc
    if any(s < 0 for s in sizes):
        raise JsonStatError(f"negative dimension size in {sizes}")
    return sizes


def _category_codes(dim_id: str, dim: dict, size: int) -> tuple[list[str], dict[str, str]]:
    category = dim.get("category")
    if not isinstance(category, dict):
        raise JsonStatError(f"dimension {dim_id!r} has no category")
    labels = category.get("label") or {}
    index = category.get("index")
    if index is None:  # allowed when the dimension has one category: label alone names it
        codes = [str(c) for c in labels]
    elif isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        # Sort by position; positions may not start at 0 (SSB 14216 uses 159, 160), only their order counts.
        try:
            codes = [str(code) for code, _ in sorted(index.items(), key=lambda kv: int(kv[1]))]
        except (TypeError, ValueError) as exc:
            raise JsonStatError(f"dimension {dim_id!r}: category.index positions are not integers") from exc
    else:
        raise JsonStatError(f"dimension {dim_id!r}: category.index is neither an object nor an array")
    if len(codes) != size:
        raise JsonStatError(f"dimension {dim_id!r} has {len(codes)} categories but size says {size}")
    if len(set(codes)) != len(codes):
        raise JsonStatError(f"dimension {dim_id!r} repeats a category code")
    return codes, {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _to_float(v: Any) -> float:
    if v is None:
        return np.nan
    if isinstance(v, bool):
        raise JsonStatError(f"value {v!r} is a boolean, not a number")
    if isinstance(v, (int, float)):
        return float(v)
    try:  # JSON-stat allows strings; SSB never sends them, but "12,5" or "" should not crash a refresh
        return float(str(v).strip().replace(",", "."))
    except ValueError:
        return np.nan


def _values(raw: Any, n: int) -> np.ndarray | None:
    if raw is None or (isinstance(raw, (list, dict)) and len(raw) == 0 and n > 0):
        return None  # a metadata document: dimensions only
    out = np.full(n, np.nan, dtype="float64")
    if isinstance(raw, list):
        if len(raw) != n:
            raise JsonStatError(f"value has {len(raw)} entries, the dimension sizes make {n}")
        if set(map(type, raw)) <= {int, float, type(None)}:  # the usual case: numbers and nulls, vectorised
            return np.array(raw, dtype="float64")
        for i, v in enumerate(raw):
            out[i] = _to_float(v)
    elif isinstance(raw, dict):  # sparse {"flat_index": value}
        for k, v in raw.items():
            i = _flat_index(k, n, "value")
            out[i] = _to_float(v)
    else:
        raise JsonStatError("value is neither a list nor an object")
    return out


def _flat_index(key: Any, n: int, what: str) -> int:
    try:
        i = int(key)
    except (TypeError, ValueError) as exc:
        raise JsonStatError(f"{what} key {key!r} is not a position") from exc
    if not 0 <= i < n:
        raise JsonStatError(f"{what} position {i} is outside the {n} cells")
    return i


def _symbol(s: Any) -> str | None:
    if s is None:
        return None
    s = str(s).strip()
    return s or None


def _statuses(raw: Any, n: int) -> list[str | None]:
    out: list[str | None] = [None] * n
    if raw is None:
        return out
    if isinstance(raw, str):  # one symbol for every value
        return [_symbol(raw)] * n
    if isinstance(raw, list):
        if len(raw) == 1 and n != 1:
            return [_symbol(raw[0])] * n
        if len(raw) > n:
            raise JsonStatError(f"status has {len(raw)} entries, the dimension sizes make {n}")
        return [_symbol(s) for s in raw] + [None] * (n - len(raw))
    if isinstance(raw, dict):
        for k, s in raw.items():
            out[_flat_index(k, n, "status")] = _symbol(s)
        return out
    raise JsonStatError("status is neither a string, a list nor an object")


def parse_jsonstat(source: Any) -> Dataset:
    """Parse a JSON-stat document into a `Dataset` (dimensions, flat values, statuses)."""
    doc = load_json(source)
    ds, ids, sizes, _version = _dataset_node(doc)
    dims = ds["dimension"]
    if len(ids) != len(sizes):
        raise JsonStatError(f"id has {len(ids)} dimensions but size has {len(sizes)}")
    if len(set(ids)) != len(ids):
        raise JsonStatError(f"id repeats a dimension: {ids}")
    missing = [d for d in ids if not isinstance(dims.get(d), dict)]
    if missing:
        raise JsonStatError(f"dimension(s) {missing} listed in id but not described")
    dimensions = []
    for d, s in zip(ids, sizes, strict=True):
        codes, labels = _category_codes(d, dims[d], s)
        ext = dims[d].get("extension") or {}
        elim = ext.get("elimination") if isinstance(ext, dict) else None
        dimensions.append(Dimension(id=d, label=str(dims[d].get("label", d)), codes=tuple(codes), labels=labels,
                                    elimination=bool(elim) if elim is not None else None, raw=dims[d]))
    n = math.prod(sizes) if sizes else 0
    values = _values(ds.get("value"), n)
    statuses = _statuses(ds.get("status"), n) if values is not None else None
    ext = ds.get("extension") or {}
    px = ext.get("px") if isinstance(ext, dict) else None
    table_id = str(px["tableid"]) if isinstance(px, dict) and px.get("tableid") else None
    return Dataset(dimensions=tuple(dimensions), values=values, statuses=statuses, label=str(ds.get("label", "")),
                   updated=ds.get("updated"), table_id=table_id, raw=ds)


def dataset_frame(dataset: Dataset) -> pd.DataFrame:
    """The long DataFrame of a parsed dataset (see `read_jsonstat`)."""
    ids = dataset.ids
    if dataset.values is None:  # metadata: the columns, no rows
        frame = pd.DataFrame({d: pd.Series([], dtype=object) for d in ids})
        frame["value"] = pd.Series([], dtype="float64")
        frame["status"] = pd.Series([], dtype=object)
        return frame
    values = dataset.values.copy()
    statuses = dataset.statuses or [None] * len(values)
    columns: dict[str, Any] = {}
    sizes = dataset.sizes
    if sizes and len(values):
        grids = np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij")
        for dim, grid in zip(dataset.dimensions, grids, strict=True):
            columns[dim.id] = np.asarray(dim.codes, dtype=object)[grid.ravel()]
    else:
        columns = {d: np.asarray([], dtype=object) for d in ids}
    frame = pd.DataFrame(columns)
    status_series = pd.Series(statuses, dtype=object)
    symbols = status_series.to_numpy()
    is_zero = (symbols == ZERO_SYMBOL) & np.isnan(values)
    values[is_zero] = 0.0
    is_missing = np.isin(symbols, list(MISSING_SYMBOLS))
    values[is_missing] = np.nan  # the symbol says missing, whatever number rides along
    frame["value"] = values
    frame["status"] = status_series
    return frame


def read_jsonstat(source: Any) -> pd.DataFrame:
    """Turn a JSON-stat document into a long DataFrame.

    One column per dimension id holding category codes, then `value` (float, NaN when missing) and
    `status` (SSB symbol or None), rows in the document's row-major order (last dimension fastest).
    `-` (true zero) gives 0.0; `..`, `...`, `:` and `.` give NaN; `*` (provisional) keeps the value.
    A metadata document (`value: []`) gives the columns and no rows.
    """
    return dataset_frame(parse_jsonstat(source))


# -- writer ------------------------------------------------------------------------------------------


def jsonstat_dimension(label: str, codes: Sequence[str], labels: Mapping[str, str] | None = None, *,
                       elimination: bool = False, **category: Any) -> dict:
    """One dimension as PxWebApi v2 writes it: `category.index`/`label` in code order (a code without a
    label is its own label), extra category entries (`unit`, ...), `extension.elimination`/`show`."""
    labels = labels or {}
    return {"label": label, "category": {"index": {c: i for i, c in enumerate(codes)},
                                          "label": {c: labels.get(c, c) for c in codes}, **category},
            "extension": {"elimination": elimination, "show": "code_value"}}


def _dimension_size(dim_id: str, dim: Mapping) -> int:
    category = dim.get("category") or {}
    index = category.get("index")
    if index is None:
        index = category.get("label") or {}
    if not index:
        raise ValueError(f"dimension {dim_id!r} has no categories")
    return len(index)


def _json_values(values: Any) -> list[int | float | None]:
    """JSON numbers in row-major order: NaN/None as null, integral values as integers (as SSB writes them)."""
    flat = np.asarray(values, dtype="float64").ravel()
    out = flat.astype(object)
    missing = np.isnan(flat)
    integral = ~missing & (flat == np.trunc(flat)) & (np.abs(flat) < 2**53)
    out[integral] = flat[integral].astype(np.int64).astype(object)
    out[missing] = None
    return out.tolist()


def _json_status(status: Mapping[str, str] | Sequence[str | None]) -> dict[str, str]:
    if isinstance(status, Mapping):
        return {str(k): v for k, v in status.items()}
    return {str(i): s for i, s in enumerate(status) if s}


def jsonstat_document(dimensions: Mapping[str, Mapping], values: Any = None, *,
                      status: Mapping[str, str] | Sequence[str | None] | None = None, label: str, source: str,
                      updated: str | None, note: Sequence[str] | None = None,
                      role: Mapping[str, Sequence[str]] | None = None, extension: Mapping | None = None) -> dict:
    """A JSON-stat 2.0 dataset as PxWebApi v2 sends it (what `parse_jsonstat` reads back).

    `dimensions` maps dimension id -> dimension object (`jsonstat_dimension`), in `id` order; sizes come
    from their categories. `values` (any array-like of numbers, NaN or None for missing, row-major with the
    last dimension fastest) gives a data document; None gives a metadata document (`value: []`).
    `status` is sparse `{flat_index: symbol}` or one symbol/None per value; None leaves it out. Keys are in
    SSB's order: version, class, label, source, updated, note, role, id, size, dimension, value, status,
    extension (None-valued optional parts are left out).
    """
    ids = list(dimensions)
    sizes = [_dimension_size(d, dimensions[d]) for d in ids]
    doc: dict[str, Any] = {"version": "2.0", "class": "dataset", "label": label, "source": source,
                           "updated": updated}
    if note is not None:
        doc["note"] = list(note)
    if role is not None:
        doc["role"] = {k: list(v) for k, v in role.items()}
    doc |= {"id": ids, "size": sizes, "dimension": {d: dict(dimensions[d]) for d in ids}}
    if values is None:
        doc["value"] = []
    else:
        doc["value"] = _json_values(values)
        if len(doc["value"]) != math.prod(sizes):
            raise ValueError(f"{len(doc['value'])} values for dimension sizes {sizes} ({math.prod(sizes)} cells)")
        if status is not None:
            doc["status"] = _json_status(status)
    if extension is not None:
        doc["extension"] = dict(extension)
    return doc


def json_bytes(doc: Any) -> bytes:
    """Compact UTF-8 JSON, as PxWebApi v2 sends it (every snapshot document is written this way)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_jsonstat(dimensions: Mapping[str, Mapping], values: Any = None, **parts: Any) -> bytes:
    """The bytes of `jsonstat_document(dimensions, values, **parts)`: the one JSON-stat writer (demo
    snapshot, synthetic benchmark snapshots and the PxWebApi test server all write through it)."""
    return json_bytes(jsonstat_document(dimensions, values, **parts))
