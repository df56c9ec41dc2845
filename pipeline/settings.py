"""The one place the environment is read: `Settings.from_env()` at start-up (CLI, code location).

Everything else gets its configuration from the Dagster resources built from these settings
(`pipeline.resources`), or from arguments. No module writes `os.environ`.

| variable | setting | default |
|---|---|---|
| `KOMMUNE_SDG_HOME` | data_home | `./data` |
| `DAGSTER_HOME` | dagster_home | `<data_home>/dagster_home` |
| `KOMMUNE_SDG_SOURCE` | source (the schedule's and the CLI's default) | `demo` |
| `KOMMUNE_SDG_SSB_URL` | ssb_base_url (a mirror, or a local test server) | the catalog's base URL |
| `KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT` | duckdb_memory_limit (e.g. `2500MB`) | DuckDB's default |
| `KOMMUNE_SDG_DBT_PROJECT_DIR` | dbt_project_dir | the repository's `dbt_project/` |
| `KOMMUNE_SDG_REPORTS_URL` | reports_base_url (links in the UI) | `file://` links |
| `KOMMUNE_SDG_API_URL` | api_base_url (`kommune-sdg api`, linked from the report) | `http://127.0.0.1:8000` |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.paths import DBT_PROJECT_DIR, Home

ENV = {
    "data_home": "KOMMUNE_SDG_HOME", "dagster_home": "DAGSTER_HOME", "source": "KOMMUNE_SDG_SOURCE",
    "ssb_base_url": "KOMMUNE_SDG_SSB_URL", "duckdb_memory_limit": "KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT",
    "dbt_project_dir": "KOMMUNE_SDG_DBT_PROJECT_DIR", "reports_base_url": "KOMMUNE_SDG_REPORTS_URL",
    "api_base_url": "KOMMUNE_SDG_API_URL",
}
DEFAULT_API_URL = "http://127.0.0.1:8000"  # `kommune-sdg api`'s default host and port


@dataclass(frozen=True)
class Settings:
    data_home: Path
    dagster_home: Path
    source: str = "demo"
    ssb_base_url: str = ""  # "" = the catalog's base_url
    duckdb_memory_limit: str = ""  # "" = DuckDB's default (80 % of RAM)
    dbt_project_dir: Path = DBT_PROJECT_DIR
    reports_base_url: str = ""
    api_base_url: str = DEFAULT_API_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get(ENV["data_home"]) or "data").expanduser().resolve()
        dagster = env.get(ENV["dagster_home"])
        project = env.get(ENV["dbt_project_dir"])
        return cls(
            data_home=home,
            dagster_home=Path(dagster).expanduser().resolve() if dagster else Home(home).dagster_home,
            source=env.get(ENV["source"]) or "demo",
            ssb_base_url=env.get(ENV["ssb_base_url"], ""),
            duckdb_memory_limit=env.get(ENV["duckdb_memory_limit"], ""),
            dbt_project_dir=Path(project).expanduser().resolve() if project else DBT_PROJECT_DIR,
            reports_base_url=env.get(ENV["reports_base_url"], ""),
            api_base_url=env.get(ENV["api_base_url"]) or DEFAULT_API_URL,
        )

    @classmethod
    def for_home(cls, root: Path, **overrides: object) -> Settings:
        """Settings for a given data home (tests, benchmarks): nothing read from the environment."""
        home = Path(root).expanduser().resolve()
        return replace(cls(data_home=home, dagster_home=Home(home).dagster_home), **overrides)

    @property
    def home(self) -> Home:
        return Home(self.data_home)

    def environ(self) -> dict[str, str]:
        """These settings as environment variables, for a child process (`dagster dev`, a CLI under test)."""
        values = {"data_home": str(self.data_home), "dagster_home": str(self.dagster_home), "source": self.source,
                  "ssb_base_url": self.ssb_base_url, "duckdb_memory_limit": self.duckdb_memory_limit,
                  "dbt_project_dir": str(self.dbt_project_dir), "reports_base_url": self.reports_base_url,
                  "api_base_url": self.api_base_url}
        return {ENV[k]: v for k, v in values.items() if v}
