"""Every asset key of the code location, defined once. dbt models get theirs from the translator
(`assets/dbt.py`: [layer, model]); `mart(name)` spells a published mart's key."""

from __future__ import annotations

import dagster as dg

SSB_SNAPSHOT = dg.AssetKey(["ssb", "snapshot"])
SUBMISSION_INBOX = dg.AssetKey("submission_inbox")
SSB_OBSERVATIONS = dg.AssetKey(["raw", "ssb_observations"])
SUBMISSION_VALUES = dg.AssetKey(["raw", "submission_values"])
PUBLISHED_WAREHOUSE = dg.AssetKey(["publish", "warehouse"])
POSTGRES_MARTS = dg.AssetKey(["publish", "postgres_marts"])
EXPORTS = dg.AssetKey(["publish", "exports"])
MUNICIPALITY_REPORT = dg.AssetKey(["reports", "municipality_report"])
DBT_DOCS = dg.AssetKey(["reports", "dbt_docs"])
QUALITY_REPORT = dg.AssetKey(["quality", "report"])

MARTS_LAYER = "marts"


def mart(name: str) -> dg.AssetKey:
    return dg.AssetKey([MARTS_LAYER, name])
