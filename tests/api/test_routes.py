"""The /v1 routes of the real `kommune-sdg api` process against the published warehouse, read independently."""

from __future__ import annotations

import csv
import io
from email.utils import format_datetime, parsedate_to_datetime

import pytest
import requests

from pipeline.api.query import MAX_PAGE_SIZE, RESOURCES
from testkit.api_server import ApiProcess
from tests.api.conftest import Published, get


@pytest.mark.parametrize("path", sorted(RESOURCES))
def test_every_collection_serves_the_published_rows(api: ApiProcess, published: Published, path: str) -> None:
    resource = RESOURCES[path]
    body = get(api, f"/v1/{path}?page_size=7").json()
    if resource.relation:
        (total,) = published.sql(f"select count(*) from ({resource.relation})")[0]
    else:
        (total,) = published.sql(f"select count(*) from pub.marts.{resource.table}")[0]
        columns = [r[0] for r in published.sql(
            "select column_name from information_schema.columns where table_catalog = 'pub' and table_schema = "
            "'marts' and table_name = ? order by ordinal_position", [resource.table])]
        assert list(body["data"][0]) == columns  # every column of the mart, in its order
    assert total > 0 and body["paging"]["total"] == total
    assert len(body["data"]) == min(7, total)
    assert body["run"] == {"run_id": published.summary.run_id, "published_at": body["run"]["published_at"],
                           "is_demo": True}


