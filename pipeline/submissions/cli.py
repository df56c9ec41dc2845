"""`kommune-sdg submit FILE --municipality CODE` and `kommune-sdg template [--out DIR]`.

`register(subparsers)` adds both to the main argparse CLI; each sets `func(args) -> int` (exit code).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_ACCEPTED = 0
EXIT_REJECTED = 2
EXIT_USAGE = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "submit", help="validate a municipal submission (CSV/XLSX) and queue it in the inbox",
        description="Validate FILE at once. Accepted (exit 0): the file is stored in "
                    "KOMMUNE_SDG_HOME/inbox/CODE/ and ingested by the submission sensor. Rejected (exit 2): the "
                    "file goes to quarantine/ with an error report.")
    p.add_argument("file", type=Path, help="the CSV or .xlsx file")
    p.add_argument("--municipality", "-m", required=True, help="four-digit municipality code, e.g. 0301")
    p.set_defaults(func=cmd_submit)
    t = subparsers.add_parser("template", help="write the submission templates (CSV and .xlsx)")
    t.add_argument("--out", type=Path, default=Path("."), help="output directory (default: current directory)")
    t.set_defaults(func=cmd_template)


def cmd_submit(args: argparse.Namespace) -> int:
    from pipeline.submissions.process import submit

    path: Path = args.file
    if not path.is_file():
        print(f"Fant ikke filen / file not found: {path}", file=sys.stderr)
        return EXIT_USAGE
    h = args.settings.home.ensure()
    outcome = submit(path, args.municipality, h)
    print(outcome.summary_line())
    if outcome.accepted:
        print(f"  innboks/inbox: {outcome.inbox_path}")
        for note in outcome.notes:
            print(f"  merk/note: {note}")
        return EXIT_ACCEPTED
    shown = outcome.issues[:50]
    for i in shown:
        print(f"  - {i.text()}")
    if len(outcome.issues) > len(shown):
        print(f"  … og {len(outcome.issues) - len(shown)} til / and {len(outcome.issues) - len(shown)} more")
    print(f"  feilrapport/error report: {outcome.quarantine_dir}")
    return EXIT_REJECTED


def cmd_template(args: argparse.Namespace) -> int:
    from pipeline.submissions.templates import write_templates

    for p in write_templates(args.out):
        print(p)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (`python -m pipeline.submissions.cli`), for tests and before the main CLI wires it."""
    parser = argparse.ArgumentParser(prog="kommune-sdg")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
