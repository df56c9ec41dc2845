"""`kommune-sdg api`: a read-only HTTP API over the published warehouse (docs/api.md).

Modules: `reader` (the published file, one read-only DuckDB instance per file version), `query` (allow-listed
relations, filters and the SQL of a page), `params` (request parameters and their validation), `formats`
(JSON/CSV, ETag and 304), `schemas` (OpenAPI shapes), `routes` (/v1), `app` (factory, errors, CORS, server).
"""
