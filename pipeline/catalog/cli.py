"""`kommune-sdg catalog check [--source live|snapshot:DIR] [--catalog FILE] [--table ID ...]`.

Reads each catalog table's metadata (live: `GET /tables/{id}/metadata` through SsbClient; snapshot: the
`metadata` file its manifest names) and compares it with the catalog (`pipeline.catalog.check`). Prints
per table what matches and what does not, with SSB's labels. Exit 0 when every table matches, 1 otherwise,
2 for a bad --source or catalog file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from enum import IntEnum
from pathlib import Path


class Exit(IntEnum):
    MATCH = 0  # every table matches
    MISMATCH = 1  # a mismatch, a refused (not municipal) or an unreadable table
    USAGE = 2  # a bad --source, catalog file or --table


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "catalog", help="check the SSB catalog against SSB's own table structure",
        description="Catalog tools. `catalog check` compares pipeline/catalog/ssb_tables.yaml with each table's "
                    "metadata (region dimension, contents codes, selection codes, codelist, region level).")
    sub = p.add_subparsers(dest="catalog_command", required=True)
    c = sub.add_parser(
        "check", help="compare each catalog table with its SSB metadata (exit 1 on any mismatch)",
        description="For each catalog table, read its metadata and print what matches and what does not, with "
                    "SSB's own labels. Exit 0 when all match, 1 on any mismatch, refused (national- or county-only) "
                    "or unreadable table.")
    c.add_argument("--source", default="live",
                   help="live (GET /tables/{id}/metadata from KOMMUNE_SDG_SSB_URL or the catalog's base_url; "
                        "default) or snapshot:DIR (the metadata.json stored in a snapshot)")
    c.add_argument("--catalog", type=Path, default=None,
                   help="the catalog file (default pipeline/catalog/ssb_tables.yaml)")
    c.add_argument("--table", action="append", default=None, metavar="ID",
                   help="check only this table (repeatable)")
    c.set_defaults(func=cmd_check)


def _metadata_reader(source, settings, base_url: str) -> tuple[str, Callable[[str], bytes]]:
    """(description, table id -> metadata bytes) for the source; raises the source's own errors per table."""
    if source.kind == "live":
        from pipeline.ssb.client import SsbClient  # noqa: PLC0415

        url = (settings.ssb_base_url or base_url).rstrip("/")
        client = SsbClient(url, max_attempts=3)
        return f"live {url}", lambda tid: client.metadata(tid).content
    from pipeline.snapshot import open_snapshot  # noqa: PLC0415

    snap = open_snapshot(source.path)
    label = f"snapshot {source.path} (kind {snap.kind})"
    return label, lambda tid: snap.read_bytes(snap.entry(tid)["metadata"], tid)


def run_check(catalog, read_metadata: Callable[[str], bytes], source_label: str = "",
              table_ids: list[str] | None = None) -> Iterator:
    """Yield one `TableCheck` per catalog table (in catalog order), reading each table's metadata with
    `read_metadata(table_id)`; a read or parse failure becomes that table's error, the others go on."""
    from pipeline.catalog.check import check_table, table_error  # noqa: PLC0415
    from pipeline.snapshot import SnapshotError  # noqa: PLC0415
    from pipeline.ssb.errors import SsbError  # noqa: PLC0415
    from pipeline.ssb.jsonstat import JsonStatError  # noqa: PLC0415
    from pipeline.ssb.structure import read_structure  # noqa: PLC0415

    for spec in catalog.tables:
        if table_ids and spec.id not in table_ids:
            continue
        try:
            structure = read_structure(read_metadata(spec.id), table_id=spec.id)
        except (SsbError, SnapshotError, JsonStatError, OSError) as exc:
            yield table_error(spec.id, str(exc), source_label)
            continue
        yield check_table(spec, structure, years=catalog.years, source=source_label)


def cmd_check(args: argparse.Namespace) -> int:
    from pipeline.catalog import SSB_TABLES_FILE, load_ssb_catalog  # noqa: PLC0415
    from pipeline.catalog.check import CatalogCheck  # noqa: PLC0415
    from pipeline.sources import Source, SourceError  # noqa: PLC0415

    try:
        source = Source.parse(args.source)
    except SourceError as exc:
        print(f"kommune-sdg catalog check: {exc}", file=sys.stderr)
        return Exit.USAGE
    if source.kind == "demo":
        print("kommune-sdg catalog check: use live or snapshot:DIR (the demo snapshot is generated from the catalog "
              "itself; point snapshot: at it to check its shape)", file=sys.stderr)
        return Exit.USAGE
    path = args.catalog or SSB_TABLES_FILE
    try:
        catalog = load_ssb_catalog(path)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        print(f"kommune-sdg catalog check: cannot read the catalog {path}: {exc}", file=sys.stderr)
        return Exit.USAGE
    unknown = sorted(set(args.table or ()) - {t.id for t in catalog.tables})
    if unknown:
        print(f"kommune-sdg catalog check: table(s) {', '.join(unknown)} not in {path}", file=sys.stderr)
        return Exit.USAGE
    from pipeline.snapshot import SnapshotError  # noqa: PLC0415

    try:
        label, read = _metadata_reader(source, args.settings, catalog.base_url)
    except SnapshotError as exc:  # no manifest, not a snapshot: say so, exit 2
        print(f"kommune-sdg catalog check: {exc}", file=sys.stderr)
        return Exit.USAGE
    print(f"kommune-sdg catalog check: {path} against {label}", flush=True)
    if source.kind == "snapshot" and "kind demo" in label:
        print("note: a demo snapshot's metadata are generated from the catalog; this checks its shape, not SSB")
    results = []
    for result in run_check(catalog, read, label, args.table):
        results.append(result)
        print()
        print("\n".join(result.lines()), flush=True)
    report = CatalogCheck(tuple(results))
    print()
    print(report.summary())
    return Exit.MATCH if report.ok else Exit.MISMATCH


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (`python -m pipeline.catalog.cli check ...`)."""
    from pipeline.settings import Settings  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="kommune-sdg")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["catalog", *(argv if argv is not None else sys.argv[1:])])
    args.settings = Settings.from_env()
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
