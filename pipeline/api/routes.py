"""The /v1 routes. Every handler leases the published version it answers from (one run per answer),
validates its parameters against it, answers 304 when the client already has this run, then reads one page.

Handlers are plain `def`s: FastAPI runs them in its thread pool, where DuckDB (which releases the GIL) reads
in parallel. No `from __future__ import annotations` here: FastAPI reads the parameter annotations.
"""

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pipeline.api import params
from pipeline.api.formats import API_VERSION, negotiate, not_modified, records, respond, run_summary
from pipeline.api.params import (
    Common,
    CountyPath,
    CountyQ,
    FieldsQ,
    FormatQ,
    GoalPath,
    GoalQ,
    IndicatorPath,
    IndicatorQ,
    MunicipalityPath,
    Place,
    SourceTypeQ,
    U4sscQ,
    Years,
)
from pipeline.api.query import RESOURCES, Page, fetch_one, fetch_page, select_columns
from pipeline.api.reader import PublishedWarehouse, Version
from pipeline.api.schemas import CSV_CONTENT, ERROR_RESPONSES, ItemBody, ListBody, MetaBody

router = APIRouter(prefix="/v1")
LIST = {"response_model": ListBody, "responses": {**ERROR_RESPONSES, 200: {"content": CSV_CONTENT}}}
ITEM = {"response_model": ItemBody, "responses": {**ERROR_RESPONSES, 200: {"content": CSV_CONTENT}}}


def published(request: Request) -> PublishedWarehouse:
    return request.app.state.published


def _paging(request: Request, page: Page) -> dict[str, Any]:
    pages = max(1, math.ceil(page.total / page.page_size))

    def link(n: int) -> str | None:
        return str(request.url.include_query_params(page=n)) if 1 <= n <= pages and n != page.page else None

    return {"page": page.page, "page_size": page.page_size, "max_page_size": params.MAX_PAGE_SIZE,
            "total": page.total, "pages": pages, "next": link(page.page + 1) if page.page < pages else None,
            "prev": link(min(page.page - 1, pages)) if page.page > 1 else None}


def _list(request: Request, path: str, common: Common, filter_args: dict[str, Any], **more: Any) -> Response:
    resource = RESOURCES[path]
    with published(request).lease() as version:
        filters = params.filters(version, **filter_args, **more)
        columns = select_columns(resource, version, params.fields(common.fields))
        fmt = negotiate(request, common.format)
        if cached := not_modified(request, version, fmt):
            return cached
        result = fetch_page(resource, version, columns, filters, common.page, common.page_size)
        paging = _paging(request, result)
        links = [f'<{paging[rel]}>; rel="{rel}"' for rel in ("next", "prev") if paging[rel]]
        headers = {"X-Total-Count": str(result.total)} | ({"Link": ", ".join(links)} if links else {})
        body = {"data": records(result.columns, result.rows), "paging": paging, "run": run_summary(version)}
        return respond(version, fmt, result.columns, result.rows, body, headers, filename=resource.table)


def _item(request: Request, path: str, key: Any, parameter: str, fmt_param: str | None, fields: str | None,
          links: dict[str, str]) -> Response:
    """One row by its key; a well-formed but unknown code is a 404 naming `parameter`."""
    resource = RESOURCES[path]
    with published(request).lease() as version:
        if parameter in version.known:
            params.known(parameter, version, [str(key)])
        columns = select_columns(resource, version, params.fields(fields))
        fmt = negotiate(request, fmt_param)
        if cached := not_modified(request, version, fmt):
            return cached
        row = fetch_one(resource, version, columns, key, parameter)
        body = {"data": records(columns, [row])[0], "links": links, "run": run_summary(version)}
        return respond(version, fmt, columns, [row], body, filename=f"{resource.table}_{key}")


def _links(request: Request, parameter: str, key: Any, *paths: str) -> dict[str, str]:
    """URLs of the collections filtered to this item."""
    base = str(request.url_for("index")).rstrip("/")
    return {p: f"{base}/{p}?{parameter}={key}" for p in paths}


@router.get("", summary="Index of the API's collections")
def index(request: Request) -> dict[str, Any]:
    base = str(request.url_for("index")).rstrip("/")
    return {"api_version": API_VERSION, "docs": str(request.url_for("swagger_ui_html")),
            "collections": {p: {"url": f"{base}/{p}", "description": r.description} for p, r in RESOURCES.items()}
            | {"meta": {"url": f"{base}/meta", "description": "The published run."}}}


@router.get("/meta", summary="The published run: when, from which snapshot, demo or real", response_model=MetaBody,
            responses=ERROR_RESPONSES)
def meta(request: Request) -> Response:
    with published(request).lease() as version:
        if cached := not_modified(request, version, "json"):
            return cached
        body = _meta(version)
        return respond(version, "json", [], [], body)


def _meta(version: Version) -> dict[str, Any]:
    return {"run": version.run, "is_demo": version.is_demo, "years": list(version.years) if version.years else None,
            "marts": {m: [c for c, _ in cols] for m, cols in sorted(version.columns.items())},
            "max_page_size": params.MAX_PAGE_SIZE, "api_version": API_VERSION}


