"""Run a command and measure it: wall, CPU (user+sys of the whole process tree, from rusage of children),
peak RSS of the process tree (sum over live descendants, sampled every 0.1 s from /proc) and the largest
single process (same sampling; ru_maxrss of RUSAGE_CHILDREN would carry over from earlier runs).
Linux only; no extra dependencies."""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Measurement:
    cmd: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    peak_tree_rss_mb: float
    max_process_rss_mb: float
    load_before: float
    stdout: str
    stderr: str
    # (epoch seconds, tree RSS MB) every sample: which step of a refresh held the peak (bench/refresh_scale.py)
    samples: list[tuple[float, float]] = field(default_factory=list, repr=False)

    def peak_by_window(self, windows: dict[str, tuple[float, float]]) -> dict[str, float]:
        """Peak tree RSS (MB) sampled inside each named (start, end) epoch window."""
        return {name: round(max((mb for t, mb in self.samples if start <= t <= end), default=0.0))
                for name, (start, end) in windows.items()}

    def line(self, label: str) -> str:
        return (f"{label:<34} wall {self.wall_s:8.1f} s  cpu {self.cpu_s:8.1f} s  "
                f"peak tree RSS {self.peak_tree_rss_mb:8.0f} MB  (largest process {self.max_process_rss_mb:6.0f} MB)"
                f"  load {self.load_before:.2f}  rc {self.returncode}")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_bytes(pid: int) -> tuple[int, int]:
    """(sum of RSS over the live process tree, RSS of its largest process) in bytes."""
    tree = _children()
    total, largest, stack = 0, 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        p = stack.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            rss = int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
            total += rss
            largest = max(largest, rss)
        stack += tree.get(p, [])
    return total, largest


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None,
            interval: float = 0.1) -> Measurement:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = largest = 0
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, largest
        while not done.is_set():
            total, big = tree_rss_bytes(proc.pid)
            peak, largest = max(peak, total), max(largest, big)
            samples.append((time.time(), total / 2**20))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measurement(cmd, proc.returncode, wall, cpu, peak / 2**20, largest / 2**20, load, out, err, samples)
