"""`kommune-sdg`: refresh, status, ui (+ submit/template from pipeline.submissions). Exit 0 on success."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable

from pipeline.paths import REPO_ROOT, home


def _cmd_refresh(args: argparse.Namespace) -> int:
    from pipeline.refresh_inputs import FORCE_ENV, unchanged_refresh  # noqa: PLC0415

    h = home().ensure()
    print(f"kommune-sdg refresh: source={args.source}, KOMMUNE_SDG_HOME={h.root}", flush=True)
    published = unchanged_refresh(h, args.source, force=args.force)
    if published:
        # decided before Dagster loads: nothing new means nothing to build (docs/benchmarks.md, no-change refresh)
        print(f"unchanged since published run {published['run_id']} (snapshot, submissions and code identical, "
              f"inbox empty): nothing to do; --force or {FORCE_ENV}=1 rebuilds")
        print(f"published marts: {h.published_db} (schema marts)")
        return 0
    from pipeline.refresh import run_refresh  # noqa: PLC0415

    summary = run_refresh(h, args.source, force=args.force)
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

    h = home()
    if h.published_db.exists():
        con = duckdb.connect(str(h.published_db), read_only=True)
        try:
            run_id, at, kind = con.execute("select run_id, published_at, snapshot_kind from meta.refresh").fetchone()
            tables = con.execute("select table_name from information_schema.tables where table_schema='marts' "
                                 "order by 1").fetchall()
        finally:
            con.close()
        print(f"published: {h.published_db}\n  run {run_id} at {at} (snapshot {kind})")
        print("  marts: " + ", ".join(t[0] for t in tables))
    else:
        print(f"published: nothing yet at {h.published_db} (run `kommune-sdg refresh`)")
    import dagster as dg  # noqa: PLC0415

    runs = instance_for(h).get_runs(filters=dg.RunsFilter(job_name="nightly_refresh"), limit=args.limit)
    print(f"last {len(runs)} nightly_refresh runs:")
    for r in runs:
        print(f"  {r.run_id[:8]}  {r.status.value:<10} {r.tags.get('kommune_sdg/source', '')}")
    return 0


def _cmd_ui(args: argparse.Namespace) -> int:
    from pipeline.refresh import dagster_home  # noqa: PLC0415

    h = home().ensure()
    env = os.environ | {"DAGSTER_HOME": str(dagster_home(h))}
    cmd = [os.path.join(os.path.dirname(sys.executable), "dagster"), "dev", "-w", str(REPO_ROOT / "workspace.yaml"),
           "-h", args.host, "-p", str(args.port)]
    print(f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={env['DAGSTER_HOME']})", flush=True)
    return subprocess.call(cmd, cwd=REPO_ROOT, env=env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kommune-sdg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("refresh", help="run the nightly refresh now")
    p.add_argument("--source", default=os.environ.get("KOMMUNE_SDG_SOURCE", "demo"),
                   help="demo (default, offline), live (SSB API) or snapshot:DIR (replay a stored snapshot)")
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
    for register in _plugins():
        register(sub)
    return parser


def _plugins() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Subcommands that live with their feature (submissions: submit, template)."""
    from pipeline.submissions.cli import register as register_submissions  # noqa: PLC0415

    return [register_submissions]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
