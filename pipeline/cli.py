"""`kommune-sdg`: refresh, status, ui, api (+ submit/template from pipeline.submissions, prune from
pipeline.retention_cli). Exit 0 on success."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable

from pipeline.paths import REPO_ROOT
from pipeline.settings import Settings
from pipeline.sources import Source, SourceError


def _source(text: str) -> Source:
    """argparse type: a bad --source is refused before anything runs (exit 2, with the reason)."""
    try:
        return Source.parse(text)
    except SourceError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _cmd_refresh(args: argparse.Namespace) -> int:
    from pipeline.refresh_inputs import unchanged_refresh  # noqa: PLC0415

    settings: Settings = args.settings
    h = settings.home.ensure()
    source = args.source or _source(settings.source)
    print(f"kommune-sdg refresh: source={source}, KOMMUNE_SDG_HOME={h.root}", flush=True)
    published = unchanged_refresh(h, str(source), h.published_db, settings.dbt_project_dir, force=args.force)
    if published:
        # decided before Dagster loads: nothing new means nothing to build (docs/benchmarks.md, no-change refresh)
        print(f"unchanged since published run {published['run_id']} (snapshot, submissions and code identical, "
              "inbox empty): nothing to do; --force rebuilds")
        print(f"published marts: {h.published_db} (schema marts)")
        return 0
    from pipeline.refresh import run_refresh  # noqa: PLC0415

    summary = run_refresh(settings, source, force=args.force)
    print()
    print(f"run {summary.run_id}: {'SUCCESS' if summary.success else 'FAILED'}")
    if summary.rows:
        print("rows:")
        for key, n in sorted(summary.rows.items()):
            print(f"  {key:<42} {n:>10,}")
    print(f"checks: {len(summary.checks_passed)} passed, {len(summary.checks_failed)} failed")
    for failed in summary.checks_failed:
        print(f"  FAILED {failed}")
    if summary.success:
        print(f"published marts: {summary.published_db} (schema marts)")
        return 0
    for failure in summary.failures:
        print(f"  error: {failure}", file=sys.stderr)
    print(f"refresh failed; the published warehouse {summary.published_db} was left as it was", file=sys.stderr)
    return 1


def _cmd_status(args: argparse.Namespace) -> int:
    import duckdb  # noqa: PLC0415

    from pipeline.refresh import instance_for  # noqa: PLC0415
    from pipeline.refresh_meta import read_refresh_meta  # noqa: PLC0415

    settings: Settings = args.settings
    h = settings.home
    if h.published_db.exists():
        con = duckdb.connect(str(h.published_db), read_only=True)
        try:
            meta = read_refresh_meta(con) or {}
            tables = con.execute("select table_name from information_schema.tables where table_schema='marts' "
                                 "order by 1").fetchall()
        finally:
            con.close()
        print(f"published: {h.published_db}\n  run {meta.get('run_id')} at {meta.get('published_at')} "
              f"(snapshot {meta.get('snapshot_kind')})")
        print("  marts: " + ", ".join(t[0] for t in tables))
    else:
        print(f"published: nothing yet at {h.published_db} (run `kommune-sdg refresh`)")
    import dagster as dg  # noqa: PLC0415

    runs = instance_for(settings).get_runs(filters=dg.RunsFilter(job_name="nightly_refresh"), limit=args.limit)
    print(f"last {len(runs)} nightly_refresh runs:")
    for r in runs:
        print(f"  {r.run_id[:8]}  {r.status.value:<10} {r.tags.get('kommune_sdg/source', '')}")
    from pipeline.retention_cli import print_disk_use  # noqa: PLC0415

    print_disk_use(settings)
    return 0


def _cmd_ui(args: argparse.Namespace) -> int:
    from pipeline.refresh import dagster_home  # noqa: PLC0415

    settings: Settings = args.settings
    settings.home.ensure()
    env = os.environ | settings.environ() | {"DAGSTER_HOME": str(dagster_home(settings))}
    cmd = [os.path.join(os.path.dirname(sys.executable), "dagster"), "dev", "-w", str(REPO_ROOT / "workspace.yaml"),
           "-h", args.host, "-p", str(args.port)]
    print(f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={env['DAGSTER_HOME']})", flush=True)
    return subprocess.call(cmd, cwd=REPO_ROOT, env=env)


def _cmd_api(args: argparse.Namespace) -> int:
    from pipeline.api.app import serve  # noqa: PLC0415
    from pipeline.api.reader import PublishedWarehouse  # noqa: PLC0415
    from pipeline.resources import Warehouse  # noqa: PLC0415

    settings: Settings = args.settings
    warehouse = Warehouse.for_home(settings.home, settings.duckdb_memory_limit)
    print(f"kommune-sdg API on http://{args.host}:{args.port}/v1 (docs /docs) over {warehouse.published_db}",
          flush=True)
    serve(PublishedWarehouse(warehouse.published_path, warehouse.duckdb_config()), args.host, args.port,
          access_log=args.access_log)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kommune-sdg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("refresh", help="run the nightly refresh now")
    p.add_argument("--source", type=_source, default=None,
                   help="demo (default, offline; KOMMUNE_SDG_SOURCE sets another default), live (SSB API) or "
                        "snapshot:DIR (replay a stored snapshot)")
    p.add_argument("--force", action="store_true",
                   help="rebuild and publish even when nothing changed since the published run")
    p.set_defaults(func=_cmd_refresh)
    p = sub.add_parser("status", help="what is published and the last runs")
    p.add_argument("--limit", type=int, default=5)
    p.set_defaults(func=_cmd_status)
    p = sub.add_parser("ui", help="open the Dagster UI (dagster dev) on this code location")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=_cmd_ui)
    p = sub.add_parser("api", help="serve the published marts over HTTP (read-only JSON/CSV API, docs at /docs)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--access-log", action="store_true", help="log every request (off: it costs throughput)")
    p.set_defaults(func=_cmd_api)
    for register in _plugins():
        register(sub)
    return parser


def _plugins() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Subcommands that live with their feature (submissions: submit, template)."""
    from pipeline.catalog.cli import register as register_catalog  # noqa: PLC0415
    from pipeline.retention_cli import register as register_retention  # noqa: PLC0415
    from pipeline.submissions.cli import register as register_submissions  # noqa: PLC0415

    return [register_submissions, register_catalog, register_retention]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.settings = Settings.from_env()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
