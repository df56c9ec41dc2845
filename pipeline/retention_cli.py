"""`kommune-sdg prune [--dry-run]`, and the disk-use table `kommune-sdg status` prints (pipeline.retention)."""

from __future__ import annotations

import argparse

from pipeline.settings import Settings


def policy_of(settings: Settings):  # -> pipeline.retention.RetentionPolicy
    from pipeline.retention import RetentionPolicy  # noqa: PLC0415

    return RetentionPolicy(keep_runs=settings.retention_keep_runs, history_days=settings.retention_history_days)


def print_disk_use(settings: Settings) -> None:
    from pipeline.retention import disk_use, human, published_runs  # noqa: PLC0415

    use = disk_use(settings.home, settings.dagster_home)
    policy = policy_of(settings)
    print(f"disk use under {settings.data_home} (retention: inputs of the last {policy.keep_runs} published runs, "
          f"{policy.history_days:g} days of run history; {len(published_runs(settings.home))} runs recorded):")
    for area, n in use.items():
        print(f"  {area:<30} {human(n):>10}")
    print(f"  {'total':<30} {human(sum(use.values())):>10}")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("prune", help="apply the retention policy now (it also runs after every refresh)",
                              description="Keep the inputs of the last KOMMUNE_SDG_RETENTION_KEEP_RUNS published "
                                          "runs and KOMMUNE_SDG_RETENTION_HISTORY_DAYS of Dagster run history; "
                                          "remove the rest (docs/reliability.md, retention).")
    p.set_defaults(func=cmd_prune)


def cmd_prune(args: argparse.Namespace) -> int:
    from pipeline.refresh import instance_for  # noqa: PLC0415
    from pipeline.retention import prune  # noqa: PLC0415

    settings: Settings = args.settings
    report = prune(settings.home.ensure(), policy_of(settings), instance_for(settings))
    print("\n".join(report.lines()))
    print_disk_use(settings)
    return 0
