"""The equity office's public key as employers and the service see it.

A public key travels as a small JSON document (``talent-compact-office-key/1``) holding the raw
X25519 key in base64 and its fingerprint; PEM (SubjectPublicKeyInfo) is accepted too. The
fingerprint is the SHA-256 of the raw 32-byte key, in hex; people compare its first groups.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

PUBLIC_FORMAT = "talent-compact-office-key/1"


class OfficeKeyError(ValueError):
    """A key that cannot be used, with a message saying why."""


def raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: X25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()


def fingerprint_display(fp: str) -> str:
    """``ab12cd34…`` as ``AB12 CD34 …`` (first 32 hex digits), for reading aloud."""
    head = fp[:32].upper()
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))


def fingerprint_matches(expected: str, actual: str) -> bool:
    """True when ``expected`` (any case, spaces allowed, at least 16 hex digits) prefixes ``actual``."""
    cleaned = "".join(expected.split()).lower()
    if len(cleaned) < 16 or any(c not in "0123456789abcdef" for c in cleaned):
        raise OfficeKeyError(
            "An expected fingerprint needs at least 16 hexadecimal digits, as printed by keygen."
        )
    return actual.lower().startswith(cleaned)


def public_key_document(key: X25519PublicKey) -> dict:
    return {
        "format": PUBLIC_FORMAT,
        "kem": "X25519",
        "public_key": base64.b64encode(raw_public(key)).decode(),
        "fingerprint": fingerprint(key),
    }


def public_key_load(data: bytes | str) -> X25519PublicKey:
    """A public key from a key document or PEM; OfficeKeyError with a reason otherwise."""
    if isinstance(data, str):
        data = data.encode()
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text)
        except ValueError:
            raise OfficeKeyError("The PEM file does not hold a readable public key.") from None
        if not isinstance(key, X25519PublicKey):
            raise OfficeKeyError(f"The key is {type(key).__name__}, not an X25519 public key.")
        return key
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise OfficeKeyError(
            "The key file is neither a Talent Compact key document (JSON) nor PEM."
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != PUBLIC_FORMAT:
        raise OfficeKeyError(f"The key document's format is not {PUBLIC_FORMAT!r}.")
    if "private_key" in doc or "encrypted_private_key" in doc:
        raise OfficeKeyError("This is the office's PRIVATE key file. Upload only the public key.")
    try:
        raw = base64.b64decode(doc.get("public_key", ""), validate=True)
    except (binascii.Error, ValueError):
        raise OfficeKeyError("The key document's public_key is not valid base64.") from None
    if len(raw) != 32:
        raise OfficeKeyError(f"An X25519 public key has 32 bytes; this one has {len(raw)}.")
    key = X25519PublicKey.from_public_bytes(raw)
    if doc.get("fingerprint") and doc["fingerprint"].lower() != fingerprint(key):
        raise OfficeKeyError("The key document's fingerprint does not match its key: it was altered.")
    return key
