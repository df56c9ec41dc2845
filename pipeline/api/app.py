"""The app factory and the server: FastAPI over the published warehouse, read-only, CORS open for GET, every
error a JSON body naming the parameter at fault."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.api.formats import API_VERSION, to_json
from pipeline.api.query import MAX_PAGE_SIZE, QueryError
from pipeline.api.reader import NotPublished, PublishedWarehouse
from pipeline.api.routes import router

log = logging.getLogger(__name__)
RETRY_AFTER_S = 60  # nothing published: a refresh takes a minute or two
DESCRIPTION = f"""Read-only API over the **published** kommune-sdg marts (municipality x SDG goal x year).

* JSON by default; CSV with `Accept: text/csv` or `?format=csv`.
* Collections are paged: `page` (from 1) and `page_size` (default 100, **at most {MAX_PAGE_SIZE}**); the JSON
  body has `paging` (total, next, prev), CSV answers carry `X-Total-Count` and `Link`.
* `ETag` and `Last-Modified` name the published run; send `If-None-Match` to get `304` until the next publish.
* Errors are JSON: `{{"error": {{"status", "parameter", "message", "value"}}}}`: 400 for a malformed or out-of-range
  parameter, 404 for an unknown municipality, county or indicator, 503 with `Retry-After` before the first
  publish.
* Every answer says which run it came from and whether it is DEMO (synthetic) data (`run.is_demo`).
"""


def error(status: int, parameter: str | None, message: str, value: Any = None,
          headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"status": status, "parameter": parameter, "message": message, "value": value}}
    return Response(to_json(body), status_code=status, media_type="application/json", headers=headers)


def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ())]
    value = first.get("input")
    where = f"{loc[0]} parameter {loc[-1]!r}" if len(loc) > 1 else "request"
    return error(400, loc[-1] if loc else None, f"invalid {where}: {first.get('msg', 'invalid value')}",
                 value if isinstance(value, str | int | float | bool) or value is None else str(value))


def _query_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, QueryError)
    return error(exc.status, exc.parameter, str(exc), exc.value)


def _not_published(_: Request, exc: Exception) -> Response:
    return error(503, None, f"nothing is published: {exc}", headers={"Retry-After": str(RETRY_AFTER_S)})


def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error(exc.status_code, "path" if exc.status_code in (404, 405) else None, str(exc.detail),
                 headers=dict(exc.headers or {}))


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path)
    return error(500, None, f"internal error ({type(exc).__name__})")


def create_app(published: PublishedWarehouse) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        published.close()

    app = FastAPI(title="kommune-sdg API", version=API_VERSION, description=DESCRIPTION, lifespan=lifespan)
    app.state.published = published
    app.include_router(router)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"], allow_credentials=False,
                       allow_headers=["Accept", "If-None-Match", "If-Modified-Since"],
                       expose_headers=["ETag", "Last-Modified", "Link", "X-Total-Count", "Retry-After",
                                       "X-Kommune-SDG-Run", "X-Kommune-SDG-Demo"], max_age=3600)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(QueryError, _query_error)
    app.add_exception_handler(NotPublished, _not_published)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, Any]:
        """Liveness: up even when nothing is published (then `published` is false)."""
        try:
            with published.lease() as v:
                return {"status": "ok", "published": True, "run_id": v.run.get("run_id")}
        except NotPublished as e:
            return {"status": "ok", "published": False, "reason": str(e)}

    return app


def serve(published: PublishedWarehouse, host: str, port: int, access_log: bool = False) -> None:
    """uvicorn with its C parser and event loop (uvicorn[standard]): faster, and no request-line limit below
    what the OpenAPI document allows, so every request reaches the app and gets a JSON answer."""
    import uvicorn  # noqa: PLC0415

    uvicorn.run(create_app(published), host=host, port=port, access_log=access_log, log_level="info",
                http="httptools", loop="uvloop", timeout_graceful_shutdown=5)
