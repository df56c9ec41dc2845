"""A real HTTP server on 127.0.0.1 that emulates SSB PxWebApi v2 from a snapshot or real recorded responses.

It serves `/config`, `/tables/{id}`, `/tables/{id}/metadata`, `/tables/{id}/data` (GET `valueCodes[..]` /
`codelist[..]` and POST `{"selection": [...]}`, sliced from the stored cube and re-encoded as JSON-stat2
with status symbols) and `/codelists/{id}` (when given). It enforces SSB's limits the way SSB does:

- more than `max_cells` cells: 403 problem+json;
- a request target longer than `max_url_length`: an HTML 404 page (what SSB's web server sends);
- more than `calls` requests within `window_s` seconds: 429 with `Retry-After`;

and records each of these as a `Violation`, so a test can assert the client broke no limit.

`recorded=DIR` (e.g. `RECORDED_SSB_DIR`, shared/data/ssb) serves the real recorded PxWebApi v2 responses found
there, byte for byte, before anything the snapshot has: `{id}_v2_metadata.json` at `/tables/{id}/metadata`,
`{id}_v2_table_info.json` at `/tables/{id}`, `v2_config*.json` at `/config` (its `maxDataCells` becomes the
enforced cell limit unless `max_cells` is given), `v2_codelist_{cid}.json` at `/codelists/{cid}`, and any other
`{id}_v2_*.json` (a recorded data response) as the table's data cube, sliced like a snapshot's. A table with
recorded data but no recorded metadata gets metadata derived from the data (`value: []`; its codes are only
the ones the recorded response held); one with no recorded table info gets a minimal one built from its
metadata (`id`, `label`, `updated`, `firstPeriod`, `lastPeriod`); one with no recorded data answers `/data`
with 404. When the snapshot has the table too and SSB's metadata for it was not recorded (12134: one recorded
data response of 3 municipalities, 2024), the recording is laid over the snapshot's cube: those cells carry SSB's
real values, statuses and labels, the rest stays the snapshot's, so a live refresh publishes SSB's own numbers
for them (tests/e2e/test_live_refresh.py).

Faults can be injected: N x 5xx/429, slow responses, truncated bodies, renamed/added dimensions, all-null
values and a bumped `updated`.

    server = PxWebTestServer(snapshot_dir, max_cells=500, calls=5, window_s=1.0)
    with server as base_url:
        ...
    assert not server.violations
"""

from __future__ import annotations

import fnmatch
import json
import math
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np

from pipeline.paths import SHARED_DATA_DIR
from pipeline.snapshot import Snapshot, open_snapshot
from pipeline.ssb.jsonstat import json_bytes, jsonstat_dimension, jsonstat_document, parse_jsonstat
from pipeline.ssb.selection import is_pattern

RECORDED_SSB_DIR = SHARED_DATA_DIR / "ssb"  # real recorded SSB responses (shared/data/SOURCES.md)

HTML_404 = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
    '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>\n'
    "<title>404 - File or directory not found.</title>\n</head>\n<body><div id=\"header\"><h1>Server Error</h1>"
    "</div><div id=\"content\"><fieldset><h2>404 - File or directory not found.</h2>"
    "<h3>The resource you are looking for might have been removed, had its name changed, or is temporarily "
    "unavailable.</h3></fieldset></div></body>\n</html>\n"
)


@dataclass(frozen=True)
class Violation:
    kind: str  # "cells" | "rate" | "url"
    method: str
    path: str
    detail: str


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # path without query
    target_length: int
    status: int
    cells: int
    at: float  # time.monotonic() at arrival


@dataclass
class _Fault:
    kind: str  # "status" | "slow" | "truncate"
    remaining: int
    path_contains: str | None
    status: int = 503
    retry_after: str | None = None
    delay_s: float = 0.0
    declare_length: bool = True


