"""Load on the HTTP API while a full refresh runs and publishes (issue 17): N concurrent clients on loopback.

    .venv/bin/python bench/api_load.py --clients 20 --duration 60 --json /tmp/ksdg_bench/api_load.json

1. a home with a published run (`--home`, default /tmp/ksdg_bench/api_home; a first demo refresh when empty);
2. the real `kommune-sdg api` process on a free port (testkit.api_server);
3. `--clients` threads, each on its own keep-alive connection, cycling through a dashboard-like mix of URLs
   (meta, municipality lists and pages, goal scores, index, indicator values and scores, county scores, CSV,
   and conditional requests with If-None-Match); every answer must be 200 or 304, within `--timeout`;
4. `--baseline` seconds of load alone, then `kommune-sdg refresh --source demo --force` starts and the load
   goes on for `--duration` seconds, and at least until 10 s after the new run is served;
5. the published file's replacement is watched (stat every 20 ms); results per phase: before the refresh,
   refresh running before the publish, the publish (2 s either side of the file replace), after it.

Stops by itself; exit 1 when any request failed or timed out, an answer came from neither run, or no
publish happened. `--no-refresh` measures the load alone (the test suite's smoke run).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.api.reader import file_key  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from testkit.api_server import api_process, refresh_command  # noqa: E402

DEFAULT_HOME = Path("/tmp/ksdg_bench/api_home")


@dataclass
class Sample:
    start: float  # seconds since the load started
    latency: float
    status: int
    run: str
    error: str = ""


@dataclass(frozen=True)
class Target:
    path: str
    accept: str = "application/json"
    conditional: bool = False


def dashboard_mix(base_url: str) -> list[Target]:
    """URLs a dashboard would ask for, over real codes of the published run (read from the API itself)."""
    meta = _get_json(base_url, "/v1/meta")
    lo, hi = meta["years"]
    munis = [m["municipality_code"] for m in
             _get_json(base_url, "/v1/municipalities?page_size=1000&fields=municipality_code")["data"]]
    counties = [c["county_code"] for c in _get_json(base_url, "/v1/counties?fields=county_code")["data"]]
    indicators = [i["indicator_id"] for i in
                  _get_json(base_url, "/v1/indicators?page_size=1000&fields=indicator_id")["data"]]
    out: list[Target] = []
    for i in range(40):
        m, c, g = munis[i * 7 % len(munis)], counties[i % len(counties)], i % 17 + 1
        ind = indicators[i % len(indicators)]
        out += [
            Target("/v1/meta", conditional=True),
            Target(f"/v1/municipalities/{m}"),
            Target(f"/v1/goal-scores?municipality={m}&year={hi}"),
            Target(f"/v1/sdg-index?year={hi}&page_size=100&page={i % 4 + 1}"),
            Target(f"/v1/indicator-values?municipality={m}&year_from={max(lo, hi - 4)}&page_size=500"),
            Target(f"/v1/indicator-scores?indicator={ind}&year={hi}&page_size=200"),
            Target(f"/v1/county-goal-scores?county={c}"),
            Target(f"/v1/goal-scores?county={c}&goal={g}", accept="text/csv"),
            Target("/v1/municipalities?page_size=100", conditional=True),
            Target(f"/v1/goals/{g}", conditional=True),
        ]
    return out


def _get_json(base_url: str, path: str) -> dict:
    u = urlsplit(base_url)
    con = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        con.request("GET", path)
        resp = con.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {body[:300]!r}")
        return json.loads(body)
    finally:
        con.close()


class Load:
    """`clients` threads, each on one keep-alive connection, until stop()."""

    def __init__(self, base_url: str, targets: list[Target], clients: int, timeout_s: float) -> None:
        u = urlsplit(base_url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.targets, self.clients, self.timeout_s = targets, clients, timeout_s
        self.samples: list[list[Sample]] = [[] for _ in range(clients)]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.t0 = 0.0

    def start(self) -> None:
        self.t0 = time.monotonic()
        for i in range(self.clients):
            t = threading.Thread(target=self._client, args=(i,), daemon=True)
            t.start()
            self._threads.append(t)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def stop(self) -> list[Sample]:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.timeout_s + 5)
        return sorted((s for per in self.samples for s in per), key=lambda s: s.start)

    def _client(self, i: int) -> None:
        out = self.samples[i]
        etags: dict[str, str] = {}
        con: http.client.HTTPConnection | None = None
        n = i * 13  # clients start at different places in the mix
        while not self._stop.is_set():
            target = self.targets[n % len(self.targets)]
            n += 1
            headers = {"Accept": target.accept}
            if target.conditional and target.path in etags:
                headers["If-None-Match"] = etags[target.path]
            start = time.monotonic()
            try:
                if con is None:
                    con = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
                con.request("GET", target.path, headers=headers)
                resp = con.getresponse()
                body = resp.read()
                latency = time.monotonic() - start
                run = resp.getheader("X-Kommune-SDG-Run") or ""
                error = ""
                if resp.status not in (200, 304):
                    error = f"status {resp.status}: {body[:200]!r}"
                elif resp.status == 200 and not body:
                    error = "empty body"
                if resp.getheader("ETag"):
                    etags[target.path] = resp.getheader("ETag")
                out.append(Sample(start - self.t0, latency, resp.status, run, error))
            except TimeoutError:
                out.append(Sample(start - self.t0, time.monotonic() - start, 0, "", "timeout"))
                con = _close(con)
            except (OSError, http.client.HTTPException) as e:
                out.append(Sample(start - self.t0, time.monotonic() - start, 0, "", f"{type(e).__name__}: {e}"))
                con = _close(con)
        _close(con)


def _close(con: http.client.HTTPConnection | None) -> None:
    if con is not None:
        con.close()


@dataclass
class Phase:
    name: str
    seconds: float
    requests: int
    errors: int
    timeouts: int
    not_modified: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    runs: dict[str, int] = field(default_factory=dict)


def phase(name: str, samples: list[Sample], t_from: float, t_to: float) -> Phase:
    sel = [s for s in samples if t_from <= s.start < t_to]
    lat = sorted(s.latency * 1000 for s in sel) or [0.0]
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
    runs: dict[str, int] = {}
    for s in sel:
        runs[s.run[:8] or "-"] = runs.get(s.run[:8] or "-", 0) + 1
    seconds = max(t_to - t_from, 1e-9)
    return Phase(name, round(seconds, 1), len(sel), sum(1 for s in sel if s.error and s.error != "timeout"),
                 sum(1 for s in sel if s.error == "timeout"), sum(1 for s in sel if s.status == 304),
                 round(len(sel) / seconds, 1), round(q[49], 1), round(q[98], 1), round(lat[-1], 1), runs)


def markdown(phases: list[Phase]) -> str:
    rows = ["| phase | seconds | requests | errors | timeouts | 304 | req/s | p50 ms | p99 ms | max ms | runs |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    rows += [f"| {p.name} | {p.seconds} | {p.requests:,} | {p.errors} | {p.timeouts} | {p.not_modified:,} | "
             f"{p.rps:,.1f} | {p.p50_ms} | {p.p99_ms} | {p.max_ms} | "
             + ", ".join(f"{k}: {v:,}" for k, v in p.runs.items()) + " |" for p in phases]
    return "\n".join(rows)


class FileWatch(threading.Thread):
    """When the published file was replaced (its identity changed), in load-clock seconds."""

    def __init__(self, path: Path, clock: Load) -> None:
        super().__init__(daemon=True)
        self.path, self.clock = path, clock
        self.replaced_at: list[float] = []
        self._halt = threading.Event()

    def run(self) -> None:
        key = file_key(self.path)
        while not self._halt.wait(0.02):
            k = file_key(self.path)
            if k != key:
                self.replaced_at.append(self.clock.now())
                key = k

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)


def ensure_published(settings: Settings) -> None:
    if settings.home.published_db.exists():
        return
    print(f"no published run in {settings.home.root}: a first demo refresh (not measured)", flush=True)
    subprocess.run(refresh_command(force=False), env=os.environ | settings.environ(), check=True,
                   stdout=subprocess.DEVNULL)


def run(args: argparse.Namespace) -> dict:
    settings = Settings.for_home(args.home, duckdb_memory_limit=args.memory_limit)
    ensure_published(settings)
    log_dir = Path(args.home) / "bench_logs"
    with api_process(settings, log_dir / "api.log") as api:
        old_run = api.health()["run_id"]
        load = Load(api.url, dashboard_mix(api.url), args.clients, args.timeout)
        watch = FileWatch(settings.home.published_db, load)
        load.start()
        watch.start()
        time.sleep(args.baseline)
        refresh_at = load.now()
        refresh = None
        if not args.no_refresh:
            log = (log_dir / "refresh.log").open("wb")
            refresh = subprocess.Popen(refresh_command(args.source), env=os.environ | settings.environ(),
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            print(f"refresh started at {refresh_at:.1f} s (pid {refresh.pid})", flush=True)
        end = refresh_at + args.duration
        while load.now() < end or (refresh is not None and not watch.replaced_at and refresh.poll() is None
                                   and load.now() < refresh_at + args.max_seconds):
            time.sleep(0.2)
            if watch.replaced_at:
                end = max(end, watch.replaced_at[0] + 10)
        samples = load.stop()
        stopped_at = load.now()
        watch.stop()
        refresh_rc = None
        if refresh is not None:
            refresh_rc = refresh.wait(timeout=args.max_seconds)
        new_run = api.health()["run_id"]
    phases = [phase("load alone, before the refresh", samples, 0, refresh_at)]
    if refresh is None:
        phases = [phase("load alone", samples, 0, stopped_at)]
    elif watch.replaced_at:
        t = watch.replaced_at[0]
        phases += [phase("refresh running, before the publish", samples, refresh_at, t - 2),
                   phase("publish (file replace +- 2 s)", samples, t - 2, t + 2),
                   phase("after the publish", samples, t + 2, stopped_at),
                   phase("whole refresh window", samples, refresh_at, stopped_at)]
    else:
        phases += [phase("refresh running (no publish seen)", samples, refresh_at, stopped_at)]
    foreign = sum(1 for s in samples if s.run and s.run not in (old_run, new_run))
    first_new = next((s.start + s.latency for s in samples if s.run == new_run != old_run), None)
    stale_after = sum(1 for s in samples if first_new is not None and s.start > first_new and s.run == old_run)
    errors = [s.error for s in samples if s.error][:10]
    result = {
        "clients": args.clients, "baseline_s": args.baseline, "duration_s": args.duration,
        "load_seconds": round(stopped_at, 1), "refresh_started_at_s": round(refresh_at, 1),
        "file_replaced_at_s": [round(t, 2) for t in watch.replaced_at], "refresh_exit": refresh_rc,
        "old_run": old_run, "new_run": new_run, "answers_from_another_run": foreign,
        "old_run_after_first_new_answer": stale_after, "first_errors": errors,
        "phases": [asdict(p) for p in phases], "load_1min_after": os.getloadavg()[0],
    }
    result["ok"] = (not errors and foreign == 0 and stale_after == 0
                    and (refresh is None or (refresh_rc == 0 and bool(watch.replaced_at) and new_run != old_run)))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", type=Path, default=DEFAULT_HOME)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load after the refresh starts")
    p.add_argument("--baseline", type=float, default=10.0, help="seconds of load alone before the refresh")
    p.add_argument("--timeout", type=float, default=10.0, help="a request slower than this is a timeout")
    p.add_argument("--max-seconds", type=float, default=600.0, help="give up waiting for a publish after this")
    p.add_argument("--source", default="demo")
    p.add_argument("--memory-limit", default="", help="KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT for API and refresh")
    p.add_argument("--no-refresh", action="store_true", help="load alone for --baseline seconds")
    p.add_argument("--json", type=Path, help="write the result here")
    args = p.parse_args(argv)
    if args.no_refresh:
        args.duration = 0.0
    result = run(args)
    print(markdown([Phase(**ph) for ph in result["phases"]]))
    print(json.dumps({k: v for k, v in result.items() if k != "phases"}, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        with args.json.open("a") as f:
            f.write(json.dumps(result) + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
