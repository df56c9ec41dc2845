"""Turn snapshot tables and accepted submissions into the raw tables dbt reads (docs/contracts.md)."""

from __future__ import annotations

import pandas as pd

from pipeline.catalog import SsbCatalog
from pipeline.paths import Home
from pipeline.snapshot import Snapshot, SnapshotError

SSB_COLUMNS = ["table_id", "region", "contents_code", "filters", "period", "year", "value", "status",
               "source_file", "sha256", "snapshot_kind"]
SUBMISSION_COLUMNS = {
    "submission_id": "string", "municipality_code": "string", "indicator_id": "string", "year": "Int64",
    "value": "float64", "unit": "string", "comment": "string", "source_file": "string", "row_number": "Int64",
    "content_sha256": "string", "received_at": "datetime64[us, UTC]",
}


def ssb_long_frame(snapshot: Snapshot, catalog: SsbCatalog, table_id: str) -> pd.DataFrame:
    """One catalog table from the snapshot as rows of raw.ssb_observations."""
    spec = catalog.table(table_id)
    frame = snapshot.read_table(table_id)
    path = snapshot.root / snapshot.entry(table_id)["data"][0]
    for required in (spec.region_dimension, "ContentsCode", "Tid"):
        if required not in frame.columns:
            raise SnapshotError(
                f"{path}: table {table_id} has no dimension {required!r} (dimensions: "
                f"{[c for c in frame.columns if c not in ('value', 'status', 'source_file', 'sha256')]}); "
                "the table's structure changed: update pipeline/catalog/ssb_tables.yaml"
            )
    other = [c for c in frame.columns
             if c not in (spec.region_dimension, "ContentsCode", "Tid", "value", "status", "source_file", "sha256")]
    unknown = sorted(set(frame["ContentsCode"]) - set(spec.contents_codes))
    frame = frame[frame["ContentsCode"].isin(spec.contents_codes)]
    if frame.empty:
        raise SnapshotError(f"{path}: table {table_id} has none of the catalog's contents codes "
                            f"{spec.contents_codes} (found {unknown})")
    filters = (frame[other].astype(str).apply(lambda r: ";".join(f"{d}={r[d]}" for d in sorted(other)), axis=1)
               if other else pd.Series("", index=frame.index))
    period = frame["Tid"].astype(str)
    year = pd.to_numeric(period.str[:4], errors="coerce")
    if year.isna().any():
        bad = period[year.isna()].iloc[0]
        raise SnapshotError(f"{path}: table {table_id}: time code {bad!r} does not start with a year")
    return pd.DataFrame({
        "table_id": table_id, "region": frame[spec.region_dimension].astype(str),
        "contents_code": frame["ContentsCode"],
        "filters": filters, "period": period, "year": year.astype("int32"), "value": frame["value"],
        "status": frame["status"], "source_file": frame["source_file"], "sha256": frame["sha256"],
        "snapshot_kind": snapshot.kind,
    })[SSB_COLUMNS]


def accepted_submissions(home: Home) -> pd.DataFrame:
    """Every accepted submission row, every version (dbt keeps the current one and the history)."""
    files = sorted((home.submissions_dir / "accepted").glob("*.parquet"))
    frames = [pd.read_parquet(f) for f in files]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in SUBMISSION_COLUMNS.items()})
    frame = pd.concat(frames, ignore_index=True)
    missing = [c for c in SUBMISSION_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"accepted submissions in {home.submissions_dir / 'accepted'} lack columns {missing}")
    return frame[list(SUBMISSION_COLUMNS)].astype(SUBMISSION_COLUMNS)