@dataclass
class _Cube:
    """One table: dimension ids, codes, raw dimension JSON, values and status symbols as nd-arrays."""

    ids: list[str]
    codes: list[list[str]]
    dim_json: dict[str, dict]
    values: np.ndarray
    status: np.ndarray
    data_doc: dict  # the first stored data document, for label/role/extension
    info: dict
    info_bytes: bytes | None  # exact stored bytes while unmodified
    metadata: dict
    metadata_bytes: bytes | None
    eliminable: dict[str, bool] = field(default_factory=dict)
    recorded_cells: int = 0  # cells whose value and status are SSB's real recorded ones (overlay)


def _overlay(base: _Cube, recorded: _Cube) -> _Cube:
    """The snapshot's cube with every cell a real recorded data response holds replaced by SSB's value, status
    and labels. A recording whose dimensions or codes the snapshot does not have is returned as it is: the real
    structure wins over the snapshot's."""
    pairs = list(zip(recorded.codes, base.codes, strict=False))
    if recorded.ids != base.ids or any(not set(r) <= set(b) for r, b in pairs):
        return recorded
    pos = np.ix_(*[np.array([b.index(c) for c in r]) for r, b in pairs])
    base.values[pos] = recorded.values
    base.status[pos] = recorded.status
    for dim_id, dim_codes in zip(recorded.ids, recorded.codes, strict=True):
        real = (recorded.dim_json[dim_id].get("category") or {}).get("label") or {}
        labels = base.dim_json[dim_id].setdefault("category", {}).setdefault("label", {})
        labels.update({c: real[c] for c in dim_codes if c in real})
    base.recorded_cells = int(recorded.values.size)
    return base


