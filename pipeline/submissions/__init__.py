"""Municipal submissions: read, validate, store or quarantine files from KOMMUNE_SDG_HOME/inbox/<code>/.

The public names load lazily, so light modules (`inbox`, `safety`) import without pandas or pyarrow:
`kommune-sdg refresh` checks the inbox before it loads anything heavy.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "process_inbox": "pipeline.submissions.process", "submit": "pipeline.submissions.process",
    "Outcome": "pipeline.submissions.store", "current_values": "pipeline.submissions.store",
    "history": "pipeline.submissions.store", "read_log": "pipeline.submissions.store",
    "write_templates": "pipeline.submissions.templates",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
