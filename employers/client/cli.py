"""Command line of the employer-side client: ``python -m employers.client <command> ...``.

Subcommands come from :data:`employers.client.commands.COMMANDS`; see that package for how to
add one and for the exit codes.
"""

from __future__ import annotations

import argparse
import importlib

from employers.client.commands import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m employers.client",
        description="Talent Compact employer client: check your payroll extract locally; only sums leave your computer.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"employers.client.commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.__doc__ or module.HELP,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))
