"""A real slow writer for intake tests: a thread that writes a file a few bytes at a time, as a copy over a slow
link does, so an inbox scan can meet the file half-written."""

from __future__ import annotations

import threading
import time
from pathlib import Path


def start_slow_write(path: Path, body: bytes, chunk: int = 16, pause_s: float = 0.05) -> threading.Thread:
    """Start writing `body` to `path` in `chunk`-byte pieces, flushed, `pause_s` apart; returns the thread."""

    def writer() -> None:
        with path.open("wb") as fh:
            for i in range(0, len(body), chunk):
                fh.write(body[i:i + chunk])
                fh.flush()
                time.sleep(pause_s)

    thread = threading.Thread(target=writer)
    thread.start()
    return thread
