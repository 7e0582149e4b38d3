"""``template``: write the employee-level template with its instructions."""

from __future__ import annotations

import argparse
from pathlib import Path

from employers.client.commands import EXIT_OK, EXIT_UNUSABLE
from employers.client.sanitise import for_terminal
from employers.client.template import write_csv_template, write_xlsx_template

HELP = "write the employee-level template (XLSX with instructions, or CSV with a README)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help="file format (default xlsx)")
    parser.add_argument("--out", type=Path, help="where to write it (default talent-compact-template.<format>)")
    parser.add_argument("--taxonomy", default="compact-2026", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    out = args.out or Path(f"talent-compact-template.{args.format}")
    writer = write_xlsx_template if args.format == "xlsx" else write_csv_template
    try:
        written = writer(out, taxonomy=args.taxonomy)
    except OSError as exc:
        print(for_terminal(f"Cannot write {out}: {exc.strerror}", max_length=None))
        return EXIT_UNUSABLE
    for path in written:
        print(for_terminal(f"Wrote {path}", max_length=None))
    return EXIT_OK
