"""The query layer: which relations the API reads, which filters each one takes, and the SQL for a page.

No SQL is ever built from request text. Identifiers come from two allow-lists only: the constants below
(resource names, key columns, filter predicates) and the columns the published file itself reports in
information_schema (so columns the marts gain appear by themselves). Every request value is a bound
parameter (`?`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.api.reader import CATALOG, MARTS_SCHEMA, Version

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE = 1_000_000
MAX_FILTER_VALUES = 400  # values in one comma-separated filter (357 municipalities fit)
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def mart(name: str) -> str:
    return f"{CATALOG}.{MARTS_SCHEMA}.{name}"


@dataclass(frozen=True)
class Filter:
    """A request filter: the predicate per column it can apply to, first match wins. `{in}` becomes the list
    of placeholders; the predicates are constants of this module."""

    name: str
    predicates: tuple[tuple[str, str], ...]  # (column the relation must have, SQL predicate)


MUNICIPALITY = Filter("municipality", (("municipality_code", "municipality_code in ({in})"),))
COUNTY = Filter("county", (
    ("county_code", "county_code in ({in})"),
    ("municipality_code", f"municipality_code in (select municipality_code from {mart('municipalities')} "
                          "where county_code in ({in}))"),
))
GOAL = Filter("goal", (
    ("goal", "goal in ({in})"),
    ("indicator_id", f"indicator_id in (select indicator_id from {mart('indicators')} where goal in ({{in}}))"),
))
INDICATOR = Filter("indicator", (("indicator_id", "indicator_id in ({in})"),))
U4SSC_CODE = Filter("u4ssc_code", (("u4ssc_code", "u4ssc_code in ({in})"),))
PEER_GROUP = Filter("peer_group", (
    ("peer_group", "peer_group in ({in})"),
    ("size_class", "size_class in ({in})"),
    ("municipality_code", f"municipality_code in (select municipality_code from {mart('municipalities')} "
                          "where size_class in ({in}))"),
))
SOURCE_TYPE = Filter("source_type", (("source_type", "source_type in ({in})"),))
YEAR = Filter("year", (("year", "year in ({in})"),))
YEAR_FROM = Filter("year_from", (("year", "year >= ?"),))
YEAR_TO = Filter("year_to", (("year", "year <= ?"),))

FILTERS = {f.name: f for f in (MUNICIPALITY, COUNTY, GOAL, INDICATOR, U4SSC_CODE, PEER_GROUP, SOURCE_TYPE, YEAR,
                               YEAR_FROM, YEAR_TO)}


@dataclass(frozen=True)
class Resource:
    """A collection the API serves: a published mart, or a fixed relation over marts (`relation`)."""

    path: str  # URL segment under /v1
    table: str  # the mart read (or the one the relation is derived from)
    keys: tuple[str, ...]  # the order of rows and what identifies one
    description: str
    relation: str = ""  # SQL of a derived relation; "" = the mart itself

    def sql_relation(self) -> str:
        return f"({self.relation})" if self.relation else mart(self.table)

    def columns(self, version: Version) -> list[str]:
        """The columns this relation has in the published version (empty when the mart is not published)."""
        if self.relation:
            return [c for c, _ in COUNTY_COLUMNS] if self.table in version.columns else []
        return [c for c, _ in version.columns.get(self.table, []) if _IDENTIFIER.match(c)]


COUNTY_COLUMNS = (("county_code", "varchar"), ("county_name", "varchar"), ("municipalities", "bigint"),
                  ("population", "bigint"), ("structure_year", "integer"))

RESOURCES = {r.path: r for r in (
    Resource("municipalities", "municipalities", ("municipality_code",),
             "Municipalities of the target structure with county, population and peer group (size_class)."),
    Resource("counties", "municipalities", ("county_code",),
             "Counties of the target structure, derived from the municipalities mart.",
             relation=(f"select county_code, any_value(county_name) as county_name, count(*) as municipalities, "
                       f"sum(population)::bigint as population, max(structure_year) as structure_year "
                       f"from {mart('municipalities')} group by county_code")),
    Resource("goals", "goals", ("goal",), "The 17 SDGs with names, colours and indicator counts."),
    Resource("indicators", "indicators", ("indicator_id",),
             "The indicator catalog: goal, target, unit, direction, source table and contents code or U4SSC "
             "code, bounds, thresholds and verification."),
    Resource("indicator-values", "indicator_values", ("municipality_code", "indicator_id", "year"),
             "Every indicator value with SSB status symbol, source and provenance."),
    Resource("indicator-scores", "indicator_scores", ("municipality_code", "indicator_id", "year"),
             "Normalised 0-100 indicator scores, ratings, distance to target and trend."),
    Resource("goal-scores", "goal_scores", ("municipality_code", "goal", "year"),
             "Goal scores per municipality, goal and year with rating, trend, coverage and ranks."),
    Resource("sdg-index", "sdg_index", ("municipality_code", "year"),
             "The SDG index per municipality and year with national and peer-group rank."),
    Resource("county-goal-scores", "county_goal_scores", ("county_code", "goal", "year"),
             "Population-weighted goal scores per county."),
    Resource("goal-coverage", "goal_coverage", ("goal", "year"),
             "Per goal and year: how many indicators and municipalities have data, and the score spread."),
    Resource("u4ssc-kpis", "u4ssc_kpis", ("municipality_code", "indicator_id", "year"),
             "U4SSC KPIs with benchmark, share of benchmark and points."),
)}


class QueryError(ValueError):
    """A request the published data cannot answer as asked; `parameter` names the culprit."""

    def __init__(self, parameter: str, message: str, status: int = 400, value: Any = None) -> None:
        super().__init__(message)
        self.parameter, self.status, self.value = parameter, status, value


@dataclass(frozen=True)
class Page:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int
    page: int
    page_size: int


def select_columns(resource: Resource, version: Version, fields: Sequence[str] | None) -> list[str]:
    available = resource.columns(version)
    if not available:
        raise QueryError("path", f"{resource.table} is not in the published warehouse", status=404)
    if not fields:
        return available
    unknown = [f for f in fields if f not in available]
    if unknown:
        raise QueryError("fields", f"unknown field(s) {', '.join(unknown)}; {resource.path} has: "
                                   f"{', '.join(available)}", value=",".join(unknown))
    return list(dict.fromkeys(fields))


def where_clause(resource: Resource, version: Version, filters: dict[str, list[Any]]) -> tuple[str, list[Any]]:
    """`where ...` and its parameters for the given (already validated) filter values."""
    columns = set(resource.columns(version))
    parts: list[str] = []
    params: list[Any] = []
    for name, values in filters.items():
        if not values:
            continue
        spec = FILTERS[name]
        predicate = next((p for col, p in spec.predicates if col in columns), None)
        if predicate is None:
            raise QueryError(name, f"{resource.path} cannot be filtered by {name}")
        parts.append(predicate.replace("{in}", ", ".join(["?"] * len(values))))
        params.extend(values)
    return (" where " + " and ".join(parts) if parts else ""), params


def fetch_page(resource: Resource, version: Version, columns: Sequence[str], filters: dict[str, list[Any]],
               page: int, page_size: int) -> Page:
    """One page of rows in key order, and the total the filters match. `columns` from `select_columns`."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise QueryError("page_size", f"page_size must be 1-{MAX_PAGE_SIZE}", value=page_size)
    if not 1 <= page <= MAX_PAGE:
        raise QueryError("page", f"page must be 1-{MAX_PAGE}", value=page)
    where, params = where_clause(resource, version, filters)
    order = ", ".join(k for k in resource.keys if k in resource.columns(version))
    select = ", ".join(f'"{c}"' for c in columns)
    relation = resource.sql_relation()
    offset = (page - 1) * page_size
    with version.cursor() as cur:
        rows = cur.execute(f"select {select} from {relation} as r{where} order by {order} limit ? offset ?",
                           [*params, page_size, offset]).fetchall()
        if offset == 0 and len(rows) < page_size:
            total = len(rows)  # a first page that is not full is everything (the version never changes)
        else:
            total = cur.execute(f"select count(*) from {relation} as r{where}", params).fetchone()[0]
    return Page(list(columns), rows, int(total), page, page_size)


def fetch_one(resource: Resource, version: Version, columns: Sequence[str], key: Any,
              parameter: str) -> tuple[Any, ...]:
    """The row whose (single) key equals `key`; 404 naming `parameter` when there is none."""
    select = ", ".join(f'"{c}"' for c in columns)
    with version.cursor() as cur:
        row = cur.execute(f"select {select} from {resource.sql_relation()} as r where {resource.keys[0]} = ?",
                          [key]).fetchone()
    if row is None:
        raise QueryError(parameter, f"no {parameter} {key!r} in the published run", status=404, value=key)
    return row
