"""Turn snapshot tables and accepted submissions into the raw tables dbt reads (docs/contracts.md)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.catalog import SsbCatalog
from pipeline.paths import Intake
from pipeline.snapshot import Snapshot, SnapshotError, sha256_bytes
from pipeline.ssb.jsonstat import MISSING_SYMBOLS, ZERO_SYMBOL, JsonStatError, parse_jsonstat
from pipeline.ssb.periods import period_year
from pipeline.submissions.store import read_accepted

SSB_COLUMNS = ["table_id", "region", "contents_code", "filters", "period", "year", "value", "status",
               "source_file", "sha256", "snapshot_kind"]
SUBMISSION_COLUMNS = {
    "submission_id": "string", "municipality_code": "string", "indicator_id": "string", "year": "Int64",
    "value": "float64", "unit": "string", "comment": "string", "source_file": "string", "row_number": "Int64",
    "content_sha256": "string", "received_at": "datetime64[us, UTC]", "origin": "string",
}


def accepted_submissions(intake: Intake) -> pd.DataFrame:
    """Every accepted submission row of one intake, every version (dbt keeps the current one and the history).

    A run loads the intake of its own kind only (`home.intake(origin)`): demo runs the demo's, live and
    replayed runs the real one; each row keeps its recorded origin, which checks/demo_separation.py verifies.
    """
    frames = [read_accepted(f, intake.origin) for f in sorted(intake.accepted_dir.glob("*.parquet"))]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in SUBMISSION_COLUMNS.items()})
    return pd.concat(frames, ignore_index=True)[list(SUBMISSION_COLUMNS)].astype(SUBMISSION_COLUMNS)


def _dict_column(indices: np.ndarray, dictionary: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, type=pa.int32()), pa.array(dictionary, type=pa.string()))


def _const_column(value: str, n: int) -> pa.DictionaryArray:
    return _dict_column(np.zeros(n, dtype=np.int32), [value])


def ssb_arrow_tables(snapshot: Snapshot, catalog: SsbCatalog, table_id: str) -> Iterator[pa.Table]:
    """One catalog table as Arrow tables of raw.ssb_observations rows, one per data file.

    Built from category indices (dictionary-encoded columns, no per-row Python objects), so a table of
    millions of cells costs about its JSON parse and no more.
    """
    spec = catalog.table(table_id)
    wanted = set(spec.contents_codes)
    for rel in snapshot.entry(table_id)["data"]:
        data = snapshot.read_bytes(rel, table_id)
        path = snapshot.root / rel
        try:
            ds = parse_jsonstat(data)
        except (JsonStatError, UnicodeDecodeError) as exc:
            raise SnapshotError(f"{path}: table {table_id}: {exc}") from exc
        ids = ds.ids
        for required in (spec.region_dimension, "ContentsCode", "Tid"):
            if required not in ids:
                raise SnapshotError(
                    f"{path}: table {table_id} has no dimension {required!r} (dimensions: {ids}); "
                    "the table's structure changed: update pipeline/catalog/ssb_tables.yaml")
        if ds.values is None or ds.cells == 0:
            continue
        n = ds.cells
        sizes = ds.sizes
        grids = np.indices(sizes, dtype=np.int32, sparse=True)  # position of each cell along each dimension
        full = {d: np.broadcast_to(grids[k], sizes).ravel()
                for k, d in enumerate(ids) if d in (spec.region_dimension, "ContentsCode", "Tid")}
        contents = ds.dimension("ContentsCode").codes
        keep_code = np.array([c in wanted for c in contents])
        if not keep_code.any():
            raise SnapshotError(f"{path}: table {table_id} has none of the catalog's contents codes "
                                f"{spec.contents_codes} (found {sorted(contents)})")
        keep = keep_code[full["ContentsCode"]]
        other = sorted(d for d in ids if d not in (spec.region_dimension, "ContentsCode", "Tid"))
        if other:  # filters: one string per combination of the other dimensions' codes
            other_pos = [ids.index(d) for d in other]
            combo = np.zeros(n, dtype=np.int64)
            for p in other_pos:
                combo = combo * sizes[p] + np.broadcast_to(grids[p], sizes).ravel()
            labels = [";".join(f"{d}={c}" for d, c in zip(other, codes, strict=True))
                      for codes in itertools.product(*[ds.dimension(d).codes for d in other])]
            filters = (combo.astype(np.int32), labels)
        else:
            filters = (np.zeros(n, dtype=np.int32), [""])
        periods = list(ds.dimension("Tid").codes)
        try:
            years = [period_year(p) for p in periods]  # a period of years is keyed by its end year
        except ValueError as exc:
            raise SnapshotError(f"{path}: table {table_id}: {exc}") from exc
        values = ds.values.copy()
        status = pa.array(ds.statuses or [None] * n, type=pa.string())
        is_zero = pc.fill_null(pc.equal(status, ZERO_SYMBOL), False).to_numpy(zero_copy_only=False) & np.isnan(values)
        values[is_zero] = 0.0
        is_missing = pc.fill_null(pc.is_in(status, pa.array(sorted(MISSING_SYMBOLS))), False)
        values[is_missing.to_numpy(zero_copy_only=False)] = np.nan
        sel = np.flatnonzero(keep) if not keep.all() else None

        def take(a, sel=sel):
            return a if sel is None else a[sel]

        m = n if sel is None else len(sel)
        vals = take(values)
        sha = sha256_bytes(data)
        yield pa.table({
            "table_id": _const_column(table_id, m),
            "region": _dict_column(take(full[spec.region_dimension]), list(ds.dimension(spec.region_dimension).codes)),
            "contents_code": _dict_column(take(full["ContentsCode"]), list(contents)),
            "filters": _dict_column(take(filters[0]), filters[1]),
            "period": _dict_column(take(full["Tid"]), periods),
            "year": pa.array(np.asarray(years, dtype=np.int32)[take(full["Tid"])], type=pa.int32()),
            "value": pa.array(vals, mask=np.isnan(vals), type=pa.float64()),
            "status": status if sel is None else status.take(pa.array(sel)),
            "source_file": _const_column(rel, m),
            "sha256": _const_column(sha, m),
            "snapshot_kind": _const_column(snapshot.kind, m),
        })


def write_ssb_parquet(snapshot: Snapshot, catalog: SsbCatalog, table_id: str, out_dir: Path) -> list[Path]:
    """Stream one catalog table to Parquet files (one per data file) under out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, table in enumerate(ssb_arrow_tables(snapshot, catalog, table_id)):
        path = out_dir / f"ssb_{table_id}_{k:03d}.parquet"
        pq.write_table(table, path, compression="zstd", compression_level=1)
        paths.append(path)
    return paths
