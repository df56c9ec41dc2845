"""SsbClient against the real local PxWebApi v2 test server: limits, GET/POST, retries and clear errors."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from pipeline.ssb.client import Limits, SsbClient
from pipeline.ssb.errors import (
    SsbBadRequest,
    SsbError,
    SsbNotFound,
    SsbTooManyCells,
    SsbUnavailable,
    error_detail,
)
from pipeline.ssb.selection import Selection
from pipeline.ssb.throttle import throttle_for
from tests.ssb.conftest import SSB_DATA, fast_client

YEARS = [str(y) for y in range(2015, 2025)]


def test_config_limits_and_defaults(pxweb) -> None:
    server = pxweb(max_cells=500, calls=7, window_s=2.0)
    client = fast_client(server.base_url)
    assert client.limits == Limits(max_cells=500, calls=7, window_s=2.0)
    assert (client.throttle.calls, client.throttle.window) == (7, 2.0)
    zero = pxweb(report_limits=False)  # /config says 0, like SSB's test config
    assert fast_client(zero.base_url).limits == Limits(max_cells=800_000, calls=30, window_s=60.0)
    assert Limits.from_config({"maxDataCells": 500, "maxCallsPerTimeWindow": 0, "timeWindow": 0}) == Limits(500, 30, 60)


def test_table_metadata_and_data_roundtrip(pxweb) -> None:
    server = pxweb()
    client = fast_client(server.base_url)
    info = client.table("07459").json()
    assert info["id"] == "07459" and info["updated"]
    meta = client.metadata("07459").dataset()
    assert meta.values is None and meta.ids == ["Region", "ContentsCode", "Tid"]
    resp = client.data("07459", {"Region": ["*"], "ContentsCode": ["Personer1"], "Tid": ["2023", "2024"]},
                       codelist={"Region": "agg_KommSummer"})
    assert resp.method == "GET" and "valueCodes[Region]=*" in resp.url and "codelist[Region]=agg_KommSummer" in resp.url
    frame = resp.frame()
    assert len(frame) == 358 * 2 and frame["Region"].iloc[0] == "0000" and frame["Region"].iloc[2] == "K-0301"
    assert resp.content.startswith(b"{") and resp.cells == 716


def test_long_selections_go_by_post(pxweb) -> None:
    server = pxweb(max_url_length=2000)
    client = fast_client(server.base_url)
    regions = list(client.metadata("07459").dataset().dimension("Region").codes)  # K-0301 ...: 2,500+ chars
    sel = Selection.of({"Region": regions, "ContentsCode": ["Personer1"], "Tid": ["2024"]},
                       {"Region": "agg_KommSummer"})
    method, url, body = client.data_request("07459", sel)
    assert method == "POST" and len(url) < 200 and len(body["selection"][0]["valueCodes"]) == 358
    assert body["selection"][0]["codelist"] == "agg_KommSummer"
    resp = client.data("07459", sel)
    assert resp.method == "POST" and len(resp.frame()) == 358
    assert server.count("/data", method="POST") == 1 and server.count("/data", method="GET") == 0


def test_a_too_long_get_gets_the_html_404_and_a_clear_error(pxweb) -> None:
    """What happens without the POST switch: SSB's web server sends an HTML 404 (the server records it)."""
    server = pxweb()
    server.expect_violations = True
    client = fast_client(server.base_url, max_url_length=100_000)
    regions = list(client.metadata("07459").dataset().dimension("Region").codes)
    sel = Selection.of({"Region": regions, "ContentsCode": ["Personer1"], "Tid": ["2024"]})
    with pytest.raises(SsbNotFound) as err:
        client.data("07459", sel)
    msg = str(err.value)
    assert "table 07459" in msg and "404 - File or directory not found" in msg and "URL was too long" in msg
    assert f"Region=0000,K-0301..{regions[-1]} (358 codes)" in msg
    assert [v.kind for v in server.violations] == ["url"]


def test_too_many_cells_fails_at_once_with_detail(pxweb) -> None:
    server = pxweb(max_cells=500)
    server.expect_violations = True
    client = fast_client(server.base_url)
    before = client.requests_made
    with pytest.raises(SsbTooManyCells) as err:
        client.data("07459", {"Region": ["*"], "ContentsCode": ["Personer1"], "Tid": YEARS})
    assert client.requests_made - before == 2  # /config, then the one refused data request: no retry
    msg = str(err.value)
    assert "table 07459 data" in msg and "HTTP 403" in msg and "Too many cells selected: 3580" in msg
    assert "Tid=2015,2016..2024 (10 codes)" in msg
    assert err.value.status == 403 and [v.kind for v in server.violations] == ["cells"]


