"""A process-wide request throttle: at most N calls in any sliding window of W seconds.

SSB counts requests per IP (30 per 60 s), so every client of one API in this process must share one
throttle: `throttle_for(base_url)` returns the same instance for the same host.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

DEFAULT_CALLS = 30
DEFAULT_WINDOW_S = 60.0


class Throttle:
    """Sliding-window limiter. A call's slot is stamped when its response has arrived (`release`), so the
    server, which counts arrivals, never sees more than `calls` requests within `window` seconds."""

    def __init__(self, calls: int = DEFAULT_CALLS, window: float = DEFAULT_WINDOW_S, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self._lock = threading.Condition()
        self._stamps: deque[float] = deque()
        self._in_flight = 0
        self._clock, self._sleep = clock, sleep
        self.calls, self.window = calls, window
        self.waited = 0.0  # total seconds spent waiting, for progress reports and the bench

    def configure(self, calls: int, window: float) -> None:
        """Apply limits from /config (0 or less means unknown: keep the defaults)."""
        with self._lock:
            self.calls = calls if calls and calls > 0 else DEFAULT_CALLS
            self.window = float(window) if window and window > 0 else DEFAULT_WINDOW_S

    def acquire(self) -> None:
        """Block until one more call fits in the window, then reserve it."""
        while True:
            with self._lock:
                now = self._clock()
                while self._stamps and self._stamps[0] <= now - self.window:
                    self._stamps.popleft()
                if len(self._stamps) + self._in_flight < self.calls:
                    self._in_flight += 1
                    return
                wait = (self._stamps[0] + self.window - now) if self._stamps else 0.05
            wait = max(wait, 0.001) + 0.001
            self.waited += wait
            self._sleep(wait)

    def release(self) -> None:
        """The reserved call has finished: stamp it now (later than the server saw it arrive)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            self._stamps.append(self._clock())


_registry: dict[str, Throttle] = {}
_registry_lock = threading.Lock()


def throttle_for(base_url: str) -> Throttle:
    """The process-wide throttle for the host of `base_url` (SSB limits per IP, not per endpoint)."""
    key = urlsplit(base_url).netloc.lower()
    with _registry_lock:
        if key not in _registry:
            _registry[key] = Throttle()
        return _registry[key]
