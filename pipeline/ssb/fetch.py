"""Fetch the catalog's SSB tables into a replayable, content-addressed live snapshot, incrementally.

Layout under `snapshots_dir` (usually `Home.snapshots_dir`):

    objects/ab/<sha256>.json      exact response bytes (table info, metadata, data), named by content hash
    live/<UTC timestamp>/manifest.json   pipeline.snapshot manifest, kind "live", paths relative to it,
                                         plus per-table `fetch` metadata (urls, time, requests, cells, status)

A table whose `updated` (from `/tables/{id}`) and request spec match the previous snapshot costs one
request and reuses the previous files (`status: unchanged`).

Before a changed table's data are fetched, its metadata are checked against the catalog
(`pipeline.catalog.check.check_table`, then the selection). A table whose codes or dimensions no longer
match never stops the rest: it keeps the previous snapshot's files (`status: stale`, with the reason and
the date its data were fetched) or, without a previous copy, is left out of the snapshot with the reason
(manifest `dropped`). HTTP errors, empty or corrupt data still fail the whole fetch, as before.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from pipeline.catalog import SsbCatalog, TableSpec
from pipeline.snapshot import (
    FORMAT_VERSION,
    MANIFEST,
    Snapshot,
    SnapshotError,
    open_snapshot,
    sha256_bytes,
    write_manifest,
)
from pipeline.ssb.client import Limits, SsbClient, SsbResponse
from pipeline.ssb.errors import SsbEmptyData, SsbError, SsbSchemaError
from pipeline.ssb.jsonstat import Dataset
from pipeline.ssb.periods import period_year
from pipeline.ssb.selection import Selection, min_requests, split_selection
from pipeline.ssb.structure import read_structure, structure_from_dataset

OBJECTS = "objects"
LIVE = "live"


@dataclass
class TableFetch:
    """What fetching one table cost and gave."""

    table_id: str
    status: str  # "changed" | "unchanged" | "stale" (kept the previous files) | "dropped" (no data)
    updated: str | None
    requests: int
    cells: int
    rows: int
    data_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict:
        """Flat values for Dagster MaterializeResult metadata."""
        return {"status": self.status, "updated": self.updated or "", "requests": self.requests,
                "cells": self.cells, "rows": self.rows, "data_files": len(self.data_files),
                "notes": "; ".join(self.notes)}


@dataclass
class FetchResult:
    snapshot_dir: Path
    tables: dict[str, TableFetch]
    requests: int  # every HTTP request of the run: /config, retries included
    retries: int
    elapsed_s: float
    limits: Limits

    @property
    def changed(self) -> list[str]:
        return [t for t, s in self.tables.items() if s.status == "changed"]

    @property
    def unchanged(self) -> list[str]:
        return [t for t, s in self.tables.items() if s.status == "unchanged"]

    @property
    def stale(self) -> list[str]:
        return [t for t, s in self.tables.items() if s.status == "stale"]

    @property
    def dropped(self) -> list[str]:
        return [t for t, s in self.tables.items() if s.status == "dropped"]

    def snapshot(self) -> Snapshot:
        return open_snapshot(self.snapshot_dir)


def latest_snapshot(snapshots_dir: Path) -> Snapshot | None:
    """The newest complete live snapshot under `snapshots_dir` (None when there is none)."""
    live = Path(snapshots_dir) / LIVE
    if not live.is_dir():
        return None
    for d in sorted((p for p in live.iterdir() if (p / MANIFEST).is_file()), key=lambda p: p.name, reverse=True):
        try:
            return open_snapshot(d)
        except SnapshotError:
            continue
    return None


class ObjectStore:
    """Content-addressed files under `root/objects`; writing the same bytes twice is a no-op."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root) / OBJECTS

    def path(self, sha: str, suffix: str) -> Path:
        return self.root / sha[:2] / f"{sha}{suffix}"

    def put(self, data: bytes, suffix: str = ".json") -> tuple[Path, str]:
        sha = sha256_bytes(data)
        path = self.path(sha, suffix)
        if not path.exists() or path.stat().st_size != len(data):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return path, sha


