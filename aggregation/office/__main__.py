"""``python -m aggregation.office keygen|unmask`` — the equity office's command line.

Exit codes: 0 done, 1 refused (the message says why), 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from aggregation.office.keys import keypair_write, private_key_load
from aggregation.office.unmask_client import (
    DEFAULT_MIN_COHORT,
    OfficeApi,
    UnmaskRefused,
    unmask_remote,
)
from protocol.officekey import OfficeKeyError, fingerprint_display
from protocol.sealing import SealingError


def _passphrase(args, *, confirm: bool) -> str:
    if args.passphrase_file:
        return Path(args.passphrase_file).read_text().rstrip("\n")
    if os.environ.get("TALENT_OFFICE_PASSPHRASE"):
        return os.environ["TALENT_OFFICE_PASSPHRASE"]
    first = getpass.getpass("Office key passphrase: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise OfficeKeyError("The two passphrases differ.")
    return first


def cmd_keygen(args) -> int:
    private_path, public_path, fp = keypair_write(out_dir=Path(args.out), passphrase=_passphrase(args, confirm=True))
    print(f"Private key (keep it on this machine): {private_path}")
    print(f"Public key (register it on the cycle):  {public_path}")
    print(f"Fingerprint: {fingerprint_display(fp)}")
    print("Give employers this fingerprint out of band so that they can check it.")
    return 0


def cmd_unmask(args) -> int:
    key = private_key_load(Path(args.key), _passphrase(args, confirm=False))
    api_key = args.api_key or os.environ.get("TALENT_API_KEY")
    if not api_key:
        print("Give an office API key with --api-key or TALENT_API_KEY.", file=sys.stderr)
        return 2
    status = unmask_remote(
        api=OfficeApi(args.url, api_key),
        cycle=args.cycle,
        private_key=key,
        min_cohort_employers=args.min_cohort_employers,
        expect_fingerprint=args.expect_fingerprint,
    )
    print(f"Unmask {status['state']}: the service is adding the mask sums ({status['processed']}/{status['total']}).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aggregation.office", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="make the office key pair on this machine")
    keygen.add_argument("--out", required=True, help="directory for the two key files")
    keygen.add_argument("--passphrase-file", help="read the passphrase from this file (else prompt)")
    keygen.set_defaults(run=cmd_keygen)
    unmask = sub.add_parser("unmask", help="open the seeds of a closed cycle and upload the mask sums")
    unmask.add_argument("--cycle", required=True)
    unmask.add_argument("--key", required=True, help="the office private key file")
    unmask.add_argument("--url", required=True, help="the service, e.g. https://compact.example.org")
    unmask.add_argument("--api-key", help="an office API key (or TALENT_API_KEY)")
    unmask.add_argument("--passphrase-file")
    unmask.add_argument("--min-cohort-employers", type=int, default=DEFAULT_MIN_COHORT)
    unmask.add_argument("--expect-fingerprint", help="refuse unless the key has this fingerprint")
    unmask.set_defaults(run=cmd_unmask)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (UnmaskRefused, SealingError) as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 1
    except (OfficeKeyError, OSError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
