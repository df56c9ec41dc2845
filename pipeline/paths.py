"""Everything a run writes lives under KOMMUNE_SDG_HOME (default ./data); this module names those paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
CATALOG_DIR = REPO_ROOT / "pipeline" / "catalog"
SHARED_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


Origin = Literal["real", "demo"]
DEMO_INTAKE = "demo"  # KOMMUNE_SDG_HOME/demo/: the demo submission's own inbox, store, archive and quarantine


@dataclass(frozen=True)
class Intake:
    """Where submissions of one origin are queued, stored, archived and quarantined.

    Real and demo submissions never share a folder: the real intake is KOMMUNE_SDG_HOME itself (inbox/,
    submissions/ ...), the demo intake KOMMUNE_SDG_HOME/demo/. Every accepted row records its origin, so a
    run can prove it loaded only its own kind (checks/demo_separation.py).
    """

    root: Path
    origin: Origin = "real"

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
    def accepted_dir(self) -> Path:
        return self.submissions_dir / "accepted"


@dataclass(frozen=True)
class Home(Intake):
    """The directory layout under KOMMUNE_SDG_HOME; its own submission folders are the real intake."""

    def intake(self, origin: Origin) -> Intake:
        """The submission folders of `origin`: this home (real), or its demo/ folder (demo)."""
        return Intake(self.root, "real") if origin == "real" else Intake(self.root / DEMO_INTAKE, "demo")

    @property
    def demo_intake(self) -> Intake:
        return self.intake("demo")

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

    @property
    def run_outputs_dir(self) -> Path:
        """Step outputs handed between steps (Dagster's filesystem IO manager). Kept in this home, not in
        DAGSTER_HOME, so a run started on another machine finds them (docs/deployment.md); the same folder as
        Dagster's default when DAGSTER_HOME is this home's dagster_home/."""
        return self.dagster_home / "storage"

    def ensure(self) -> Home:
        for d in (self.warehouse_dir, self.build_db.parent, self.inbox_dir, self.quarantine_dir,
                  self.archive_dir, self.submissions_dir, self.snapshots_dir, self.dagster_home):
            d.mkdir(parents=True, exist_ok=True)
        return self

