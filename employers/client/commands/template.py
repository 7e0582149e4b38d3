"""``template``: write the employee-level template with its instructions.

The format follows ``--out``'s extension (``.xlsx`` or ``.csv``); ``--format`` without
``--out`` picks the default name's. A name and a format that disagree are refused (exit 2),
so that Excel bytes never land in a file called ``.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from employers.client.commands import EXIT_OK, EXIT_UNUSABLE
from employers.client.sanitise import for_terminal
from employers.client.template import (
    TemplateNameError,
    template_format,
    write_csv_template,
    write_xlsx_template,
)

HELP = "write the employee-level template (XLSX with instructions, or CSV with a README)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("xlsx", "csv"), default=None,
                        help="file format (default: from --out's extension, else xlsx)")
    parser.add_argument("--out", type=Path,
                        help="where to write it, ending in .xlsx or .csv (default talent-compact-template.<format>)")
    parser.add_argument("--taxonomy", default="compact-2026", help=argparse.SUPPRESS)


def _say(line: str) -> None:
    print(for_terminal(line, max_length=None))


def run(args: argparse.Namespace) -> int:
    try:
        fmt = template_format(args.out, args.format)
    except TemplateNameError as exc:
        _say(f"Error: {exc}")
        return EXIT_UNUSABLE
    out = args.out or Path(f"talent-compact-template.{fmt}")
    writer = write_xlsx_template if fmt == "xlsx" else write_csv_template
    try:
        written = writer(out, taxonomy=args.taxonomy)
    except OSError as exc:
        _say(f"Cannot write {out}: {exc.strerror}")
        return EXIT_UNUSABLE
    for path in written:
        _say(f"Wrote {path}")
    return EXIT_OK
