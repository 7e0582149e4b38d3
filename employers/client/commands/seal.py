"""``seal``: check an extract, build its statistics vector, mask it and seal the seed.

Nothing readable leaves the machine: the sealed file holds a random-looking masked vector and
a seed only the equity office's key can open. Exit codes: 0 sealed, 1 the extract has errors
(nothing written), 2 unusable input or key.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from employers.client.check import check_extract
from employers.client.columns import ColumnMapError
from employers.client.commands import EXIT_ERRORS, EXIT_OK, EXIT_UNUSABLE
from employers.client.commands.check import mapping_from_args, render
from employers.client.cyclekey import seal_target_load
from employers.client.sanitise import for_terminal
from employers.client.vector import vector_from
from protocol.layout import layout_for
from protocol.officekey import OfficeKeyError, fingerprint_display
from protocol.sealing import seal

HELP = "check an extract and seal it for submission (only masked sums leave your computer)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("extract", type=Path, help="CSV or XLSX file (employee rows, or the Boston workbook)")
    parser.add_argument("--cycle-key", type=Path, required=True,
                        help="the cycle key from your cycle page (or the office's public key file)")
    parser.add_argument("--out", type=Path, default=Path("sealed.json"), help="where to write the sealed file")
    parser.add_argument("--expect-fingerprint", help="refuse unless the office key has this fingerprint")
    parser.add_argument("--version", type=int, help="submission version (default: the cycle key's next version)")
    parser.add_argument("--cycle", help="cycle, with a bare office key")
    parser.add_argument("--employer", type=int, help="your employer number, with a bare office key")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                        help='use column HEADER for FIELD (repeatable)')
    parser.add_argument("--mapping", type=Path, help="load a column mapping saved with check --save-map")
    parser.add_argument("--save-map", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--taxonomy", default="compact-2026", help=argparse.SUPPRESS)


def _say(line: str) -> None:
    print(for_terminal(line, max_length=None))


def run(args: argparse.Namespace) -> int:
    try:
        target = seal_target_load(
            args.cycle_key, cycle=args.cycle, employer=args.employer, version=args.version,
            expect_fingerprint=args.expect_fingerprint,
        )
        mapping = mapping_from_args(args)
    except (OfficeKeyError, ColumnMapError) as exc:
        _say(f"Error: {exc}")
        return EXIT_UNUSABLE
    result = check_extract(args.extract, column_map=mapping, taxonomy=target.taxonomy, display_name=str(args.extract))
    if not result.ok:
        for line in render(result):
            _say(line)
        _say("Nothing was sealed: fix the errors above and run seal again.")
        return EXIT_UNUSABLE if result.status == "unusable" else EXIT_ERRORS
    layout = layout_for(target.taxonomy)
    envelope = seal(
        elements=vector_from(result, layout), public_key=target.public_key, cycle=target.cycle,
        employer=target.employer, version=target.version, taxonomy=target.taxonomy, layout=layout.layout_id,
    )
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(envelope, fh)
    summary = result.summary
    warned = f", {len(result.warnings)} warning(s)" if result.warnings else ""
    if summary.kind == "workbook":
        _say(f"Checked the aggregated workbook {args.extract} ({summary.layout} layout){warned}.")
    else:
        _say(f"Checked {args.extract}: {summary.rows_used:,} of {summary.rows_read:,} rows used{warned}.")
    _say(f"Sealed for cycle {target.cycle}, employer {target.employer}, version {target.version} → {args.out}")
    _say(f"Office key fingerprint: {fingerprint_display(target.fingerprint)}")
    _say("Submit it with: python -m employers.client submit "
         f"{args.out} --url https://… --api-key …  (or upload it on your cycle page)")
    return EXIT_OK
