"""The cycle key an employer seals with: which cycle, which employer, which version, which key.

Downloaded from the employer's cycle page (``talent-compact-cycle-key/1``). A bare office key
(document or PEM) is accepted too, with cycle, employer and version given on the command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from protocol.layout import layout_for
from protocol.officekey import (
    OfficeKeyError,
    fingerprint,
    fingerprint_matches,
    public_key_load,
)

CYCLE_KEY_FORMAT = "talent-compact-cycle-key/1"


@dataclass(frozen=True)
class SealTarget:
    cycle: str
    employer: int
    version: int
    taxonomy: str
    layout: str
    public_key: X25519PublicKey

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def seal_target_load(
    path: Path,
    *,
    cycle: str | None = None,
    employer: int | None = None,
    version: int | None = None,
    expect_fingerprint: str | None = None,
) -> SealTarget:
    """Read a cycle key (or a bare office key plus options); OfficeKeyError says what is wrong."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OfficeKeyError(f"Cannot read the cycle key {path}: {exc.strerror}.") from None
    doc = None
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        pass
    if isinstance(doc, dict) and doc.get("format") == CYCLE_KEY_FORMAT:
        key = public_key_load(json.dumps(doc["office_key"]))
        target = SealTarget(
            cycle=cycle or doc["cycle"],
            employer=employer or int(doc["employer"]),
            version=version or int(doc["next_version"]),
            taxonomy=doc["taxonomy"],
            layout=doc["layout"],
            public_key=key,
        )
    else:
        key = public_key_load(data)
        missing = [n for n, v in (("--cycle", cycle), ("--employer", employer)) if v is None]
        if missing:
            raise OfficeKeyError(
                f"{path} is a bare office key; give {' and '.join(missing)} too, or use the cycle key "
                "from your cycle page, which carries them."
            )
        layout = layout_for()
        target = SealTarget(
            cycle=cycle, employer=employer, version=version or 1, taxonomy=layout.taxonomy.name,
            layout=layout.layout_id, public_key=key,
        )
    if target.layout != layout_for(target.taxonomy).layout_id:
        raise OfficeKeyError(
            f"The cycle expects vector layout {target.layout}, but this client makes "
            f"{layout_for(target.taxonomy).layout_id}. Update the client."
        )
    if expect_fingerprint is not None and not fingerprint_matches(expect_fingerprint, target.fingerprint):
        raise OfficeKeyError(
            f"The office key's fingerprint is {target.fingerprint[:32]}, not the {expect_fingerprint!r} you "
            "expected. Do not submit: ask the equity office which key is right."
        )
    return target
