"""Everything a run writes lives under KOMMUNE_SDG_HOME (default ./data); this module names those paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
CATALOG_DIR = REPO_ROOT / "pipeline" / "catalog"
SHARED_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Home:
    """The directory layout under KOMMUNE_SDG_HOME."""

    root: Path

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    @property
    def published_db(self) -> Path:
        return self.warehouse_dir / "kommune_sdg.duckdb"

    @property
    def build_db(self) -> Path:
        """The write-audit-publish build database, recreated by every refresh."""
        return self.warehouse_dir / "build" / "kommune_sdg_build.duckdb"

    @property
    def inbox_dir(self) -> Path:
        return self.root / "inbox"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def submissions_dir(self) -> Path:
        """Accepted, normalised submissions (one Parquet per accepted file) and their log."""
        return self.root / "submissions"

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    @property
    def demo_snapshot_dir(self) -> Path:
        return self.snapshots_dir / "demo"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    def ensure(self) -> Home:
        for d in (self.warehouse_dir, self.build_db.parent, self.inbox_dir, self.quarantine_dir,
                  self.archive_dir, self.submissions_dir, self.snapshots_dir, self.dagster_home):
            d.mkdir(parents=True, exist_ok=True)
        return self

