"""Request parameters: their documented shape (for OpenAPI and the first check) and their meaning against
the published run (unknown codes, years outside the published range). Errors name the parameter.

No `from __future__ import annotations`: FastAPI reads these annotations (the classes are dependencies)."""

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Query

from pipeline.api.query import DEFAULT_PAGE_SIZE, MAX_FILTER_VALUES, MAX_PAGE, MAX_PAGE_SIZE, QueryError
from pipeline.api.reader import Version

MUNICIPALITY_RE = r"^[0-9]{4}$"
COUNTY_RE = r"^[0-9]{2}$"
INDICATOR_RE = r"^[a-z][a-z0-9_]{0,63}$"
GOAL_RE = r"^([1-9]|1[0-7])$"
YEAR_RE = r"^[0-9]{4}$"
U4SSC_RE = r"^[A-Z0-9][A-Z0-9: ]{0,39}$"
SOURCE_TYPE_RE = r"^(ssb|submission)$"
PEER_GROUP_RE = r"^[1-6]$"
MAX_PARAM_LENGTH = 2000  # characters of one parameter: 400 municipality codes with their commas


def _list_re(item: str) -> str:
    body = item.strip("^$")
    return f"^{body}(,{body})*$"


def _list(description: str, item_re: str, example: str) -> Any:
    return Query(description=f"{description} Comma-separated for several (at most {MAX_FILTER_VALUES}).",
                 pattern=_list_re(item_re), max_length=MAX_PARAM_LENGTH, examples=[example])


MunicipalityQ = Annotated[str | None, _list("Municipality code(s), 4 digits (KLASS 131).", MUNICIPALITY_RE, "0301")]
CountyQ = Annotated[str | None, _list("County code(s), 2 digits (KLASS 104).", COUNTY_RE, "03")]
GoalQ = Annotated[str | None, _list("SDG goal number(s) 1-17.", GOAL_RE, "3")]
IndicatorQ = Annotated[str | None, _list("Indicator id(s), see /v1/indicators.", INDICATOR_RE,
                                         "median_household_income")]
YearQ = Annotated[str | None, _list("Year(s) within the published range (see /v1/meta).", YEAR_RE, "2023")]
U4sscQ = Annotated[str | None, _list("U4SSC KPI code(s), e.g. 'EC: P: EM: 1C'.", U4SSC_RE, "EC: P: EM: 1C")]
PeerGroupQ = Annotated[str | None, _list("Peer group(s): size class 1-6 by population.", PEER_GROUP_RE, "3")]
SourceTypeQ = Annotated[str | None, _list("'ssb' or 'submission'.", SOURCE_TYPE_RE, "ssb")]
YearFromQ = Annotated[int | None, Query(ge=1000, le=9999, description="First year (inclusive).")]
YearToQ = Annotated[int | None, Query(ge=1000, le=9999, description="Last year (inclusive).")]
PageQ = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page number, 1-{MAX_PAGE}.")]
PageSizeQ = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page, at most {MAX_PAGE_SIZE}.")]
FieldsQ = Annotated[str | None, Query(
    description="Columns to return, comma-separated (default: all); unknown names are refused.",
    pattern=r"^[a-z_][a-z0-9_]*(,[a-z_][a-z0-9_]*)*$", max_length=MAX_PARAM_LENGTH)]
FormatQ = Annotated[str | None, Query(
    alias="format", pattern=r"^(json|csv)$", description="json (default) or csv; `Accept: text/csv` works too.")]
MunicipalityPath = Annotated[str, Path(pattern=MUNICIPALITY_RE, description="4-digit municipality code.",
                                       examples=["0301"])]
CountyPath = Annotated[str, Path(pattern=COUNTY_RE, description="2-digit county code.", examples=["03"])]
GoalPath = Annotated[int, Path(ge=1, le=17, description="SDG goal 1-17.")]
IndicatorPath = Annotated[str, Path(pattern=INDICATOR_RE, description="Indicator id.",
                                    examples=["median_household_income"])]

@dataclass(frozen=True)
class Common:
    """Paging, columns and format: every collection takes them."""

    page: int
    page_size: int
    fields: str | None
    format: str | None


