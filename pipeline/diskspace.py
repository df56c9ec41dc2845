"""Running out of disk space: a clear error naming the place and the free space, and nothing left half-done.

A refresh writes in three places that can fill up: the build database (load, dbt), the publish file beside
the warehouse, and the exports. Each of them turns "No space left on device" (an OSError with ENOSPC, or
DuckDB's IOException / dbt's log saying so) into `DiskFull`, after removing what it had half-written, so
the published warehouse and the previous exports stay as they were and the next refresh, once space is
freed, needs no clean-up. Publish also checks beforehand that the warehouse's and the exports'
filesystems have room for a new warehouse and a new set of exports (`require`), so a refresh that would
only run out of space in the exports fails *before* it replaces the published warehouse.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

ENOSPC_TEXT = ("no space left on device", "disk is full", "not enough space")


class DiskFull(RuntimeError):
    """Out of disk space; the message names what was being written, where, and what is free there."""


def free_bytes(path: Path) -> int:
    """Free bytes (for an unprivileged writer) on the filesystem holding `path` or its nearest parent."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    st = os.statvfs(p)
    return st.f_bavail * st.f_frsize


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error (or one it was raised from) says the disk is full."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(t in str(seen).lower() for t in ENOSPC_TEXT):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def message(what: str, path: Path, needed: int | None = None) -> str:
    need = f"about {needed:,} bytes needed, " if needed is not None else ""
    return (f"out of disk space while writing {what} ({path}): {need}{free_bytes(path):,} bytes were free on "
            f"its filesystem. The published warehouse was left as it was and the half-written file removed; free "
            f"space and run the refresh again (no clean-up needed).")


@contextlib.contextmanager
def guard(what: str, path: Path, cleanup: Callable[[], None] | None = None,
          on_full: Callable[[], None] | None = None) -> Iterator[None]:
    """Turn a disk-full error inside the block into DiskFull naming `what` and `path`. `cleanup` runs on any
    error, `on_full` only when the disk is full (each removes what was half-written, so space comes back)."""
    try:
        yield
    except BaseException as exc:
        full = not isinstance(exc, DiskFull) and is_disk_full(exc)
        text = message(what, path) if full else ""  # the free space at the failure, before the clean-up
        for step in (cleanup, on_full if full else None):
            if step is not None:
                with contextlib.suppress(OSError):
                    step()
        if not full:
            raise
        raise DiskFull(text) from exc


def require(needs: dict[Path, int], what: str) -> None:
    """Raise DiskFull unless each filesystem has room for the bytes needed on it (paths on one filesystem add up)."""
    per_fs: dict[int, tuple[Path, int]] = {}
    for path, n in needs.items():
        p = Path(path)
        while not p.exists() and p != p.parent:
            p = p.parent
        dev = os.stat(p).st_dev
        first, total = per_fs.get(dev, (Path(path), 0))
        per_fs[dev] = (first, total + n)
    for path, total in per_fs.values():
        free = free_bytes(path)
        if free < total:
            raise DiskFull(f"not enough disk space for {what}: about {total:,} bytes needed on the filesystem of "
                           f"{path}, {free:,} bytes free. Nothing was written and the published warehouse is "
                           f"unchanged; free space and run the refresh again (no clean-up needed).")


def remove_tree(path: Path) -> Callable[[], None]:
    return lambda: shutil.rmtree(path, ignore_errors=True)


def remove_file(*paths: Path) -> Callable[[], None]:
    def run() -> None:
        for p in paths:
            Path(p).unlink(missing_ok=True)
    return run
