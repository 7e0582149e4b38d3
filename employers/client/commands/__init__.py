"""Subcommands of ``python -m employers.client``.

Each entry of :data:`COMMANDS` names a module of this package that defines ``HELP`` (one line),
``configure(parser)`` (adds its arguments to an ``argparse`` sub-parser) and ``run(args) ->
int`` (the exit code). Adding a subcommand (``seal``, ``submit``, ``benchmark``) means adding a
module and its name here; nothing else changes.

Exit codes shared by all subcommands: 0 success, 1 the input has errors, 2 the input or the
command line is unusable (unreadable file, unknown option).
"""

COMMANDS: tuple[str, ...] = ("template", "check", "layout", "seal", "submit", "benchmark")

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_UNUSABLE = 2