@dataclass(frozen=True)
class Place:
    """Which municipalities: by code, county or peer group."""

    values: dict[str, str | None]


@dataclass(frozen=True)
class Years:
    """Which years: a list, or a range."""

    values: dict[str, Any]


# The dependencies that read them are async: FastAPI runs them on the event loop, where a sync one would cost
# a trip through the thread pool per request.
async def common(page: PageQ = 1, page_size: PageSizeQ = DEFAULT_PAGE_SIZE, fields: FieldsQ = None,
                 fmt: FormatQ = None) -> Common:
    return Common(page, page_size, fields, fmt)


async def place(municipality: MunicipalityQ = None, county: CountyQ = None, peer_group: PeerGroupQ = None) -> Place:
    return Place({"municipality": municipality, "county": county, "peer_group": peer_group})


async def years(year: YearQ = None, year_from: YearFromQ = None, year_to: YearToQ = None) -> Years:
    return Years({"year": year, "year_from": year_from, "year_to": year_to})


def split(parameter: str, text: str | None, item_re: str) -> list[str]:
    """The comma-separated values of a parameter, each checked against its pattern (400 naming it)."""
    if text is None:
        return []
    values = [v.strip() for v in text.split(",")]
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(parameter, f"at most {MAX_FILTER_VALUES} values", value=f"{len(values)} values")
    pattern = re.compile(item_re)
    for v in values:
        if not pattern.match(v):
            raise QueryError(parameter, f"{v!r} is not a valid {parameter} (expected {item_re})", value=v)
    return list(dict.fromkeys(values))


def known(parameter: str, version: Version, values: list[str]) -> list[str]:
    """404 naming the parameter when a well-formed code is not in the published run."""
    codes = version.known.get(parameter)
    if codes is not None:
        unknown = [v for v in values if v not in codes]
        if unknown:
            raise QueryError(parameter, f"unknown {parameter} {', '.join(unknown)} (not in the published run)",
                             status=404, value=",".join(unknown))
    return values


def year_in_range(parameter: str, version: Version, year: int) -> int:
    if version.years is None:
        raise QueryError(parameter, "the published run has no years")
    lo, hi = version.years
    if not lo <= year <= hi:
        raise QueryError(parameter, f"year {year} is out of range: the published run covers {lo}-{hi}", value=year)
    return year


def filters(version: Version, *, municipality: str | None = None, county: str | None = None,
            goal: str | None = None, indicator: str | None = None, year: str | None = None,
            year_from: int | None = None, year_to: int | None = None, u4ssc_code: str | None = None,
            peer_group: str | None = None, source_type: str | None = None) -> dict[str, list[Any]]:
    """Validated filter values by filter name, ready to bind."""
    out: dict[str, list[Any]] = {
        "municipality": known("municipality", version, split("municipality", municipality, MUNICIPALITY_RE)),
        "county": known("county", version, split("county", county, COUNTY_RE)),
        "goal": [int(g) for g in split("goal", goal, GOAL_RE)],
        "indicator": known("indicator", version, split("indicator", indicator, INDICATOR_RE)),
        "u4ssc_code": known("u4ssc_code", version, split("u4ssc_code", u4ssc_code, U4SSC_RE)),
        "peer_group": [int(p) for p in split("peer_group", peer_group, PEER_GROUP_RE)],
        "source_type": split("source_type", source_type, SOURCE_TYPE_RE),
        "year": [year_in_range("year", version, int(y)) for y in split("year", year, YEAR_RE)],
        "year_from": [] if year_from is None else [year_in_range("year_from", version, year_from)],
        "year_to": [] if year_to is None else [year_in_range("year_to", version, year_to)],
    }
    if year_from is not None and year_to is not None and year_from > year_to:
        raise QueryError("year_from", f"year_from {year_from} is after year_to {year_to}", value=year_from)
    return {k: v for k, v in out.items() if v}


def fields(text: str | None) -> list[str] | None:
    return split("fields", text, r"^[a-z_][a-z0-9_]*$") if text else None
