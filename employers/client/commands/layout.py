"""``layout``: print the statistics vector's layout as JSON."""

from __future__ import annotations

import argparse
import json

from employers.client.commands import EXIT_OK
from protocol.layout import layout_for

HELP = "print the statistics vector's layout (blocks, offsets, lengths) as JSON"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--taxonomy", default="compact-2026", help="taxonomy name (default compact-2026)")


def run(args: argparse.Namespace) -> int:
    layout = layout_for(args.taxonomy)
    print(json.dumps({"layout_id": layout.layout_id, **layout.describe()}, indent=1))
    return EXIT_OK