def table_spec(table: TableSpec, catalog: SsbCatalog, lang: str) -> dict:
    """What we ask SSB for a table; a change here forces a re-download even if `updated` did not move."""
    return {"lang": lang, "region_dimension": table.region_dimension, "region_codelist": table.region_codelist,
            "selection": {k: list(v) for k, v in sorted(table.selection.items())},
            "contents": table.contents_codes, "years": [catalog.first_year, catalog.last_year]}


def _keyed_within(code: str, first_year: int, last_year: int) -> bool:
    """Whether a time code's year (a period's end year, `period_year`) lies in [first_year, last_year]."""
    try:
        return first_year <= period_year(code) <= last_year
    except ValueError:
        return False


def build_selection(table: TableSpec, meta: Dataset, first_year: int, last_year: int,
                    codelist: str | None = None) -> tuple[Selection, list[str]]:
    """The data selection for a catalog table given its current metadata; schema drift raises SsbSchemaError.
    `codelist` overrides the catalog's region codelist (the municipal codelist the table itself offers)."""
    where = f"table {table.id}"
    notes: list[str] = []
    dims = {d.id: d for d in meta.dimensions}
    fix = "update pipeline/catalog/ssb_tables.yaml"
    # the region, time and contents dimensions are SSB's, found by their roles (geo, time, metric), not assumed
    structure = structure_from_dataset(meta, table_id=table.id)
    region_dim, time_dim, contents_dim = structure.region, structure.time, structure.contents
    if region_dim is None:
        raise SsbSchemaError(f"{where}: the table has no region dimension any more (dimensions now: "
                             f"{structure.describe_dimensions()}); {fix}", table_id=table.id)
    if region_dim != table.region_dimension:
        raise SsbSchemaError(f"{where}: SSB's region dimension (its geo role) is {region_dim} "
                             f"'{dims[region_dim].label}', the catalog says {table.region_dimension!r} "
                             f"(dimensions now: {', '.join(meta.ids)}); {fix}", table_id=table.id)
    gone = [d for d in table.selection if d not in dims]
    if gone:
        raise SsbSchemaError(f"{where}: dimension(s) {gone} named in the catalog selection are not in the table "
                             f"(dimensions now: {', '.join(meta.ids)}); {fix}", table_id=table.id)
    if contents_dim is None or time_dim is None:
        raise SsbSchemaError(f"{where}: no {'time' if time_dim is None else 'contents'} dimension "
                             f"(dimensions now: {', '.join(meta.ids)})", table_id=table.id)
    value_codes: dict[str, list[str]] = {}
    codelists: dict[str, str] = {}
    for dim in meta.dimensions:
        if dim.id == region_dim:
            value_codes[dim.id] = ["*"]
            if codelist or table.region_codelist:
                codelists[dim.id] = codelist or table.region_codelist
        elif dim.id == contents_dim:
            missing = [c for c in table.contents_codes if c not in dim.codes]
            if missing:
                raise SsbSchemaError(f"{where}: contents code(s) {missing} are not in {dim.id} "
                                     f"(has {', '.join(dim.codes[:10])}); {fix}", table_id=table.id)
            value_codes[dim.id] = [c for c in dim.codes if c in table.contents_codes]
        elif dim.id == time_dim:
            years = [c for c in dim.codes if _keyed_within(c, first_year, last_year)]
            if not years:
                raise SsbSchemaError(f"{where}: no periods in {first_year}-{last_year} (table has "
                                     f"{dim.codes[0]}..{dim.codes[-1]})", table_id=table.id)
            value_codes[dim.id] = years
        elif dim.id in table.selection:
            missing = [c for c in table.selection[dim.id] if c not in dim.codes]
            if missing:
                raise SsbSchemaError(f"{where}: value code(s) {missing} are not in dimension {dim.id}; {fix}",
                                     table_id=table.id)
            value_codes[dim.id] = list(table.selection[dim.id])
        elif dim.elimination:
            notes.append(f"dimension {dim.id} not in the catalog: eliminated (totals)")
        elif dim.size == 1:
            value_codes[dim.id] = list(dim.codes)
        else:
            raise SsbSchemaError(f"{where}: dimension {dim.id!r} ({dim.size} codes) cannot be eliminated and the "
                                 f"catalog does not select it; name it in the table's selection in ssb_tables.yaml",
                                 table_id=table.id)
    return Selection.of(value_codes, codelists), notes


