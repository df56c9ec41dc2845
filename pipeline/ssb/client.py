"""A careful client for SSB's PxWebApi v2 on `requests`.

- Limits from `/config` (maxDataCells, maxCallsPerTimeWindow/timeWindow; 0 means unknown: 30 per 60 s),
  applied through a throttle shared by every client of the same host in this process.
- GET with `valueCodes[VAR]=a,b` / `codelist[VAR]=...` while the URL stays under `max_url_length`,
  POST `{"selection": [...]}` beyond (SSB's web server answers long URLs with an HTML 404).
- 400/403/404 (and other 4xx) fail at once; 429, 5xx, timeouts, dropped connections and truncated or
  unparseable bodies are retried with exponential backoff and jitter, honouring `Retry-After`.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import requests

from pipeline.ssb.errors import (
    SsbBadRequest,
    SsbClientError,
    SsbError,
    SsbNotFound,
    SsbTooManyCells,
    SsbUnavailable,
    error_detail,
)
from pipeline.ssb.jsonstat import Dataset, JsonStatError, dataset_frame, parse_jsonstat
from pipeline.ssb.selection import Selection, encode_query
from pipeline.ssb.throttle import DEFAULT_CALLS, DEFAULT_WINDOW_S, Throttle, throttle_for

DEFAULT_MAX_CELLS = 800_000
DEFAULT_MAX_URL_LENGTH = 2000
USER_AGENT = "kommune-sdg/0.1 (+https://github.com/; municipal SDG pipeline)"


@dataclass(frozen=True)
class Limits:
    max_cells: int = DEFAULT_MAX_CELLS
    calls: int = DEFAULT_CALLS
    window_s: float = DEFAULT_WINDOW_S

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        def positive(key: str, default: float) -> float:
            try:
                v = float(config.get(key) or 0)
            except (TypeError, ValueError):
                v = 0
            return v if v > 0 else default
        return cls(max_cells=int(positive("maxDataCells", DEFAULT_MAX_CELLS)),
                   calls=int(positive("maxCallsPerTimeWindow", DEFAULT_CALLS)),
                   window_s=positive("timeWindow", DEFAULT_WINDOW_S))


@dataclass
class SsbResponse:
    """One successful response: the exact bytes SSB sent plus how we asked for them."""

    url: str
    method: str
    status: int
    content: bytes
    content_type: str
    fetched_at: str
    attempts: int
    elapsed_s: float
    request_body: dict | None = None
    selection: Selection | None = None
    _json: Any = field(default=None, repr=False)
    _dataset: Dataset | None = field(default=None, repr=False)

    def json(self) -> Any:
        if self._json is None:
            self._json = json.loads(self.content.decode("utf-8-sig"))
        return self._json

    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = parse_jsonstat(self.json())
        return self._dataset

    def frame(self) -> pd.DataFrame:
        """The parsed JSON-stat as read_jsonstat's long frame."""
        return dataset_frame(self.dataset())

    @property
    def cells(self) -> int:
        return self.dataset().cells


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class SsbClient:
    """PxWebApi v2 client. One instance per run; all instances for one host share the throttle."""

    def __init__(self, base_url: str, session: requests.Session | None = None, lang: str = "no", *,
                 timeout: float | tuple[float, float] = (10.0, 60.0), max_attempts: int = 6,
                 backoff_base_s: float = 2.0, backoff_cap_s: float = 60.0, max_retry_after_s: float = 300.0,
                 max_url_length: int = DEFAULT_MAX_URL_LENGTH, throttle: Throttle | None = None,
                 sleep: Callable[[float], None] = time.sleep, log: Callable[[str], None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.lang = lang
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base_s, self.backoff_cap_s = backoff_base_s, backoff_cap_s
        self.max_retry_after_s = max_retry_after_s
        self.max_url_length = max_url_length
        self.throttle = throttle or throttle_for(self.base_url)
        self._sleep, self._log, self._rng = sleep, log, rng or random.Random()
        self._config: dict | None = None
        self._codelists: dict[str, SsbResponse] = {}
        self.requests_made = 0  # HTTP requests sent, retries included
        self.retries = 0

    # -- endpoints -------------------------------------------------------------------------------

    def config(self) -> dict:
        """`/config`, fetched once per client; configures the shared throttle from it."""
        if self._config is None:
            resp = self._request("GET", f"{self.base_url}/config", what="config")
            self._config = resp.json()
            limits = self.limits
            self.throttle.configure(limits.calls, limits.window_s)
        return self._config

    @property
    def limits(self) -> Limits:
        return Limits.from_config(self.config())

    def table(self, table_id: str) -> SsbResponse:
        """`/tables/{id}`: table info with `updated`, `firstPeriod`, `lastPeriod`."""
        return self._request("GET", f"{self.base_url}/tables/{table_id}?{encode_query([('lang', self.lang)])}",
                             table_id=table_id, what="table info", parse=True)

    def metadata(self, table_id: str) -> SsbResponse:
        """`/tables/{id}/metadata` as JSON-stat2 without values."""
        q = encode_query([("lang", self.lang), ("outputFormat", "json-stat2")])
        return self._request("GET", f"{self.base_url}/tables/{table_id}/metadata?{q}", table_id=table_id,
                             what="metadata", parse=True, jsonstat=True)

    def codelist(self, codelist_id: str) -> SsbResponse:
        """`/codelists/{id}`: the codes of a valueset or aggregation (e.g. agg_KommSummer)."""
        if codelist_id not in self._codelists:  # one request per codelist per run, however many tables use it
            q = encode_query([("lang", self.lang)])
            self._codelists[codelist_id] = self._request(
                "GET", f"{self.base_url}/codelists/{codelist_id}?{q}", what=f"codelist {codelist_id}", parse=True)
        return self._codelists[codelist_id]

    def data_request(self, table_id: str, selection: Selection) -> tuple[str, str, dict | None]:
        """(method, url, body) for one data request: GET while the URL fits, else POST."""
        base = f"{self.base_url}/tables/{table_id}/data"
        common = [("lang", self.lang), ("outputFormat", "json-stat2")]
        url = f"{base}?{encode_query(common + selection.query_params())}"
        if len(url) <= self.max_url_length:
            return "GET", url, None
        return "POST", f"{base}?{encode_query(common)}", selection.post_body()

    def data(self, table_id: str, selection: Selection | Mapping[str, Sequence[str]],
             codelist: Mapping[str, str] | None = None) -> SsbResponse:
        """One `/tables/{id}/data` request (no splitting): raw bytes plus the parsed JSON-stat."""
        sel = selection if isinstance(selection, Selection) else Selection.of(selection, codelist)
        if codelist and isinstance(selection, Selection):
            sel = Selection(dict(sel.value_codes), {**sel.codelists, **codelist})
        method, url, body = self.data_request(table_id, sel)
        resp = self._request(method, url, body=body, table_id=table_id, what="data", selection=sel,
                             parse=True, jsonstat=True)
        resp.selection = sel
        return resp

    # -- transport -------------------------------------------------------------------------------

    def _say(self, msg: str) -> None:
        if self._log:
            self._log(msg)

    def _backoff(self, attempt: int) -> float:
        raw = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
        return raw * (0.5 + 0.5 * self._rng.random())  # "equal jitter": never zero, never in lockstep

    def _request(self, method: str, url: str, *, body: dict | None = None, table_id: str | None = None,
                 what: str = "", selection: Selection | None = None, parse: bool = False,
                 jsonstat: bool = False) -> SsbResponse:
        if what != "config":
            self.config()  # limits first: the throttle must know the window before real work starts
        subject = f"table {table_id} {what}".strip() if table_id else what
        sel_text = f"; selection {selection.describe()}" if selection else ""
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            retry_after: float | None = None
            self.throttle.acquire()
            started = time.monotonic()
            try:
                self.requests_made += 1
                resp = self.session.request(method, url, json=body, timeout=self.timeout,
                                            headers={"Accept": "application/json"})
                content = resp.content
            except requests.Timeout as exc:
                problem = f"timed out ({exc.__class__.__name__})"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                problem = f"connection broke off ({exc.__class__.__name__}: {str(exc)[:120]})"
            else:
                ctype = resp.headers.get("Content-Type", "")
                if resp.status_code == 200:
                    expected = resp.headers.get("Content-Length")
                    if expected is not None and expected.isdigit() and int(expected) != len(content):
                        problem = f"truncated body ({len(content)} of {expected} bytes)"
                    else:
                        out = SsbResponse(url=url, method=method, status=200, content=content, content_type=ctype,
                                          fetched_at=_utcnow(), attempts=attempt,
                                          elapsed_s=time.monotonic() - started, request_body=body,
                                          selection=selection)
                        problem = self._check_body(out, parse, jsonstat, subject, sel_text)
                        if not problem:
                            return out
                elif resp.status_code == 429 or resp.status_code >= 500:
                    retry_after = _retry_after(resp.headers.get("Retry-After"))
                    problem = f"HTTP {resp.status_code} {resp.reason}: {error_detail(content, ctype)}"
                else:
                    raise self._client_error(resp.status_code, resp.reason, content, ctype, method, url,
                                             table_id, subject, sel_text)
            finally:
                self.throttle.release()
            if attempt == self.max_attempts:
                break
            if retry_after is not None and retry_after > self.max_retry_after_s:
                raise SsbUnavailable(f"SSB {subject}: {problem}; it asks us to wait {retry_after:.0f} s, more than "
                                     f"the {self.max_retry_after_s:.0f} s we allow{sel_text}",
                                     table_id=table_id, url=url)
            delay = max(retry_after or 0.0, self._backoff(attempt))
            self.retries += 1
            self._say(f"{subject}: {problem}; retry {attempt}/{self.max_attempts - 1} in {delay:.1f} s")
            self._sleep(delay)
        raise SsbUnavailable(f"SSB {subject} failed after {self.max_attempts} attempts: {problem} "
                             f"[{method} {_short(url)}]{sel_text}", table_id=table_id, url=url)

    @staticmethod
    def _check_body(out: SsbResponse, parse: bool, jsonstat: bool, subject: str, sel_text: str) -> str:
        """'' when the body is whole; else why it is not (a retryable problem)."""
        if not parse:
            return ""
        try:
            out.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return f"body is not complete JSON ({exc.__class__.__name__}: {str(exc)[:80]}, {len(out.content)} bytes)"
        if jsonstat:
            try:
                out.dataset()
            except JsonStatError as exc:
                raise SsbError(f"SSB {subject}: the response is not usable JSON-stat: {exc}{sel_text}",
                               url=out.url) from exc
        return ""

    @staticmethod
    def _client_error(status: int, reason: str, content: bytes, ctype: str, method: str, url: str,
                      table_id: str | None, subject: str, sel_text: str) -> SsbClientError:
        detail = error_detail(content, ctype)
        hint = ""
        if status == 404 and "html" in ctype.lower():
            hint = f" (an HTML 404 usually means the URL was too long: {len(url)} characters)"
        msg = f"SSB refused {subject}: HTTP {status} {reason}: {detail}{hint} [{method} {_short(url)}]{sel_text}"
        cls = {400: SsbBadRequest, 403: SsbTooManyCells, 404: SsbNotFound}.get(status, SsbClientError)
        return cls(msg, table_id=table_id, url=url, status=status, detail=detail)


def _short(url: str, limit: int = 160) -> str:
    return url if len(url) <= limit else f"{url[:limit - 20]}...({len(url)} chars)"