CommonD = Annotated[Common, Depends(params.common)]
PlaceD = Annotated[Place, Depends(params.place)]
YearsD = Annotated[Years, Depends(params.years)]


@router.get("/municipalities", summary="Municipalities with county and peer group", **LIST)
def municipalities(request: Request, place: PlaceD, common: CommonD) -> Response:
    return _list(request, "municipalities", common, place.values)


@router.get("/municipalities/{code}", summary="One municipality", **ITEM)
def municipality(request: Request, code: MunicipalityPath, fields: FieldsQ = None, fmt: FormatQ = None) -> Response:
    links = _links(request, "municipality", code, "goal-scores", "sdg-index", "indicator-values", "indicator-scores",
                   "u4ssc-kpis")
    return _item(request, "municipalities", code, "municipality", fmt, fields, links)


@router.get("/counties", summary="Counties (from the municipalities mart)", **LIST)
def counties(request: Request, common: CommonD, county: CountyQ = None) -> Response:
    return _list(request, "counties", common, {"county": county})


@router.get("/counties/{code}", summary="One county", **ITEM)
def county(request: Request, code: CountyPath, fields: FieldsQ = None, fmt: FormatQ = None) -> Response:
    links = _links(request, "county", code, "municipalities", "county-goal-scores", "goal-scores", "sdg-index")
    return _item(request, "counties", code, "county", fmt, fields, links)


@router.get("/goals", summary="The 17 SDGs", **LIST)
def goals(request: Request, common: CommonD, goal: GoalQ = None) -> Response:
    return _list(request, "goals", common, {"goal": goal})


@router.get("/goals/{goal}", summary="One SDG", **ITEM)
def goal(request: Request, goal: GoalPath, fields: FieldsQ = None, fmt: FormatQ = None) -> Response:
    links = _links(request, "goal", goal, "indicators", "goal-scores", "county-goal-scores", "goal-coverage")
    return _item(request, "goals", goal, "goal", fmt, fields, links)


@router.get("/indicators", summary="The indicator catalog with sources, targets and thresholds", **LIST)
def indicators(request: Request, common: CommonD, indicator: IndicatorQ = None, goal: GoalQ = None,
               source_type: SourceTypeQ = None, u4ssc_code: U4sscQ = None) -> Response:
    return _list(request, "indicators", common, {"indicator": indicator, "goal": goal, "source_type": source_type,
                                                 "u4ssc_code": u4ssc_code})


@router.get("/indicators/{indicator_id}", summary="One indicator", **ITEM)
def indicator(request: Request, indicator_id: IndicatorPath, fields: FieldsQ = None, fmt: FormatQ = None) -> Response:
    links = _links(request, "indicator", indicator_id, "indicator-values", "indicator-scores", "u4ssc-kpis")
    return _item(request, "indicators", indicator_id, "indicator", fmt, fields, links)


@router.get("/indicator-values", summary="Indicator values per municipality and year", **LIST)
def indicator_values(request: Request, place: PlaceD, years: YearsD, common: CommonD, goal: GoalQ = None,
                     indicator: IndicatorQ = None) -> Response:
    return _list(request, "indicator-values", common, place.values | years.values,
                 goal=goal, indicator=indicator)


@router.get("/indicator-scores", summary="Indicator scores, ratings, distance to target and trends", **LIST)
def indicator_scores(request: Request, place: PlaceD, years: YearsD, common: CommonD, goal: GoalQ = None,
                     indicator: IndicatorQ = None) -> Response:
    return _list(request, "indicator-scores", common, place.values | years.values,
                 goal=goal, indicator=indicator)


@router.get("/goal-scores", summary="Goal scores per municipality, goal and year", **LIST)
def goal_scores(request: Request, place: PlaceD, years: YearsD, common: CommonD, goal: GoalQ = None) -> Response:
    return _list(request, "goal-scores", common, place.values | years.values, goal=goal)


@router.get("/sdg-index", summary="The SDG index per municipality and year", **LIST)
def sdg_index(request: Request, place: PlaceD, years: YearsD, common: CommonD) -> Response:
    return _list(request, "sdg-index", common, place.values | years.values)


@router.get("/county-goal-scores", summary="Population-weighted goal scores per county", **LIST)
def county_goal_scores(request: Request, years: YearsD, common: CommonD, county: CountyQ = None,
                       goal: GoalQ = None) -> Response:
    return _list(request, "county-goal-scores", common, years.values, county=county, goal=goal)


@router.get("/goal-coverage", summary="Data coverage and score spread per goal and year", **LIST)
def goal_coverage(request: Request, years: YearsD, common: CommonD, goal: GoalQ = None) -> Response:
    return _list(request, "goal-coverage", common, years.values, goal=goal)


@router.get("/u4ssc-kpis", summary="U4SSC KPIs with benchmark and points", **LIST)
def u4ssc_kpis(request: Request, place: PlaceD, years: YearsD, common: CommonD, goal: GoalQ = None,
               indicator: IndicatorQ = None, u4ssc_code: U4sscQ = None) -> Response:
    return _list(request, "u4ssc-kpis", common, place.values | years.values, goal=goal, indicator=indicator,
                 u4ssc_code=u4ssc_code)