def plan_table(client: SsbClient, selection: Selection, meta: Dataset, max_cells: int,
               log: Callable[[str], None], table_id: str) -> list[Selection]:
    """Split the selection into requests. A `*` region is expanded to explicit codes only when splitting
    along it would save requests (from metadata, or for a codelist from `/codelists/{id}`)."""
    region = next((d for d in selection.value_codes if not selection.is_explicit(d)), None)
    estimates = {d.id: d.size for d in meta.dimensions if d.id in selection.value_codes}
    total = selection.cells(estimates)
    if total <= max_cells or region is None:
        return split_selection(selection, max_cells, estimates)
    try:
        plan = split_selection(selection, max_cells, estimates)
    except ValueError:
        plan = None
    if plan is not None and len(plan) <= min_requests(total, max_cells) + (1 if region in selection.codelists else 0):
        return plan
    if region in selection.codelists:
        codelist = selection.codelists[region]
        try:
            codes = [v["code"] for v in client.codelist(codelist).json().get("values", [])]
        except SsbError as exc:
            if plan is None:
                raise
            log(f"{table_id}: codelist {codelist} unavailable ({exc}); splitting along other dimensions")
            return plan
    else:
        codes = list(meta.dimension(region).codes)
    return split_selection(selection.with_codes(region, codes), max_cells)


