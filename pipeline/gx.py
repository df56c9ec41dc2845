"""One ephemeral Great Expectations 1.x context per process, shared by the submission quality check and the
submission rules (creating a context costs about a second; GX validates pandas DataFrames here)."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_batch_definitions: dict[str, Any] = {}
_context: Any = None


def dataframe_batch_definition(name: str) -> Any:
    """A whole-DataFrame batch definition named `name` on the shared ephemeral context."""
    global _context
    with _lock:
        if name not in _batch_definitions:
            if _context is None:
                import great_expectations as gx  # noqa: PLC0415 (1-2 s import; only when checks run)
                from great_expectations.data_context.types.base import (  # noqa: PLC0415
                    DataContextConfig,
                    InMemoryStoreBackendDefaults,
                    ProgressBarsConfig,
                )

                # analytics off in the context's own config (no network here; no environment variable written)
                _context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
                    analytics_enabled=False, progress_bars=ProgressBarsConfig(globally=False),
                    store_backend_defaults=InMemoryStoreBackendDefaults()))
            asset = _context.data_sources.add_pandas(name).add_dataframe_asset(f"{name}_frame")
            _batch_definitions[name] = asset.add_batch_definition_whole_dataframe("whole_frame")
        return _batch_definitions[name]
