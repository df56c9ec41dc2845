"""The one place the environment is read: `Settings.from_env()` at start-up (CLI, code location).

Everything else gets its configuration from the Dagster resources built from these settings
(`pipeline.resources`), or from arguments. No module writes `os.environ`.

| variable | setting | default |
|---|---|---|
| `KOMMUNE_SDG_HOME` | data_home | `./data` |
| `DAGSTER_HOME` | dagster_home | `<data_home>/dagster_home` |
| `KOMMUNE_SDG_SOURCE` | source (the schedule's and the CLI's default) | `demo` |
| `KOMMUNE_SDG_REFRESH_CRON` | refresh_cron: when the schedule runs nightly_refresh (Europe/Oslo) | `0 2 * * *` |
| `KOMMUNE_SDG_SSB_URL` | ssb_base_url (a mirror, or a local test server) | the catalog's base URL |
| `KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT` | duckdb_memory_limit (e.g. `2500MB`) | DuckDB's default |
| `KOMMUNE_SDG_DBT_PROJECT_DIR` | dbt_project_dir | the repository's `dbt_project/` |
| `KOMMUNE_SDG_REPORTS_URL` | reports_base_url (links in the UI) | `file://` links |
| `KOMMUNE_SDG_API_URL` | api_base_url (`kommune-sdg api`, linked from the report) | `http://127.0.0.1:8000` |
| `KOMMUNE_SDG_INBOX_SETTLE_SECONDS` | inbox_settle_seconds: a file is taken once unchanged this long | `30` |
| `KOMMUNE_SDG_INBOX_MAX_FILES_PER_DAY` | inbox_max_files_per_day, per municipality (UTC day) | `50` |
| `KOMMUNE_SDG_INBOX_MAX_BYTES_PER_DAY` | inbox_max_bytes_per_day, per municipality (UTC day) | `52428800` (50 MiB) |
| `KOMMUNE_SDG_RETENTION_KEEP_RUNS` | retention_keep_runs: published runs whose inputs are kept | `7` |
| `KOMMUNE_SDG_RETENTION_HISTORY_DAYS` | retention_history_days: Dagster run history kept (days) | `30` |
| `KOMMUNE_SDG_POSTGRES_URL` | postgres_url: also load the marts into this database (no password in it) | off |
| `KOMMUNE_SDG_POSTGRES_PASSWORD` | postgres_password (the UI shows the variable's name, never the value) | none |
| `KOMMUNE_SDG_POSTGRES_PASSWORD_FILE` | postgres_password_file: a secrets file, read at each connect | none |
| `KOMMUNE_SDG_POSTGRES_READER_ROLE` | postgres_reader_role: read-only role for analysts | `kommune_sdg_reader` |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.paths import DBT_PROJECT_DIR, Home

ENV = {
    "data_home": "KOMMUNE_SDG_HOME", "dagster_home": "DAGSTER_HOME", "source": "KOMMUNE_SDG_SOURCE",
    "ssb_base_url": "KOMMUNE_SDG_SSB_URL", "duckdb_memory_limit": "KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT",
    "dbt_project_dir": "KOMMUNE_SDG_DBT_PROJECT_DIR", "reports_base_url": "KOMMUNE_SDG_REPORTS_URL",
    "api_base_url": "KOMMUNE_SDG_API_URL", "refresh_cron": "KOMMUNE_SDG_REFRESH_CRON",
    "inbox_settle_seconds": "KOMMUNE_SDG_INBOX_SETTLE_SECONDS",
    "inbox_max_files_per_day": "KOMMUNE_SDG_INBOX_MAX_FILES_PER_DAY",
    "inbox_max_bytes_per_day": "KOMMUNE_SDG_INBOX_MAX_BYTES_PER_DAY",
    "retention_keep_runs": "KOMMUNE_SDG_RETENTION_KEEP_RUNS",
    "retention_history_days": "KOMMUNE_SDG_RETENTION_HISTORY_DAYS",
    "postgres_url": "KOMMUNE_SDG_POSTGRES_URL", "postgres_password": "KOMMUNE_SDG_POSTGRES_PASSWORD",
    "postgres_password_file": "KOMMUNE_SDG_POSTGRES_PASSWORD_FILE",
    "postgres_reader_role": "KOMMUNE_SDG_POSTGRES_READER_ROLE",
}
# the text settings read as they are (empty = the default)
TEXTS = ("postgres_url", "postgres_password", "postgres_password_file", "postgres_reader_role")
DEFAULT_READER_ROLE = "kommune_sdg_reader"
DEFAULT_API_URL = "http://127.0.0.1:8000"  # `kommune-sdg api`'s default host and port
DEFAULT_REFRESH_CRON = "0 2 * * *"  # 02:00 Norwegian time
# the numeric settings: name -> type (read with _number, written back by environ())
NUMBERS: dict[str, type] = {"inbox_settle_seconds": float, "inbox_max_files_per_day": int,
                            "inbox_max_bytes_per_day": int, "retention_keep_runs": int,
                            "retention_history_days": float}


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(ENV[name], "").strip()
    if not text:
        return default
    try:
        value = NUMBERS[name](text)
    except ValueError:
        raise ValueError(f"{ENV[name]}={text!r}: not a number") from None
    if value < 0:
        raise ValueError(f"{ENV[name]}={text!r}: must not be negative")
    return value


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
    refresh_cron: str = DEFAULT_REFRESH_CRON
    inbox_settle_seconds: float = 30.0
    inbox_max_files_per_day: int = 50
    inbox_max_bytes_per_day: int = 50 * 1024 * 1024
    retention_keep_runs: int = 7
    retention_history_days: float = 30.0
    postgres_url: str = ""  # "" = the marts are not loaded into PostgreSQL
    postgres_password: str = field(default="", repr=False)  # from the environment only (pipeline.resources)
    postgres_password_file: str = ""
    postgres_reader_role: str = DEFAULT_READER_ROLE

    def __post_init__(self) -> None:
        if self.postgres_url and _has_password(self.postgres_url):
            raise ValueError(f"{ENV['postgres_url']} holds a password: give it in {ENV['postgres_password']} or a "
                             f"file named by {ENV['postgres_password_file']}, so it never shows in a URL")

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
            refresh_cron=env.get(ENV["refresh_cron"], "").strip() or DEFAULT_REFRESH_CRON,
            **{name: _number(env, name, getattr(cls, name)) for name in NUMBERS},  # type: ignore[arg-type]
            **{name: env.get(ENV[name], "").strip() or getattr(cls, name) for name in TEXTS},
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
                  "api_base_url": self.api_base_url, "refresh_cron": self.refresh_cron,
                  **{name: str(getattr(self, name)) for name in NUMBERS},
                  **{name: getattr(self, name) for name in TEXTS}}
        return {ENV[k]: v for k, v in values.items() if v}


def _has_password(conninfo: str) -> bool:
    """Whether a libpq URL or key=value string carries a password."""
    from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415 (only when PostgreSQL is configured)

    try:
        return bool(conninfo_to_dict(conninfo).get("password"))
    except Exception as exc:  # noqa: BLE001 - psycopg's ProgrammingError: not a conninfo at all
        raise ValueError(f"{ENV['postgres_url']}={conninfo!r} is not a PostgreSQL URL: {exc}") from None
