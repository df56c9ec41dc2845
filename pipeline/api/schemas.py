"""Response shapes for the OpenAPI document (/docs). Rows are open objects: their columns are the published
marts' (docs/contracts.md, dbt_project/models/marts/_marts.yml), which may gain columns."""

from typing import Any

from pydantic import BaseModel, Field

from pipeline.api.query import MAX_PAGE_SIZE


class ErrorDetail(BaseModel):
    status: int = Field(description="The HTTP status, repeated.")
    parameter: str | None = Field(description="The request parameter at fault ('path' for an unknown route).")
    message: str
    value: Any = Field(default=None, description="The offending value, when there is one.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class RunSummary(BaseModel):
    run_id: str | None
    published_at: str = Field(description="When the run was published (ISO 8601, UTC); also Last-Modified.")
    is_demo: bool = Field(description="True when the run holds synthetic DEMO data.")


class Paging(BaseModel):
    page: int
    page_size: int
    max_page_size: int = MAX_PAGE_SIZE
    total: int = Field(description="Rows matching the filters, over all pages.")
    pages: int
    next: str | None
    prev: str | None


class ListBody(BaseModel):
    data: list[dict[str, Any]]
    paging: Paging
    run: RunSummary


class ItemBody(BaseModel):
    data: dict[str, Any]
    links: dict[str, str] = Field(default_factory=dict, description="Related collections of this item.")
    run: RunSummary


class MetaBody(BaseModel):
    run: dict[str, Any] = Field(description="meta.refresh of the published warehouse: run id, published_at, "
                                            "snapshot kind and fingerprints of what it was built from.")
    is_demo: bool
    years: list[int] | None = Field(description="First and last year in the published data.")
    marts: dict[str, list[str]] = Field(description="Published marts and their columns.")
    max_page_size: int = MAX_PAGE_SIZE
    api_version: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: If-None-Match named the current ETag (the published run is the same)."},
    400: {"model": ErrorBody, "description": "A malformed or out-of-range parameter (named in the body)."},
    404: {"model": ErrorBody, "description": "An unknown municipality, county or indicator (named in the body)."},
    503: {"model": ErrorBody, "description": "Nothing is published yet; Retry-After says when to try again."},
}
CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}
