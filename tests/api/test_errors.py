"""Clear errors naming the parameter (400 malformed or out of range, 404 unknown), injection strings and absurd
paging against the real server: never a 500, never a change to the published file."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from testkit.api_server import ApiProcess
from tests.api.conftest import Published, error_of, get
from tests.conftest import sha256_file


@pytest.mark.parametrize(("path", "parameter"), [
    ("/v1/goal-scores?municipality=301", "municipality"),
    ("/v1/goal-scores?municipality=03O1", "municipality"),
    ("/v1/goal-scores?county=3", "county"),
    ("/v1/goal-scores?goal=0", "goal"),
    ("/v1/goal-scores?goal=18", "goal"),
    ("/v1/goals/18", "goal"),
    ("/v1/goal-scores?goal=3,x", "goal"),
    ("/v1/goal-scores?year=1990", "year"),
    ("/v1/goal-scores?year=2200", "year"),
    ("/v1/goal-scores?year=20x1", "year"),
    ("/v1/sdg-index?year_from=1900", "year_from"),
    ("/v1/sdg-index?year_to=9999", "year_to"),
    ("/v1/sdg-index?year_from=2022&year_to=2020", "year_from"),
    ("/v1/indicator-values?indicator=Not-An-Id", "indicator"),
    ("/v1/municipalities/12345", "code"),
    ("/v1/goal-scores?fields=score,nope", "fields"),
    ("/v1/goal-scores?format=xml", "format"),
    ("/v1/indicators?source_type=web", "source_type"),
])
def test_malformed_or_out_of_range_is_400_naming_the_parameter(api: ApiProcess, path: str, parameter: str) -> None:
    resp = get(api, path)
    assert resp.status_code == 400, resp.text
    err = error_of(resp)
    assert err["status"] == 400 and err["parameter"] == parameter and err["message"]


@pytest.mark.parametrize(("path", "parameter"), [
    ("/v1/municipalities/9999", "municipality"),
    ("/v1/goal-scores?municipality=0301,9998", "municipality"),
    ("/v1/indicators/no_such_indicator", "indicator"),
    ("/v1/indicator-scores?indicator=no_such_indicator", "indicator"),
    ("/v1/counties/99", "county"),
    ("/v1/sdg-index?county=99", "county"),
])
def test_unknown_code_is_404_naming_the_parameter(api: ApiProcess, path: str, parameter: str) -> None:
    resp = get(api, path)
    assert resp.status_code == 404, resp.text
    err = error_of(resp)
    assert err["parameter"] == parameter and "not in the published run" in err["message"]


def test_unknown_route_is_a_json_404(api: ApiProcess) -> None:
    resp = get(api, "/v1/goal_scores")
    assert resp.status_code == 404 and error_of(resp)["parameter"] == "path"


INJECTIONS = [
    "0301' or '1'='1",
    "0301; drop table marts.goal_scores; --",
    "0301) union select * from meta.refresh --",
    "\"; attach '/tmp/x.duckdb' as x; --",
    "1 or 1=1",
    "score; select 1",
    "score\"--",
    "copy (select 1) to '/tmp/ksdg_pwned.csv'",
    "%00", "\x00", "../../etc/passwd", "${jndi:ldap://x}", "*", "'" * 200,
]
STRING_PARAMS = ["municipality", "county", "goal", "indicator", "year", "peer_group", "fields", "format",
                 "year_from", "page", "page_size"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_strings_are_refused_and_change_nothing(api: ApiProcess, published: Published,
                                                          payload: str) -> None:
    before = sha256_file(published.home.published_db)
    for parameter in STRING_PARAMS:
        resp = get(api, f"/v1/indicator-scores?{parameter}={quote(payload)}")
        assert resp.status_code == 400, (parameter, resp.text)
        assert error_of(resp)["parameter"] == parameter
    for route in ("municipalities", "indicators", "counties", "goals"):
        resp = get(api, f"/v1/{route}/{quote(payload, safe='')}")
        assert resp.status_code in (400, 404), (route, resp.text)
    assert sha256_file(published.home.published_db) == before
    assert get(api, "/v1/goal-scores?page_size=1").json()["paging"]["total"] > 0


@pytest.mark.parametrize(("query", "parameter"), [
    ("page=0", "page"), ("page=-1", "page"), ("page=10000000000000000000000000000000", "page"),
    ("page=1e3", "page"), ("page=abc", "page"), ("page=1000001", "page"),
    ("page_size=0", "page_size"), ("page_size=1001", "page_size"), ("page_size=-5", "page_size"),
    ("page_size=99999999999999999999", "page_size"), ("page_size=1.5", "page_size"),
])
def test_absurd_paging_is_400(api: ApiProcess, query: str, parameter: str) -> None:
    resp = get(api, f"/v1/indicator-values?{query}")
    assert resp.status_code == 400, resp.text
    assert error_of(resp)["parameter"] == parameter


def test_largest_allowed_page_far_beyond_the_data_is_empty(api: ApiProcess) -> None:
    body = get(api, "/v1/indicator-values?page=1000000&page_size=1000").json()
    assert body["data"] == [] and body["paging"]["total"] > 0 and body["paging"]["next"] is None


def test_too_many_filter_values_is_400(api: ApiProcess) -> None:
    many = ",".join(f"{i:04d}" for i in range(401))
    resp = get(api, f"/v1/goal-scores?municipality={many}")
    assert resp.status_code == 400 and error_of(resp)["parameter"] == "municipality"
