"""``submit``: send a sealed file to the service and keep the signed receipt.

Exit codes: 0 accepted, 1 refused by the service (the message says why), 2 unusable file or
the service could not be reached.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from pathlib import Path

import requests

from employers.client.commands import EXIT_ERRORS, EXIT_OK, EXIT_UNUSABLE
from employers.client.sanitise import for_terminal
from protocol.sealing import SealingError, envelope_parse

HELP = "send a sealed file to the service and save the receipt"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sealed", type=Path, help="the sealed file written by seal")
    parser.add_argument("--url", required=True, help="the service, e.g. https://compact.example.org")
    parser.add_argument("--api-key", help="your organisation's API key (or TALENT_API_KEY)")
    parser.add_argument("--receipt", type=Path, help="where to save the receipt (default receipt-CYCLE-vN.json)")


def _say(line: str) -> None:
    print(for_terminal(line, max_length=None))


def local_time(iso: str) -> str:
    """A service timestamp in this computer's time zone, as a person reads it: '14 April 2026, 15:05 EDT'."""
    try:
        when = datetime.fromisoformat(iso).astimezone()
    except (TypeError, ValueError):
        return str(iso)
    return f"{when.day} {when:%B %Y, %H:%M} {when.tzname()}"


def submission_send(*, sealed: bytes, url: str, api_key: str, timeout: float = 120) -> requests.Response:
    """POST a sealed file; the cycle comes from the file itself."""
    cycle = json.loads(sealed)["cycle"]
    return requests.post(
        f"{url.rstrip('/')}/api/v1/cycles/{cycle}/submissions",
        data=sealed,
        headers={"Authorization": f"Api-Key {api_key}", "Content-Type": "application/json"},
        timeout=timeout,
    )


def run(args: argparse.Namespace) -> int:
    api_key = args.api_key or os.environ.get("TALENT_API_KEY")
    if not api_key:
        _say("Error: give your API key with --api-key or TALENT_API_KEY.")
        return EXIT_UNUSABLE
    try:
        sealed = args.sealed.read_bytes()
        envelope_parse(json.loads(sealed))
    except OSError as exc:
        _say(f"Error: cannot read {args.sealed}: {exc.strerror}.")
        return EXIT_UNUSABLE
    except (ValueError, SealingError) as exc:
        _say(f"Error: {args.sealed} is not a usable sealed file: {exc}")
        return EXIT_UNUSABLE
    try:
        response = submission_send(sealed=sealed, url=args.url, api_key=api_key)
    except requests.RequestException as exc:
        _say(f"Error: could not reach {args.url}: {type(exc).__name__}. Nothing was submitted.")
        return EXIT_UNUSABLE
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:300]}
    if response.status_code != 201:
        _say(f"Refused ({response.status_code}): {body.get('detail', body)}")
        return EXIT_ERRORS
    receipt_path = args.receipt or Path(f"receipt-{body['cycle']}-v{body['version']}.json")
    receipt_path.write_text(json.dumps(body, indent=2) + "\n")
    _say(f"Accepted: cycle {body['cycle']}, version {body['version']}, received {local_time(body['received_at'])}"
         f"{' (late)' if body.get('late') else ''}.")
    _say(f"Receipt saved to {receipt_path}. Keep it: it proves what you submitted.")
    return EXIT_OK
