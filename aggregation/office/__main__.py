"""``python -m aggregation.office keygen|unmask|status`` — the equity office's command line.

The passphrase of the office key comes from ``--passphrase-file`` (a file only its owner can
read: ``chmod 600``), else from ``TALENT_OFFICE_PASSPHRASE``, else from a prompt on the terminal;
without a terminal the command refuses and says how to give it.

Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage or unreadable input,
3 the service is still working when the wait ended (it carries on; ``status`` follows it).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

import requests

from aggregation.office.follow import RUNNING, job_follow, status_describe
from aggregation.office.keys import keypair_write, passphrase_file_read, private_key_load
from aggregation.office.unmask_client import (
    DEFAULT_MIN_COHORT,
    OfficeApi,
    UnmaskRefused,
    mask_sums_send,
)
from protocol.officekey import OfficeKeyError, fingerprint_display
from protocol.sealing import SealingError

DEFAULT_WAIT = 1800
NO_TERMINAL = (
    "There is no terminal to ask for the office key's passphrase. Give --passphrase-file PATH "
    "(a file holding only the passphrase, readable by you alone: chmod 600 PATH) or set "
    "TALENT_OFFICE_PASSPHRASE."
)


def _terminal_available() -> bool:
    """Whether getpass can prompt without echo: it asks on the controlling terminal."""
    if os.name == "posix":
        try:
            with open("/dev/tty"):
                return True
        except OSError:
            return False
    return sys.stdin is not None and sys.stdin.isatty()


def _passphrase(args, *, confirm: bool) -> str:
    if args.passphrase_file:
        return passphrase_file_read(Path(args.passphrase_file))
    if os.environ.get("TALENT_OFFICE_PASSPHRASE"):
        return os.environ["TALENT_OFFICE_PASSPHRASE"]
    if not _terminal_available():
        raise OfficeKeyError(NO_TERMINAL)
    try:
        first = getpass.getpass("Office key passphrase: ")
        if confirm and getpass.getpass("Repeat the passphrase: ") != first:
            raise OfficeKeyError("The two passphrases differ.")
    except EOFError:
        raise OfficeKeyError(NO_TERMINAL) from None
    return first


def _api_key(args) -> str | None:
    return args.api_key or os.environ.get("TALENT_API_KEY")


def cmd_keygen(args) -> int:
    private_path, public_path, fp = keypair_write(out_dir=Path(args.out), passphrase=_passphrase(args, confirm=True))
    print(f"Private key (keep it on this machine): {private_path}")
    print(f"Public key (register it on the cycle):  {public_path}")
    print(f"Fingerprint: {fingerprint_display(fp)}")
    print("Give employers this fingerprint out of band so that they can check it.")
    return 0


def cmd_unmask(args) -> int:
    api_key = _api_key(args)
    if not api_key:
        print("Give an office API key with --api-key or TALENT_API_KEY (make one on the service's "
              "Office keys page, /office/keys/).", file=sys.stderr)
        return 2
    key = private_key_load(Path(args.key), _passphrase(args, confirm=False))
    api = OfficeApi(args.url, api_key)
    mask_sums_send(
        api=api,
        cycle=args.cycle,
        private_key=key,
        min_cohort_employers=args.min_cohort_employers,
        expect_fingerprint=args.expect_fingerprint,
    )
    print(f"Mask sums sent; the service now adds them to its sums of masked vectors and then builds the "
          f"release (cycle {args.cycle}). Following it for up to {args.wait} s.", flush=True)
    outcome = job_follow(api=api, cycle=args.cycle, start=True, wait=args.wait,
                         say=lambda line: print(line, flush=True))
    print(outcome.line, file=sys.stderr if outcome.code == 1 else sys.stdout)
    return outcome.code


def cmd_status(args) -> int:
    api_key = _api_key(args)
    if not api_key:
        print("Give an office API key with --api-key or TALENT_API_KEY.", file=sys.stderr)
        return 2
    api = OfficeApi(args.url, api_key)
    if args.wait <= 0:
        line, outcome = status_describe(api.status(args.cycle), base=api.base)
        print(line)
        return outcome.code if outcome is not None else RUNNING
    outcome = job_follow(api=api, cycle=args.cycle, start=False, wait=args.wait,
                         say=lambda line: print(line, flush=True))
    print(outcome.line, file=sys.stderr if outcome.code == 1 else sys.stdout)
    return outcome.code


def _wait(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give whole seconds, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the wait cannot be negative")
    return value


PASSPHRASE_HELP = ("read the key's passphrase from this file, which only you may read (chmod 600); "
                   "else TALENT_OFFICE_PASSPHRASE, else a prompt on the terminal")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aggregation.office", description=__doc__.splitlines()[0],
                                     epilog="Exit codes: 0 done, 1 refused or failed, 2 bad usage or unreadable "
                                            "input, 3 still running when the wait ended.")
    sub = parser.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="make the office key pair on this machine")
    keygen.add_argument("--out", required=True, help="directory for the two key files")
    keygen.add_argument("--passphrase-file", metavar="PATH", help=PASSPHRASE_HELP)
    keygen.set_defaults(run=cmd_keygen)
    unmask = sub.add_parser("unmask", help="open the seeds of a closed cycle, upload the mask sums, follow the job")
    unmask.add_argument("--cycle", required=True)
    unmask.add_argument("--key", required=True, help="the office private key file")
    unmask.add_argument("--url", required=True, help="the service, e.g. https://compact.example.org")
    unmask.add_argument("--api-key", help="an office API key (or TALENT_API_KEY)")
    unmask.add_argument("--passphrase-file", metavar="PATH", help=PASSPHRASE_HELP)
    unmask.add_argument("--min-cohort-employers", type=int, default=DEFAULT_MIN_COHORT)
    unmask.add_argument("--expect-fingerprint", help="refuse unless the key has this fingerprint")
    unmask.add_argument("--wait", type=_wait, default=DEFAULT_WAIT, metavar="SECONDS",
                        help=f"follow the summing and the release build for at most this long (default {DEFAULT_WAIT})")
    unmask.set_defaults(run=cmd_unmask)
    status = sub.add_parser("status", help="the unmask and release build of a cycle; --wait follows them")
    status.add_argument("--cycle", required=True)
    status.add_argument("--url", required=True)
    status.add_argument("--api-key", help="an office API key (or TALENT_API_KEY)")
    status.add_argument("--wait", type=_wait, default=0, metavar="SECONDS",
                        help="follow the job for at most this long (default 0: say where it is and stop)")
    status.set_defaults(run=cmd_status)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (UnmaskRefused, SealingError) as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 1
    except requests.RequestException as exc:
        print(f"Error: cannot reach the service at {args.url}: {type(exc).__name__}. Check the URL and that "
              "the service is running.", file=sys.stderr)
        return 2
    except (OfficeKeyError, OSError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Stopped. Whatever the service had started carries on; `status` follows it.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
