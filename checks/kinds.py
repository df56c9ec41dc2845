"""What kind of check an asset check is, declared by the check itself in its evaluation's metadata.

The Python checks (checks/blocking.py, checks/quality_checks.py) put `{CHECK_KIND_KEY: <kind>}` into the
metadata of every AssetCheckResult they yield; the quality report reads it back (pipeline/quality/collect.py)
and never guesses a kind from a check's name. dbt tests are recognised from dagster-dbt's own metadata.
"""

from __future__ import annotations

CHECK_KIND_KEY = "kommune_sdg/check_kind"

GX = "gx"  # a Great Expectations suite (checks/ssb_suites.py, checks/submission_suite.py)
DRIFT = "drift"  # row-count / total drift against the last published refresh (checks/drift.py)
PYTHON = "python"  # a hand-written Python check (checks/blocking.py)
DBT = "dbt"  # a dbt test, loaded as an asset check by dagster-dbt

KINDS = frozenset({GX, DRIFT, PYTHON, DBT})

UNKNOWN = "unknown"  # reader side only: a check whose evaluation declares no (valid) kind; never emitted
