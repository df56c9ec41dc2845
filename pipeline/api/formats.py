"""Representations: JSON (default) or CSV, chosen by `?format=` or the Accept header; validators (ETag,
Last-Modified) from the published run, and the conditional-request check (304)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
from collections.abc import Iterable, Sequence
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipeline.api.reader import Version

API_VERSION = "1"  # part of every ETag: a new representation of the same run must not validate old copies
JSON = "application/json"
CSV = "text/csv; charset=utf-8"
CACHE_CONTROL = "public, no-cache"  # cache, but revalidate: a publish can come at any time


def negotiate(request: Request, format_param: str | None) -> str:
    """'csv' or 'json': ?format= wins; else text/csv in Accept (with a higher q than JSON) chooses CSV."""
    if format_param:
        return format_param
    ranked = {"csv": 0.0, "json": 0.0}
    for part in request.headers.get("accept", "").split(","):
        media, _, rest = part.strip().partition(";")
        q = 1.0
        for p in rest.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        if media == "text/csv":
            ranked["csv"] = max(ranked["csv"], q)
        elif media in ("application/json", "application/*", "*/*"):
            ranked["json"] = max(ranked["json"], q)
    return "csv" if ranked["csv"] > ranked["json"] else "json"


def plain(value: Any) -> Any:
    """A JSON-safe scalar: NaN/inf -> null, decimals -> float, dates -> ISO 8601."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return plain(float(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def to_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=plain).encode()


def records(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    return [{c: plain(v) for c, v in zip(columns, r, strict=True)} for r in rows]


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else _csv_cell(plain(v)) for v in r])
    return out.getvalue().encode("utf-8")


def _csv_cell(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else v


def run_summary(version: Version) -> dict[str, Any]:
    """What every JSON answer says of the data it came from (demo data are labelled everywhere)."""
    return {"run_id": version.run.get("run_id"), "published_at": version.published_at.isoformat(),
            "is_demo": version.is_demo}


def etag(version: Version, fmt: str) -> str:
    return f'"{version.run.get("run_id")}-{fmt}-v{API_VERSION}"'


def validators(version: Version, fmt: str) -> dict[str, str]:
    return {"ETag": etag(version, fmt), "Last-Modified": format_datetime(version.published_at, usegmt=True),
            "Cache-Control": CACHE_CONTROL, "X-Kommune-SDG-Run": str(version.run.get("run_id")),
            "X-Kommune-SDG-Demo": "true" if version.is_demo else "false", "Vary": "Accept"}


def not_modified(request: Request, version: Version, fmt: str) -> Response | None:
    """304 when If-None-Match names this representation's ETag (or *), else when If-Modified-Since is not
    before the publish (If-None-Match wins when both are sent, RFC 9110 13.2.2)."""
    headers = validators(version, fmt)
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return Response(status_code=304, headers=headers) if "*" in tags or headers["ETag"] in tags else None
    ims = request.headers.get("if-modified-since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return None
        if since.tzinfo is not None and version.published_at.replace(microsecond=0) <= since:
            return Response(status_code=304, headers=headers)
    return None


def respond(version: Version, fmt: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
            json_body: dict[str, Any], extra_headers: dict[str, str] | None = None,
            filename: str = "data") -> Response:
    headers = validators(version, fmt) | (extra_headers or {})
    if fmt == "csv":
        headers["Content-Disposition"] = f'inline; filename="{filename}.csv"'
        return Response(to_csv(columns, rows), media_type=CSV, headers=headers)
    return Response(to_json(json_body), media_type=JSON, headers=headers)