def test_bad_value_code_and_unknown_table(pxweb) -> None:
    server = pxweb()
    client = fast_client(server.base_url)
    with pytest.raises(SsbBadRequest, match=r"table 07459 data.*Value code 1999 not found for variable Tid.*Tid=1999"):
        client.data("07459", {"Region": ["*"], "ContentsCode": ["Personer1"], "Tid": ["1999"]})
    with pytest.raises(SsbNotFound, match="Table 99999 not found"):
        client.table("99999")
    assert server.count("/tables/07459/data") == 1 and server.count("/tables/99999") == 1


def test_503s_are_retried_with_backoff(pxweb) -> None:
    server = pxweb()
    client = fast_client(server.base_url)
    client.config()
    server.inject("status", 2, status=503, path_contains="/tables/07459")
    assert client.table("07459").json()["id"] == "07459"
    assert server.count("/tables/07459") == 3 and client.retries == 2


def test_429_honours_retry_after(pxweb) -> None:
    server = pxweb()
    client = fast_client(server.base_url)
    client.config()
    server.inject("status", 1, status=429, retry_after=1, path_contains="/tables/")
    started = time.monotonic()
    client.table("07459")
    assert time.monotonic() - started >= 1.0  # backoff alone would be ~0.02 s


def test_retry_after_beyond_the_bound_gives_up_at_once(pxweb) -> None:
    server = pxweb()
    client = fast_client(server.base_url, max_retry_after_s=5)
    client.config()
    server.inject("status", 1, status=429, retry_after=3600, path_contains="/tables/")
    with pytest.raises(SsbUnavailable, match="asks us to wait 3600 s"):
        client.table("07459")


def test_retries_are_bounded(pxweb) -> None:
    server = pxweb()
    client = fast_client(server.base_url, max_attempts=3)
    client.config()
    server.inject("status", 10, status=500, path_contains="/metadata")
    with pytest.raises(SsbUnavailable, match=r"table 07459 metadata failed after 3 attempts: HTTP 500"):
        client.metadata("07459")
    assert server.count("/metadata") == 3


def test_timeouts_are_retried(pxweb) -> None:
    server = pxweb()
    client = fast_client(server.base_url, timeout=(2.0, 0.3))
    client.config()
    server.inject("slow", 1, delay_s=1.0, path_contains="/tables/07459")
    assert client.table("07459").json()["id"] == "07459"
    assert server.count("/tables/07459") == 2 and client.retries == 1


@pytest.mark.parametrize("declare_length", [True, False])
def test_truncated_bodies_are_retried(pxweb, declare_length: bool) -> None:
    server = pxweb()
    client = fast_client(server.base_url)
    client.config()
    server.inject("truncate", 1, path_contains="/data", declare_length=declare_length)
    resp = client.data("07459", {"Region": ["*"], "ContentsCode": ["Personer1"], "Tid": ["2024"]},
                       codelist={"Region": "agg_KommSummer"})
    assert len(resp.frame()) == 358 and resp.attempts == 2


def test_throttle_keeps_the_rate_limit(pxweb) -> None:
    server = pxweb(calls=5, window_s=1.0)
    client = fast_client(server.base_url)
    started = time.monotonic()
    for _ in range(11):  # + /config = 12 calls: at least two full windows of waiting
        client.table("01182")
    assert time.monotonic() - started >= 2.0
    assert server.count() == 12  # no 429s, no retries (the fixture also asserts no violations)


def test_clients_of_one_host_share_one_throttle(pxweb) -> None:
    server = pxweb(calls=5, window_s=1.0)
    a, b = fast_client(server.base_url), fast_client(server.base_url)
    assert a.throttle is b.throttle is throttle_for(server.base_url)
    threads = [threading.Thread(target=lambda c=c: [c.table("01182") for _ in range(4)]) for c in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert server.count("/tables/01182") == 8


def test_the_server_catches_a_client_that_ignores_the_rate(pxweb) -> None:
    """The guard can fail: unthrottled calls get 429 + Retry-After and are recorded as violations."""
    server = pxweb(calls=3, window_s=1.0)
    server.expect_violations = True
    statuses = [requests.get(f"{server.base_url}/tables/01182", timeout=5) for _ in range(5)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    assert statuses[3].headers["Retry-After"] == "1"
    assert [v.kind for v in server.violations] == ["rate", "rate"]


def test_error_detail_reads_every_ssb_error_shape() -> None:
    page = (SSB_DATA / "v2_404_error_page.html").read_bytes()
    assert error_detail(page, "text/html") == "HTML error page: 404 - File or directory not found."
    problem = b'{"type":"x","title":"Bad Request","status":400,"detail":"Non-existent value: 9999 for Region"}'
    assert error_detail(problem, "application/problem+json") == "Bad Request - Non-existent value: 9999 for Region"
    assert error_detail(b'{"error":"Too many values selected"}', "application/json") == "Too many values selected"
    assert error_detail(b"", "") == "(empty body)"


def test_ssb_errors_share_a_base_class() -> None:
    assert issubclass(SsbTooManyCells, SsbError) and issubclass(SsbUnavailable, SsbError)
    assert isinstance(SsbClient("http://127.0.0.1:9/x").base_url, str)
