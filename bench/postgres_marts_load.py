"""How long loading the published marts into PostgreSQL takes (issue 16 item 3): the load transaction (create,
COPY, keys, comments, ANALYZE), the wait for older readers and the swap, per mart and in total.

    .venv/bin/python bench/postgres_marts_load.py --home /tmp/ksdg_bench/pg_home --repeat 3 \
        --json /tmp/ksdg_bench/postgres_marts.jsonl

1. a home with a published run (`--home`; a demo refresh first when nothing is published there): the
   national marts, 357 municipalities;
2. a fresh database on the test PostgreSQL (testkit.postgres: the machine's on 127.0.0.1:5432, else a
   throwaway cluster), dropped at the end, and a reader role of its own;
3. `--repeat` loads of the published file (`force`: each one a full load and swap, the first onto an empty
   database, the others replacing the schema the one before swapped in).
Prints one JSON line per load (and appends it to `--json`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from pipeline.dbt_manifest import dbt_project, ensure_manifest, mart_docs, mart_models  # noqa: E402
from pipeline.paths import DBT_PROJECT_DIR, Home  # noqa: E402
from pipeline.postgres_marts import load_published_marts  # noqa: E402
from pipeline.refresh import run_refresh  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from testkit.postgres import fresh_database, postgres_server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/ksdg_bench/pg_home"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    home = Home(args.home.resolve()).ensure()
    if not home.published_db.exists():
        summary = run_refresh(Settings.for_home(home.root), "demo")
        if not summary.success:
            print(f"the demo refresh failed: {summary.failures}", file=sys.stderr)
            return 1
    manifest = Path(ensure_manifest(dbt_project(DBT_PROJECT_DIR)))
    marts, docs = mart_models(manifest), mart_docs(manifest)
    role = f"ksdg_bench_reader_{uuid.uuid4().hex[:8]}"
    with postgres_server() as server:
        try:
            with fresh_database(server, prefix="ksdg_bench") as db:
                for i in range(args.repeat):
                    per_mart: dict[str, float] = {}
                    t = time.perf_counter()
                    result = load_published_marts(lambda **kw: psycopg.connect(server.url(db), **kw),
                                                  home.published_db, marts, docs, role, force=True,
                                                  log=lambda line, per=per_mart: _mart_time(line, per))
                    line = {"load": i + 1, "marts": len(result.rows), "rows": sum(result.rows.values()),
                            "published_mb": round(home.published_db.stat().st_size / 2**20, 1),
                            "total_s": round(time.perf_counter() - t, 3),
                            "load_s": round(result.load_seconds, 3), "wait_s": round(result.wait_seconds, 3),
                            "swap_ms": round(result.swap_seconds * 1000, 1),
                            "rows_per_s": round(sum(result.rows.values()) / result.load_seconds),
                            "per_mart_s": per_mart, "rows_per_mart": result.rows}
                    print(json.dumps(line))
                    if args.json:
                        args.json.parent.mkdir(parents=True, exist_ok=True)
                        with args.json.open("a", encoding="utf-8") as fh:
                            fh.write(json.dumps(line) + "\n")
        finally:
            with server.connect(autocommit=True) as con:
                con.execute(f'drop role if exists "{role}"')
    return 0


def _mart_time(line: str, per_mart: dict[str, float]) -> None:
    """The loader's progress line 'loaded marts.X into PostgreSQL: N rows in S s' -> per_mart[X] = S."""
    if line.startswith("loaded marts."):
        name = line.split()[1].removeprefix("marts.")
        per_mart[name] = float(line.rsplit(" in ", 1)[1].removesuffix(" s"))


if __name__ == "__main__":
    raise SystemExit(main())