def _relpath(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def _new_snapshot_dir(snapshots_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    live = Path(snapshots_dir) / LIVE
    live.mkdir(parents=True, exist_ok=True)
    for n in range(100):
        d = live / (stamp if n == 0 else f"{stamp}-{n:02d}")
        try:
            d.mkdir()
            return d
        except FileExistsError:
            continue
    raise SsbError(f"{live}: cannot create a new snapshot directory for {stamp}")


def fetch_snapshot(catalog: SsbCatalog, snapshots_dir: Path, base_url: str, *, previous: Snapshot | None = None,
                   log: Callable[[str], None] = print, client: SsbClient | None = None, lang: str = "no",
                   tables: Sequence[str] | None = None) -> FetchResult:
    """Fetch every catalog table (or `tables`) into a new live snapshot and return what it cost.

    Tables unchanged since `previous` (same `updated`, same request spec) are reused. Any failure raises
    an SsbError naming the table before a manifest is written, so the last good snapshot stays the latest.
    """
    started = time.monotonic()
    client = client or SsbClient(base_url, lang=lang, log=log)
    lang = client.lang
    store = ObjectStore(Path(snapshots_dir))
    client.config()
    limits = client.limits
    specs = [t for t in catalog.tables if tables is None or t.id in tables]
    log(f"SSB fetch: {len(specs)} tables from {client.base_url} (limits: {limits.max_cells:,} cells/request, "
        f"{limits.calls} calls per {limits.window_s:g} s)")
    entries: dict[str, dict] = {}
    dropped: dict[str, dict] = {}
    results: dict[str, TableFetch] = {}
    pending: list[tuple[str, dict[str, Path], list[Path]]] = []
    for table in specs:
        before = client.requests_made
        spec = table_spec(table, catalog, lang)
        info_resp = client.table(table.id)
        updated = info_resp.json().get("updated")
        info_path, _ = store.put(info_resp.content)
        prev_entry = _reusable(previous, table.id, updated, spec)
        if prev_entry is not None and previous is not None:
            meta_path, _ = store.put(previous.read_bytes(prev_entry["metadata"], table.id))
            data_paths = [store.put(previous.read_bytes(rel, table.id))[0] for rel in prev_entry["data"]]
            pf = prev_entry.get("fetch", {})
            fetch = {"status": "unchanged", "fetched_at": info_resp.fetched_at, "urls": [info_resp.url],
                     "requests": client.requests_made - before, "cells": int(pf.get("cells", 0)),
                     "rows": int(pf.get("rows", 0)), "spec": spec, "reused_from": str(previous.root),
                     "data_fetched_at": pf.get("data_fetched_at") or pf.get("fetched_at"),
                     "data_urls": pf.get("data_urls", [])}
            log(f"{table.id}: unchanged since {updated} (1 request, reused {len(data_paths)} data file(s))")
            notes = ["unchanged: reused the previous snapshot's files"]
        else:
            meta_resp = client.metadata(table.id)
            meta = meta_resp.dataset()
            problem, selection, notes = _match_catalog(table, catalog, meta_resp)
            if problem is not None:
                last = _last_good(previous, table.id)
                if last is None or previous is None:
                    log(f"{table.id}: DROPPED from this refresh, no earlier copy: {problem}")
                    dropped[table.id] = {"reason": problem, "checked_at": meta_resp.fetched_at, "updated": updated}
                    results[table.id] = TableFetch(table_id=table.id, status="dropped", updated=updated,
                                                   requests=client.requests_made - before, cells=0, rows=0,
                                                   notes=[problem])
                    continue
                meta_path, _ = store.put(previous.read_bytes(last["metadata"], table.id))
                data_paths = [store.put(previous.read_bytes(rel, table.id))[0] for rel in last["data"]]
                pf = last.get("fetch", {})
                since = pf.get("data_fetched_at") or pf.get("fetched_at")
                log(f"{table.id}: STALE, kept the data fetched {since}: {problem}")
                fetch = {"status": "stale", "fetched_at": meta_resp.fetched_at, "urls": [info_resp.url, meta_resp.url],
                         "requests": client.requests_made - before, "cells": int(pf.get("cells", 0)),
                         "rows": int(pf.get("rows", 0)), "spec": pf.get("spec", spec),
                         "reused_from": str(previous.root), "data_fetched_at": since,
                         "data_urls": pf.get("data_urls", []), "stale_reason": problem}
                notes = [f"stale since {since}: {problem}"]
                fetch["notes"] = notes
                entries[table.id] = {"updated": last.get("updated"), "fetch": fetch}
                pending.append((table.id, {"table_info": info_path, "metadata": meta_path}, data_paths))
                results[table.id] = TableFetch(table_id=table.id, status="stale", updated=updated,
                                               requests=fetch["requests"], cells=fetch["cells"], rows=fetch["rows"],
                                               notes=notes)
                continue
            for note in notes:
                log(f"{table.id}: {note}")
            plan = plan_table(client, selection, meta, limits.max_cells, log, table.id)
            meta_path, _ = store.put(meta_resp.content)
            data_paths, data_urls = [], []
            cells = rows = present = 0
            for i, part in enumerate(plan, 1):
                resp = client.data(table.id, part)
                ds = resp.dataset()
                cells += ds.cells
                frame = resp.frame()
                rows += len(frame)
                present += int(np.isfinite(frame["value"].to_numpy(dtype="float64")).sum())
                data_paths.append(store.put(resp.content)[0])
                data_urls.append(_describe_request(resp))
                log(f"{table.id}: {i}/{len(plan)} requests, {cells:,} cells")
            if rows and not present:
                raise SsbEmptyData(f"table {table.id}: all {rows:,} values are missing (updated {updated}); "
                                   f"refusing to store it as the new snapshot", table_id=table.id)
            extra = sorted(set(ds.ids) - set(selection.value_codes))
            if extra:
                notes.append(f"response has dimension(s) not selected: {extra}")
            fetch = {"status": "changed", "fetched_at": meta_resp.fetched_at,
                     "urls": [info_resp.url, meta_resp.url] + [u["url"] for u in data_urls],
                     "data_urls": data_urls, "data_fetched_at": resp.fetched_at,
                     "requests": client.requests_made - before, "cells": cells, "rows": rows, "spec": spec,
                     "selections": [p.describe() for p in plan], "min_data_requests":
                         min_requests(cells, limits.max_cells), "reused_from": None}
            log(f"{table.id}: done, {len(plan)} data request(s), {cells:,} cells, updated {updated}")
        fetch["notes"] = notes
        entries[table.id] = {"updated": updated, "fetch": fetch}
        pending.append((table.id, {"table_info": info_path, "metadata": meta_path}, data_paths))
        results[table.id] = TableFetch(table_id=table.id, status=fetch["status"], updated=updated,
                                       requests=fetch["requests"], cells=fetch["cells"], rows=fetch["rows"],
                                       notes=notes)
    snap_dir = _new_snapshot_dir(Path(snapshots_dir))
    for table_id, singles, data_paths in pending:
        entry = entries[table_id]
        hashes = {}
        for key, path in singles.items():
            entry[key] = _relpath(path, snap_dir)
            hashes[entry[key]] = path.stem
        entry["data"] = [_relpath(p, snap_dir) for p in data_paths]
        hashes.update({rel: p.stem for rel, p in zip(entry["data"], data_paths, strict=True)})
        entry["sha256"] = hashes
        results[table_id].data_files = entry["data"]
    manifest = {"format": FORMAT_VERSION, "kind": "live", "label": f"SSB PxWebApi v2 ({client.base_url})",
                "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "base_url": client.base_url, "lang": lang,
                "limits": {"maxDataCells": limits.max_cells, "maxCallsPerTimeWindow": limits.calls,
                           "timeWindow": limits.window_s},
                "requests": client.requests_made, "retries": client.retries,
                "previous": str(previous.root) if previous else None, "tables": entries, "dropped": dropped}
    write_manifest(snap_dir, manifest)
    elapsed = time.monotonic() - started
    n_changed = sum(1 for r in results.values() if r.status == "changed")
    n_unchanged = sum(1 for r in results.values() if r.status == "unchanged")
    log(f"SSB fetch done: {len(results)} tables ({n_changed} changed, {n_unchanged} unchanged, "
        f"{sum(r.status == 'stale' for r in results.values())} stale, {len(dropped)} dropped), "
        f"{client.requests_made} requests, {elapsed:.1f} s -> {snap_dir}")
    return FetchResult(snapshot_dir=snap_dir, tables=results, requests=client.requests_made, retries=client.retries,
                       elapsed_s=elapsed, limits=limits)


def _describe_request(resp: SsbResponse) -> dict:
    out = {"method": resp.method, "url": resp.url, "fetched_at": resp.fetched_at, "attempts": resp.attempts}
    if resp.request_body is not None:
        out["body"] = resp.request_body
    return out


def _match_catalog(table: TableSpec, catalog: SsbCatalog, meta_resp: SsbResponse
                   ) -> tuple[str | None, Selection | None, list[str]]:
    """(problem, selection, notes): the table's metadata checked against the catalog before any data request.
    `problem` says, in SSB's labels, why the table cannot be fetched as the catalog describes it."""
    from pipeline.catalog.check import check_table  # noqa: PLC0415

    structure = read_structure(meta_resp.json())
    check = check_table(table, structure, years=catalog.years)
    mismatches = list(check.mismatches)
    codelist, chosen = None, []
    # the catalog's codelist is no longer offered, but the table offers a municipal one: take the table's choice
    if [f.subject for f in mismatches] == ["codelist"] and not check.refused and structure.municipal_codelist:
        codelist = structure.municipal_codelist
        mismatches = []
        chosen = [f"codelist {table.region_codelist} not offered any more; used the table's municipal codelist "
                  f"{codelist} (update region_codelist in ssb_tables.yaml)"]
    if check.refused or mismatches:
        reasons = ([check.refused] if check.refused else []) + [f"{f.subject}: {f.text}" for f in mismatches]
        return f"table {table.id} does not match the catalog: " + "; ".join(reasons), None, []
    try:
        selection, notes = build_selection(table, meta_resp.dataset(), catalog.first_year, catalog.last_year,
                                           codelist=codelist)
    except SsbSchemaError as e:
        return str(e), None, []
    return None, selection, chosen + notes


def _last_good(previous: Snapshot | None, table_id: str) -> dict | None:
    """The previous snapshot's entry of a table (fetched, unchanged or already stale), None when it has none."""
    if previous is None or table_id not in previous.table_ids:
        return None
    return previous.entry(table_id)


def _reusable(previous: Snapshot | None, table_id: str, updated: str | None, spec: dict) -> dict | None:
    if previous is None or updated is None or table_id not in previous.table_ids:
        return None
    entry = previous.entry(table_id)
    if entry.get("updated") != updated or entry.get("fetch", {}).get("spec") != spec:
        return None
    return entry