def test_municipalities_one_and_all_with_county_and_peer_group(api: ApiProcess, published: Published) -> None:
    rows = published.sql("select municipality_code, municipality_name, county_code, county_name, size_class "
                         "from pub.marts.municipalities order by 1")
    body = get(api, f"/v1/municipalities?page_size={MAX_PAGE_SIZE}").json()
    assert [m["municipality_code"] for m in body["data"]] == [r[0] for r in rows]
    code, name, county, county_name, size_class = rows[len(rows) // 2]
    one = get(api, f"/v1/municipalities/{code}").json()
    assert one["data"]["municipality_name"] == name
    assert (one["data"]["county_code"], one["data"]["county_name"], one["data"]["size_class"]) == (
        county, county_name, size_class)
    scores = get(api, one["links"]["goal-scores"].removeprefix(api.url)).json()
    assert scores["data"] and {r["municipality_code"] for r in scores["data"]} == {code}
    in_county = get(api, f"/v1/municipalities?county={county}&page_size=1000").json()
    assert {m["municipality_code"] for m in in_county["data"]} == {r[0] for r in rows if r[2] == county}
    counties = get(api, "/v1/counties").json()
    assert {c["county_code"]: c["municipalities"] for c in counties["data"]}[county] == len(in_county["data"])


def test_indicators_name_their_source_and_target(api: ApiProcess, published: Published) -> None:
    (ind, table, contents, target) = published.sql(
        "select indicator_id, table_id, contents_code, target from pub.marts.indicators "
        "where source_type = 'ssb' order by 1 limit 1")[0]
    one = get(api, f"/v1/indicators/{ind}").json()["data"]
    assert (one["table_id"], one["contents_code"], one["target"]) == (table, contents, target)
    assert {"unit", "direction", "source", "u4ssc_code"} <= set(one)
    subs = get(api, "/v1/indicators?source_type=submission&page_size=1000").json()["data"]
    assert subs and all(r["source_type"] == "submission" for r in subs)


@pytest.mark.parametrize(("query", "sql"), [
    ("/v1/goal-scores?county=03,46&goal=3,13&year_from=2019&year_to=2022",
     "select count(*) from pub.marts.goal_scores g join pub.marts.municipalities m using (municipality_code) "
     "where m.county_code in ('03', '46') and g.goal in (3, 13) and g.year between 2019 and 2022"),
    ("/v1/indicator-values?goal=3&year=2020,2021",
     "select count(*) from pub.marts.indicator_values v join pub.marts.indicators i using (indicator_id) "
     "where i.goal = 3 and v.year in (2020, 2021)"),
    ("/v1/indicator-scores?peer_group=6&indicator=median_household_income",
     "select count(*) from pub.marts.indicator_scores s join pub.marts.municipalities m using (municipality_code) "
     "where m.size_class = 6 and s.indicator_id = 'median_household_income'"),
    ("/v1/sdg-index?municipality=0301,4601,5001&year=2022",
     "select count(*) from pub.marts.sdg_index where municipality_code in ('0301', '4601', '5001') and year = 2022"),
    ("/v1/county-goal-scores?county=03&goal=1",
     "select count(*) from pub.marts.county_goal_scores where county_code = '03' and goal = 1"),
    ("/v1/u4ssc-kpis?county=46&goal=6",
     "select count(*) from pub.marts.u4ssc_kpis k join pub.marts.municipalities m using (municipality_code) "
     "where m.county_code = '46' and k.goal = 6"),
    ("/v1/goal-coverage?year_from=2024", "select count(*) from pub.marts.goal_coverage where year >= 2024"),
])
def test_filters_select_what_sql_selects(api: ApiProcess, published: Published, query: str, sql: str) -> None:
    (expected,) = published.sql(sql)[0]
    resp = get(api, query)
    assert resp.status_code == 200, resp.text
    assert resp.json()["paging"]["total"] == expected
    assert int(resp.headers["X-Total-Count"]) == expected


def test_paging_walks_every_row_once_in_key_order(api: ApiProcess, published: Published) -> None:
    expected = [(r[0], r[1]) for r in published.sql("select municipality_code, year from pub.marts.sdg_index "
                                                    "order by 1, 2")]
    seen: list[tuple[str, int]] = []
    url: str | None = "/v1/sdg-index?page_size=700&fields=municipality_code,year"
    pages = 0
    while url:
        body = get(api, url.removeprefix(api.url)).json()
        assert len(body["data"]) <= 700 and body["paging"]["max_page_size"] == MAX_PAGE_SIZE
        seen += [(r["municipality_code"], r["year"]) for r in body["data"]]
        url = body["paging"]["next"]
        pages += 1
    assert seen == expected and pages == -(-len(expected) // 700)
    beyond = get(api, f"/v1/sdg-index?page_size=700&page={pages + 5}").json()
    assert beyond["data"] == [] and beyond["paging"]["total"] == len(expected)


def test_csv_by_format_or_accept_holds_the_same_rows(api: ApiProcess) -> None:
    query = "/v1/goal-scores?municipality=0301&year=2022"
    rows = get(api, query).json()["data"]
    for resp in (get(api, query + "&format=csv"), get(api, query, Accept="text/csv")):
        assert resp.status_code == 200 and resp.headers["content-type"] == "text/csv; charset=utf-8"
        table = list(csv.DictReader(io.StringIO(resp.text)))
        assert [r["goal"] for r in table] == [str(r["goal"]) for r in rows]
        assert list(table[0]) == list(rows[0])
        assert [float(r["score"]) if r["score"] else None for r in table] == [r["score"] for r in rows]
    assert get(api, query, Accept="application/json, text/csv;q=0.5").headers["content-type"] == "application/json"


def test_fields_choose_columns(api: ApiProcess) -> None:
    body = get(api, "/v1/goal-scores?fields=score,goal&page_size=3").json()
    assert [list(r) for r in body["data"]] == [["score", "goal"]] * 3


def test_meta_names_the_published_run(api: ApiProcess, published: Published) -> None:
    body = get(api, "/v1/meta").json()
    run_id, kind, lo, hi = published.sql(
        "select run_id, snapshot_kind, (select min(year) from pub.marts.indicator_values), "
        "(select max(year) from pub.marts.indicator_values) from pub.meta.refresh")[0]
    assert body["run"]["run_id"] == run_id == published.summary.run_id
    assert body["run"]["snapshot_kind"] == kind == "demo" and body["is_demo"] is True
    assert body["run"]["snapshot_sha256"] and body["years"] == [lo, hi]
    assert "goal_scores" in body["marts"] and body["max_page_size"] == MAX_PAGE_SIZE


def test_etag_last_modified_and_304(api: ApiProcess, published: Published) -> None:
    first = get(api, "/v1/goals")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert published.summary.run_id in etag
    assert get(api, "/v1/goals").headers["ETag"] == etag
    assert get(api, "/v1/goals?format=csv").headers["ETag"] != etag  # another representation
    cached = get(api, "/v1/goals", **{"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b"" and cached.headers["ETag"] == etag
    assert get(api, "/v1/goals", **{"If-None-Match": '"another-run-json-v1"'}).status_code == 200
    assert get(api, "/v1/goals", **{"If-None-Match": f'W/"x", {etag}'}).status_code == 304
    assert get(api, "/v1/goals", **{"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    assert get(api, "/v1/goals", **{"If-Modified-Since": earlier}).status_code == 200
    # a bad parameter is an error even when the client's copy is current
    assert get(api, "/v1/goals?goal=99", **{"If-None-Match": etag}).status_code == 400


def test_cors_open_for_get(api: ApiProcess) -> None:
    resp = get(api, "/v1/goals", Origin="https://dashboard.example")
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "ETag" in resp.headers["access-control-expose-headers"]
    pre = requests_options(api, "/v1/goals", "GET")
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"
    assert requests_options(api, "/v1/goals", "DELETE").status_code == 400
    post = requests.post(f"{api.url}/v1/goals", timeout=10)
    assert post.status_code == 405 and post.json()["error"]["parameter"] == "path"


def requests_options(api: ApiProcess, path: str, method: str) -> requests.Response:
    return requests.options(f"{api.url}{path}", timeout=10, headers={
        "Origin": "https://dashboard.example", "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "if-none-match"})


def test_openapi_docs(api: ApiProcess) -> None:
    docs = get(api, "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = get(api, "/openapi.json").json()
    paths = spec["paths"]
    assert {f"/v1/{p}" for p in RESOURCES} <= set(paths)
    assert {"/v1/meta", "/v1/municipalities/{code}", "/v1/indicators/{indicator_id}"} <= set(paths)
    goal_scores = paths["/v1/goal-scores"]["get"]
    assert {"400", "404", "503", "304"} <= set(goal_scores["responses"])
    size = next(p for p in goal_scores["parameters"] if p["name"] == "page_size")
    assert size["schema"]["maximum"] == MAX_PAGE_SIZE
    assert "text/csv" in goal_scores["responses"]["200"]["content"]