class _Problem(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _load_cube(snap: Snapshot, tid: str) -> _Cube:
    """One table's cube from the snapshot's files (all data files merged)."""
    entry = snap.entry(tid)
    return _cube_from(tid, snap.read_bytes(entry["table_info"], tid), snap.read_bytes(entry["metadata"], tid),
                      [snap.read_bytes(rel, tid) for rel in entry["data"]])


def _cube_from(tid: str, info_bytes: bytes, meta_bytes: bytes, data: list[bytes]) -> _Cube:
    """One table's cube from its table info, metadata and data documents (the data merged)."""
    meta_doc = json.loads(meta_bytes)
    meta = parse_jsonstat(meta_doc)
    docs = [parse_jsonstat(json.loads(raw)) for raw in data]
    ids = docs[0].ids
    if any(d.ids != ids for d in docs):
        raise ValueError(f"table {tid}: data files of one snapshot disagree on dimensions")
    meta_codes = {d.id: list(d.codes) for d in meta.dimensions}
    codes: list[list[str]] = []
    for k, dim_id in enumerate(ids):
        seen: dict[str, None] = {}
        for d in docs:
            seen.update(dict.fromkeys(d.dimensions[k].codes))
        order = meta_codes.get(dim_id)
        if order and set(seen) <= set(order):
            codes.append([c for c in order if c in seen])
        else:
            codes.append(list(seen))
    shape = tuple(len(c) for c in codes)
    values = np.full(shape, np.nan)
    status = np.full(shape, None, dtype=object)
    for d in docs:
        where = [{c: i for i, c in enumerate(dim_codes)} for dim_codes in codes]
        pos = [np.array([where[k][c] for c in dim.codes]) for k, dim in enumerate(d.dimensions)]
        block = np.ix_(*pos)
        values[block] = d.values.reshape(d.sizes) if d.values is not None else np.nan
        if d.statuses is not None:
            status[block] = np.array(d.statuses, dtype=object).reshape(d.sizes)
    dim_json = {dm.id: dm.raw for dm in docs[0].dimensions}
    for dm in meta.dimensions:
        dim_json.setdefault(dm.id, dm.raw)
    eliminable = {dm.id: bool(dm.elimination) for dm in meta.dimensions}
    return _Cube(ids=ids, codes=codes, dim_json=dim_json, values=values, status=status,
                 data_doc=docs[0].raw, info=json.loads(info_bytes), info_bytes=info_bytes,
                 metadata=meta_doc, metadata_bytes=meta_bytes, eliminable=eliminable)


def expand_codes(patterns: Sequence[str], codes: Sequence[str]) -> list[str]:
    """Resolve value codes against a dimension's codes (in the dimension's order), as PxWebApi does:
    codes, globs (`*`, `01*`, `201[67]`), top(n), bottom(n), from(code), to(code). Unknown codes raise KeyError."""
    wanted: set[str] = set()
    for p in patterns:
        low = p.lower()
        if low.startswith(("top(", "bottom(")) and p.endswith(")"):
            n = int(p[p.index("(") + 1:-1])
            wanted.update(codes[-n:] if low.startswith("top(") else codes[:n])
        elif low.startswith(("from(", "to(")) and p.endswith(")"):
            bound = p[p.index("(") + 1:-1]
            if bound not in codes:
                raise KeyError(bound)
            i = list(codes).index(bound)
            wanted.update(codes[i:] if low.startswith("from(") else codes[:i + 1])
        elif is_pattern(p):
            wanted.update(fnmatch.filter(codes, p))
        elif p in codes:
            wanted.add(p)
        else:
            raise KeyError(p)
    return [c for c in codes if c in wanted]


def _default_codelists(cubes: list[_Cube]) -> dict[str, list[str]]:
    codes: dict[str, None] = {}
    for cube in cubes:
        for dim_codes in cube.codes:
            if any(c.startswith("K-") for c in dim_codes):
                codes.update(dict.fromkeys(dim_codes))
    return {"agg_KommSummer": list(codes)} if codes else {}


@dataclass
class RecordedResponses:
    """The real recorded PxWebApi v2 responses of a folder, by endpoint (see the module doc)."""

    root: Path
    config: Path | None = None
    codelists: dict[str, Path] = field(default_factory=dict)
    metadata: dict[str, Path] = field(default_factory=dict)
    table_info: dict[str, Path] = field(default_factory=dict)
    data: dict[str, list[Path]] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path) -> RecordedResponses:
        rec = cls(Path(root))
        for path in sorted(rec.root.glob("*.json")):
            name = path.stem
            if name.startswith("v2_config"):
                rec.config = path
            elif name.startswith("v2_codelist_"):
                rec.codelists[name.removeprefix("v2_codelist_")] = path
            elif "_v2_" in name:
                tid, rest = name.split("_v2_", 1)
                if rest == "metadata":
                    rec.metadata[tid] = path
                elif rest == "table_info":
                    rec.table_info[tid] = path
                else:  # a recorded data response
                    rec.data.setdefault(tid, []).append(path)
        return rec

    @property
    def table_ids(self) -> list[str]:
        return sorted(set(self.metadata) | set(self.data))

    def metadata_bytes(self, tid: str) -> bytes:
        """The recorded metadata, else metadata derived from the first recorded data response."""
        if tid in self.metadata:
            return self.metadata[tid].read_bytes()
        doc = {k: v for k, v in json.loads(self.data[tid][0].read_bytes()).items() if k != "status"}
        return json_bytes({**doc, "value": []})

    def table_info_bytes(self, tid: str) -> bytes:
        """The recorded table info, else a minimal one built from the metadata."""
        if tid in self.table_info:
            return self.table_info[tid].read_bytes()
        meta = json.loads(self.metadata_bytes(tid))
        time_dim = ((meta.get("role") or {}).get("time") or ["Tid"])[0]
        periods = list((meta["dimension"].get(time_dim, {}).get("category") or {}).get("index") or [])
        return json_bytes({"language": "no", "id": tid, "label": meta.get("label", tid), "updated": meta.get("updated"),
                           "firstPeriod": periods[0] if periods else None,
                           "lastPeriod": periods[-1] if periods else None,
                           "description": "kommune-sdg test server: built from the recorded metadata"})

    def cube(self, tid: str) -> _Cube:
        return _cube_from(tid, self.table_info_bytes(tid), self.metadata_bytes(tid),
                          [p.read_bytes() for p in self.data[tid]])


class PxWebTestServer:
    """PxWebApi v2 emulator over a snapshot directory. Use as a context manager yielding the base URL."""

    def __init__(self, snapshot_dir: Path | None = None, *, recorded: Path | None = None,
                 recorded_config: bool = True,
                 max_cells: int | None = None, calls: int = 30, window_s: float = 60.0,
                 max_url_length: int = 2000, report_limits: bool = True, retry_after_s: int | None = None,
                 codelists: dict[str, list[str]] | None = None, api_prefix: str = "/api/pxwebapi/v2") -> None:
        if snapshot_dir is None and recorded is None:
            raise ValueError("PxWebTestServer needs a snapshot directory, recorded responses, or both")
        self.snapshot = open_snapshot(Path(snapshot_dir)) if snapshot_dir is not None else None
        self.recorded = RecordedResponses.scan(recorded) if recorded is not None else None
        if self.recorded is not None and not recorded_config:
            # shared/data/ssb's config is SSB's *test* installation's (maxDataCells 500): a server that stands
            # for production SSB serves its own limits instead
            self.recorded.config = None
        self._cubes: dict[str, _Cube] = {}  # loaded on first use: starting a server costs nothing
        if max_cells is None:
            recorded_cells = int(self._recorded_config().get("maxDataCells") or 0)
            max_cells = recorded_cells if recorded_cells > 0 else 800_000
        self.max_cells, self.calls, self.window_s = max_cells, calls, window_s
        self.max_url_length = max_url_length
        self.report_limits = report_limits  # False: /config says 0 like SSB's test config (client must default)
        self.retry_after_s = retry_after_s
        # None: serve agg_KommSummer as the K- codes the snapshot's tables use (SSB's prefix for it)
        self._codelists = None if codelists is None else dict(codelists)
        self.api_prefix = api_prefix.rstrip("/")
        self.violations: list[Violation] = []
        self.expect_violations = False  # a test that provokes violations on purpose sets this
        self.requests: list[RequestRecord] = []
        self._arrivals: deque[float] = deque()
        self._faults: list[_Fault] = []
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _recorded_config(self) -> dict:
        return json.loads(self.recorded.config.read_bytes()) if self.recorded and self.recorded.config else {}

    def _recorded_table(self, table_id: str) -> bool:
        return self.recorded is not None and table_id in self.recorded.table_ids

    @property
    def table_ids(self) -> list[str]:
        """Every table served: the recorded ones and the snapshot's."""
        ids = set(self.snapshot.table_ids if self.snapshot else ()) | set(self.recorded.table_ids if self.recorded
                                                                          else ())
        return sorted(ids)

    def cube(self, table_id: str) -> _Cube:
        """The (possibly modified) cube of a table; KeyError when neither source has data for it. A table with
        recorded data: the recording, laid over the snapshot's cube when the snapshot has the table too and SSB's
        metadata for it was not recorded (the real cells are SSB's, the rest the snapshot's)."""
        with self._lock:
            if table_id not in self._cubes:
                if self._recorded_table(table_id) and table_id in self.recorded.data:
                    real = self.recorded.cube(table_id)
                    in_snapshot = self.snapshot is not None and table_id in self.snapshot.table_ids
                    self._cubes[table_id] = (_overlay(_load_cube(self.snapshot, table_id), real)
                                             if in_snapshot and table_id not in self.recorded.metadata else real)
                elif self.snapshot is not None and table_id in self.snapshot.table_ids:
                    self._cubes[table_id] = _load_cube(self.snapshot, table_id)
                else:
                    raise KeyError(table_id)
            return self._cubes[table_id]

    @property
    def codelists(self) -> dict[str, list[str]]:
        with self._lock:
            if self._codelists is None:
                snapshot_ids = self.snapshot.table_ids if self.snapshot else []
                self._codelists = _default_codelists([self.cube(t) for t in snapshot_ids])
            return self._codelists

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{self.api_prefix}"

    def start(self) -> str:
        server = self

        class Handler(_Handler):
            emulator = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="pxweb-testserver", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- inspection -----------------------------------------------------------------------------

    def count(self, path_contains: str = "", method: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if path_contains in r.path and (method is None or r.method == method))

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.violations.clear()

    # -- fault injection ------------------------------------------------------------------------

    def inject(self, kind: str, count: int = 1, *, path_contains: str | None = None, status: int = 503,
               retry_after: float | str | None = None, delay_s: float = 0.0, declare_length: bool = True) -> None:
        """Queue a transient fault for the next `count` matching requests.

        kind "status": answer `status` (503, 500, 429...) with problem+json and optional Retry-After;
        "slow": sleep `delay_s` before answering; "truncate": send half the body (with the full
        Content-Length when `declare_length`, else closing the connection early)."""
        if kind not in ("status", "slow", "truncate"):
            raise ValueError(f"unknown fault kind {kind!r}")
        ra = None if retry_after is None else (retry_after if isinstance(retry_after, str) else f"{retry_after:g}")
        with self._lock:
            self._faults.append(_Fault(kind, count, path_contains, status, ra, delay_s, declare_length))

    def bump_updated(self, table_id: str, updated: str | None = None) -> str:
        """SSB published new figures: a later `updated` in table info, metadata and data."""
        updated = updated or _now_iso()
        with self._lock:
            cube = self.cube(table_id)
            cube.info["updated"] = updated
            cube.info_bytes = None
            cube.metadata["updated"] = updated
            cube.metadata_bytes = None
            cube.data_doc = {**cube.data_doc, "updated": updated}
        return updated

    def null_values(self, table_id: str) -> None:
        """Every value null (and no status), as a broken upstream publication would look."""
        with self._lock:
            cube = self.cube(table_id)
            cube.values[...] = np.nan
            cube.status[...] = None

    def rename_dimension(self, table_id: str, old: str, new: str) -> None:
        with self._lock:
            cube = self.cube(table_id)
            cube.ids = [new if d == old else d for d in cube.ids]
            cube.dim_json[new] = cube.dim_json.pop(old)
            cube.eliminable[new] = cube.eliminable.pop(old, False)
            self._edit_metadata(cube, lambda ids: [new if d == old else d for d in ids],
                                lambda dims: {(new if k == old else k): v for k, v in dims.items()})

    def add_dimension(self, table_id: str, dim_id: str, codes: list[str], *, elimination: bool = True,
                      position: int = 1) -> None:
        """A new dimension (values repeated for each of its codes); SSB may or may not allow eliminating it."""
        with self._lock:
            cube = self.cube(table_id)
            cube.ids.insert(position, dim_id)
            cube.codes.insert(position, list(codes))
            dim = jsonstat_dimension(dim_id.lower(), codes, elimination=elimination)
            cube.dim_json[dim_id] = dim
            cube.eliminable[dim_id] = elimination
            cube.values = np.repeat(np.expand_dims(cube.values, position), len(codes), axis=position)
            cube.status = np.repeat(np.expand_dims(cube.status, position), len(codes), axis=position)

            def dims_fn(dims: dict) -> dict:
                items = list(dims.items())
                items.insert(position, (dim_id, dim))
                return dict(items)
            self._edit_metadata(cube, lambda ids: ids[:position] + [dim_id] + ids[position:], dims_fn,
                                size_fn=lambda sizes: sizes[:position] + [len(codes)] + sizes[position:])

    @staticmethod
    def _edit_metadata(cube: _Cube, ids_fn, dims_fn, size_fn=None) -> None:
        meta = dict(cube.metadata)
        meta["id"] = ids_fn(list(meta["id"]))
        meta["dimension"] = dims_fn(dict(meta["dimension"]))
        if size_fn:
            meta["size"] = size_fn(list(meta["size"]))
        if "role" in meta:
            meta["role"] = {k: ids_fn(list(v)) for k, v in meta["role"].items()}
        cube.metadata, cube.metadata_bytes = meta, None

    # -- request handling (called from handler threads) -----------------------------------------

    def _admit(self, method: str, target: str) -> tuple[int, dict, bytes, _Fault | None] | None:
        """Rate limit, URL length and transient faults; None when the request may proceed."""
        now = time.monotonic()
        path = urlsplit(target).path
        with self._lock:
            while self._arrivals and self._arrivals[0] <= now - self.window_s:
                self._arrivals.popleft()
            self._arrivals.append(now)
            if len(self._arrivals) > self.calls:
                wait = self._arrivals[0] + self.window_s - now
                retry = self.retry_after_s if self.retry_after_s is not None else max(1, math.ceil(wait))
                self.violations.append(Violation("rate", method, path,
                                                 f"{len(self._arrivals)} calls within {self.window_s:g} s "
                                                 f"(limit {self.calls})"))
                body = _problem_body(429, "Too many requests",
                                     f"Max {self.calls} calls per {self.window_s:g} seconds")
                return 429, {"Retry-After": str(retry), "Content-Type": "application/problem+json"}, body, None
            if len(target) > self.max_url_length:
                self.violations.append(Violation("url", method, path, f"request target of {len(target)} characters "
                                                 f"(limit {self.max_url_length})"))
                return 404, {"Content-Type": "text/html"}, HTML_404.encode("latin-1"), None
            for fault in self._faults:
                if fault.remaining > 0 and (fault.path_contains is None or fault.path_contains in path):
                    fault.remaining -= 1
                    if fault.kind == "status":
                        headers = {"Content-Type": "application/problem+json"}
                        if fault.retry_after is not None:
                            headers["Retry-After"] = fault.retry_after
                        title = {429: "Too many requests", 500: "Internal server error"}.get(
                            fault.status, "Service unavailable")
                        return fault.status, headers, _problem_body(fault.status, title, "injected fault"), None
                    return 0, {}, b"", fault  # slow / truncate: handled around the real response
        return None

    def _record(self, method: str, target: str, status: int, cells: int, at: float) -> None:
        with self._lock:
            self.requests.append(RequestRecord(method, urlsplit(target).path, len(target), status, cells, at))

    def handle(self, method: str, target: str, body: bytes) -> tuple[int, dict, bytes, _Fault | None, int]:
        """(status, headers, body, fault to apply, cells) for one request."""
        admitted = self._admit(method, target)
        if admitted is not None and admitted[0] != 0:
            return (*admitted, 0)
        fault = admitted[3] if admitted else None
        parts = urlsplit(target)
        path = unquote(parts.path)
        if not path.startswith(self.api_prefix + "/"):
            return 404, {"Content-Type": "text/html"}, HTML_404.encode("latin-1"), fault, 0
        route = path[len(self.api_prefix):].strip("/").split("/")
        query = parse_qsl(parts.query, keep_blank_values=True)
        try:
            status, doc, cells = self._route(method, route, query, body)
        except _Problem as p:
            return p.status, {"Content-Type": "application/problem+json"}, _problem_body(p.status, p.title,
                                                                                          p.detail), fault, 0
        payload = doc if isinstance(doc, bytes) else json_bytes(doc)
        return status, {"Content-Type": "application/json; charset=utf-8"}, payload, fault, cells

    def _route(self, method: str, route: list[str], query: list[tuple[str, str]], body: bytes):
        params = dict(query)
        lang = params.get("lang", "no")
        if lang not in ("no", "en"):
            raise _Problem(400, "Bad request", f"Unsupported language {lang!r}")
        if route == ["config"] and method == "GET":
            if self.recorded and self.recorded.config:
                return 200, self.recorded.config.read_bytes(), 0
            return 200, self._config(), 0
        if len(route) == 2 and route[0].lower() == "codelists" and method == "GET":
            if self.recorded and route[1] in self.recorded.codelists:
                return 200, self.recorded.codelists[route[1]].read_bytes(), 0
            if route[1] not in self.codelists:
                raise _Problem(404, "Not found", f"Codelist {route[1]} not found")
            return 200, {"id": route[1], "language": lang, "type": "Aggregation",
                         "values": [{"code": c, "label": c, "valueMap": [c]} for c in self.codelists[route[1]]]}, 0
        if len(route) < 2 or route[0] != "tables":
            raise _Problem(404, "Not found", f"No endpoint /{'/'.join(route)}")
        table_id = route[1]
        if self._recorded_table(table_id) and table_id not in self.recorded.data and method == "GET":
            if len(route) == 2:
                return 200, self.recorded.table_info_bytes(table_id), 0
            if route[2:] == ["metadata"]:
                return 200, self.recorded.metadata_bytes(table_id), 0
            if route[2:] == ["data"]:
                raise _Problem(404, "Not found", f"Test server: no recorded data for table {table_id}")
        with self._lock:
            try:
                cube = self.cube(table_id)
            except KeyError:
                raise _Problem(404, "Not found", f"Table {table_id} not found") from None
            if len(route) == 2 and method == "GET":
                return 200, cube.info_bytes or cube.info, 0
            if route[2:] == ["metadata"] and method == "GET":
                return 200, cube.metadata_bytes or cube.metadata, 0
            if route[2:] == ["data"] and method in ("GET", "POST"):
                fmt = params.get("outputFormat", "json-stat2")
                if fmt != "json-stat2":
                    raise _Problem(400, "Bad request", f"Unsupported output format {fmt!r}")
                selection, codelists = self._parse_selection(method, query, body)
                return self._data(table_id, cube, selection, codelists)
        raise _Problem(405 if method not in ("GET", "POST") else 404, "Not found", f"No endpoint /{'/'.join(route)}")

    def _config(self) -> dict:
        return {"apiVersion": "2.0.0", "appVersion": "kommune-sdg-testserver",
                "languages": [{"id": "no", "label": "Norsk"}, {"id": "en", "label": "English"}],
                "defaultLanguage": "no",
                "maxDataCells": self.max_cells if self.report_limits else 0,
                "maxCallsPerTimeWindow": self.calls if self.report_limits else 0,
                "timeWindow": self.window_s if self.report_limits else 0,
                "defaultDataFormat": "json-stat2", "dataFormats": ["json-stat2"]}

    @staticmethod
    def _parse_selection(method: str, query: list[tuple[str, str]], body: bytes):
        selection: dict[str, list[str]] = {}
        codelists: dict[str, str] = {}
        if method == "GET":
            for k, v in query:
                if k.startswith("valueCodes[") and k.endswith("]"):
                    selection[k[11:-1]] = [c for c in v.split(",") if c != ""]
                elif k.startswith("codelist[") and k.endswith("]"):
                    codelists[k[9:-1]] = v
            return selection, codelists
        try:
            doc = json.loads(body or b"{}")
            for item in doc.get("selection", []):
                dim = item["variableCode"]
                selection[dim] = [str(c) for c in item.get("valueCodes", [])]
                if item.get("codelist"):
                    codelists[dim] = item["codelist"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _Problem(400, "Bad request", f"Invalid selection body: {exc}") from exc
        return selection, codelists

    def _data(self, table_id: str, cube: _Cube, selection: dict[str, list[str]], codelists: dict[str, str]):
        unknown = [d for d in list(selection) + list(codelists) if d not in cube.ids]
        if unknown:
            raise _Problem(400, "Bad request", f"Variable {unknown[0]} not found in table {table_id}")
        picks: list[list[int]] = []
        keep: list[int] = []
        for k, dim_id in enumerate(cube.ids):
            codes = cube.codes[k]
            if dim_id in codelists:
                allowed = [c.get("id") for c in (cube.dim_json[dim_id].get("extension") or {}).get("codelists") or []]
                if allowed and codelists[dim_id] not in allowed:
                    raise _Problem(400, "Bad request", f"Codelist {codelists[dim_id]} not found for variable {dim_id}")
            if dim_id in selection:
                if not selection[dim_id]:
                    raise _Problem(400, "Bad request", f"No value codes given for variable {dim_id}")
                try:
                    chosen = expand_codes(selection[dim_id], codes)
                except KeyError as exc:
                    raise _Problem(400, "Bad request",
                                   f"Value code {exc.args[0]} not found for variable {dim_id}") from None
                picks.append([codes.index(c) for c in chosen])
                keep.append(k)
            elif cube.eliminable.get(dim_id) or len(codes) == 1:
                picks.append([0])  # eliminated: the first code stands for the total
            else:
                raise _Problem(400, "Bad request", f"Variable {dim_id} cannot be eliminated and has no selection")
        cells = math.prod(len(p) for p in picks)
        if cells > self.max_cells:
            self.violations.append(Violation("cells", "data", f"/tables/{table_id}/data",
                                             f"{cells:,} cells (limit {self.max_cells:,})"))
            raise _Problem(403, "Forbidden",
                           f"Too many cells selected: {cells}. Max {self.max_cells} cells allowed per request.")
        sub_values = cube.values[np.ix_(*[np.array(p) for p in picks])]
        sub_status = cube.status[np.ix_(*[np.array(p) for p in picks])].ravel()
        ids = [cube.ids[k] for k in keep]
        dims = {}
        for k in keep:
            dim_id = cube.ids[k]
            chosen = [cube.codes[k][i] for i in picks[k]]
            template = cube.dim_json.get(dim_id, {"label": dim_id, "category": {}})
            cat = template.get("category", {})
            new_cat: dict[str, Any] = {"index": {c: i for i, c in enumerate(chosen)},
                                       "label": {c: (cat.get("label") or {}).get(c, c) for c in chosen}}
            for extra in ("unit", "note"):
                if isinstance(cat.get(extra), dict):
                    sub = {c: cat[extra][c] for c in chosen if c in cat[extra]}
                    if sub:
                        new_cat[extra] = sub
            dims[dim_id] = {**{k2: v for k2, v in template.items() if k2 != "category"}, "category": new_cat}
        doc = cube.data_doc
        role = {k: [d for d in v if d in ids] for k, v in (doc.get("role") or {}).items()}
        out = jsonstat_document(dims, sub_values, status=sub_status if any(sub_status) else None,
                                label=doc.get("label", table_id), source=doc.get("source", "Statistisk sentralbyrå"),
                                updated=cube.info.get("updated", doc.get("updated")),
                                role={k: v for k, v in role.items() if v}, extension=doc.get("extension"))
        return 200, out, cells


def _problem_body(status: int, title: str, detail: str) -> bytes:
    return json.dumps({"type": "https://tools.ietf.org/html/rfc9110", "title": title, "status": status,
                       "detail": detail}).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    emulator: PxWebTestServer
    protocol_version = "HTTP/1.0"  # one request per connection: truncation by closing is unambiguous

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        pass

    def _serve(self, method: str) -> None:
        at = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload, fault, cells = self.emulator.handle(method, self.path, body)
        self.emulator._record(method, self.path, status, cells, at)
        try:
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay_s)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if fault is not None and fault.kind == "truncate":
                if fault.declare_length:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")
