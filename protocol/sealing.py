"""Sealing: the employer's vector becomes a masked vector plus a seed only the office can open.

Protocol (``talent-compact-sealed/1``, docs/protocol.md):

1. draw a 32-byte seed from the OS;
2. mask = AES-256-CTR keystream, key = HKDF-SHA256(seed, info "talent-compact/mask/1"),
   counter block starting at zero, read as little-endian uint64 — one element per vector element;
3. masked = vector − mask in Z/2^64;
4. binding = "talent-compact/seal/1\\n" + canonical JSON of cycle, employer, version, taxonomy,
   layout, office key fingerprint and SHA-256 of the masked bytes;
5. sealed seed = HPKE base mode (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM)
   of the seed to the office's public key, with the binding as HPKE ``info``.

Guarantees: the masked vector alone is uniformly random; the sealed seed opens only with the
office's private key and only under the exact binding it was made for, so a seed cannot be
replayed for another cycle, employer, version or masked vector.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from protocol.officekey import fingerprint

ENVELOPE_FORMAT = "talent-compact-sealed/1"
MASK_INFO = b"talent-compact/mask/1"
BINDING_PREFIX = b"talent-compact/seal/1\n"
SEED_BYTES = 32
SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_128_GCM)
# enc (32) + seed (32) + GCM tag (16)
SEALED_SEED_BYTES = 32 + SEED_BYTES + 16
ELEMENT = np.dtype("<u8")
# The highest submission version an envelope may carry (the service's version column is a
# 32-bit integer); the service accepts far less (employers.services.submissions).
VERSION_MAX = 2**31 - 1


class SealingError(ValueError):
    """An envelope that cannot be used, with a message saying what is wrong."""


def mask_expand(seed: bytes, length: int) -> np.ndarray:
    """The mask for ``length`` elements: uint64 words of the seed's AES-256-CTR keystream."""
    if len(seed) != SEED_BYTES:
        raise SealingError(f"A seed has {SEED_BYTES} bytes, not {len(seed)}.")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MASK_INFO).derive(seed)
    encryptor = Cipher(algorithms.AES(key), modes.CTR(b"\x00" * 16)).encryptor()
    stream = encryptor.update(bytes(length * ELEMENT.itemsize)) + encryptor.finalize()
    return np.frombuffer(stream, dtype=ELEMENT).astype(np.uint64)


def ring_sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.subtract(a.astype(np.uint64), b.astype(np.uint64), dtype=np.uint64)


def ring_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.add(a.astype(np.uint64), b.astype(np.uint64), dtype=np.uint64)


def elements_to_bytes(elements: np.ndarray) -> bytes:
    return np.asarray(elements, dtype=np.uint64).astype(ELEMENT).tobytes()


def elements_from_bytes(data: bytes) -> np.ndarray:
    if len(data) % ELEMENT.itemsize:
        raise SealingError(f"A vector is a whole number of 8-byte elements; got {len(data)} bytes.")
    return np.frombuffer(data, dtype=ELEMENT).astype(np.uint64)


@dataclass(frozen=True)
class Binding:
    """What a sealed seed is bound to. Any change makes the seed impossible to open."""

    cycle: str
    employer: int
    version: int
    taxonomy: str
    layout: str
    key_fingerprint: str
    masked_sha256: str

    def info(self) -> bytes:
        fields = {
            "cycle": self.cycle,
            "employer": self.employer,
            "version": self.version,
            "taxonomy": self.taxonomy,
            "layout": self.layout,
            "key_fingerprint": self.key_fingerprint,
            "masked_sha256": self.masked_sha256,
        }
        return BINDING_PREFIX + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def seal(
    *,
    elements: np.ndarray,
    public_key: X25519PublicKey,
    cycle: str,
    employer: int,
    version: int,
    taxonomy: str,
    layout: str,
    seed: bytes | None = None,
) -> dict:
    """The sealed envelope (a JSON-ready dict) for one employer's vector."""
    if not 1 <= version <= VERSION_MAX:
        raise SealingError(f"A submission version is a whole number from 1 to {VERSION_MAX:,}; got {version:,}.")
    seed = os.urandom(SEED_BYTES) if seed is None else seed
    masked = ring_sub(elements, mask_expand(seed, len(elements)))
    masked_bytes = elements_to_bytes(masked)
    binding = Binding(
        cycle=cycle,
        employer=int(employer),
        version=int(version),
        taxonomy=taxonomy,
        layout=layout,
        key_fingerprint=fingerprint(public_key),
        masked_sha256=hashlib.sha256(masked_bytes).hexdigest(),
    )
    sealed_seed = SUITE.encrypt(seed, public_key, info=binding.info())
    return {
        "format": ENVELOPE_FORMAT,
        "cycle": binding.cycle,
        "employer": binding.employer,
        "version": binding.version,
        "taxonomy": binding.taxonomy,
        "layout": binding.layout,
        "key_fingerprint": binding.key_fingerprint,
        "masked_sha256": binding.masked_sha256,
        "elements": len(elements),
        "masked_vector": base64.b64encode(masked_bytes).decode(),
        "sealed_seed": base64.b64encode(sealed_seed).decode(),
        "sealed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


@dataclass(frozen=True)
class Envelope:
    """A parsed, self-consistent envelope. It says nothing yet about whether a cycle accepts it."""

    binding: Binding
    masked_bytes: bytes
    sealed_seed: bytes

    @property
    def elements(self) -> int:
        return len(self.masked_bytes) // ELEMENT.itemsize


def _b64(doc: dict, name: str) -> bytes:
    value = doc.get(name)
    if not isinstance(value, str) or not value:
        raise SealingError(f"The sealed file has no {name}.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SealingError(f"The sealed file's {name} is not valid base64: the file was altered.") from None


def envelope_parse(doc) -> Envelope:
    """Check an envelope's shape and its internal consistency (hash, lengths)."""
    if not isinstance(doc, dict):
        raise SealingError("A sealed file is a JSON object; this is not.")
    if doc.get("format") != ENVELOPE_FORMAT:
        raise SealingError(
            f"This is not a Talent Compact sealed file (format {doc.get('format')!r}, "
            f"expected {ENVELOPE_FORMAT!r})."
        )
    missing = [
        k for k in ("cycle", "employer", "version", "taxonomy", "layout", "key_fingerprint", "masked_sha256")
        if k not in doc
    ]
    if missing:
        raise SealingError(f"The sealed file lacks {', '.join(missing)}.")
    for name in ("employer", "version"):
        if isinstance(doc[name], bool) or not isinstance(doc[name], int) or doc[name] < 1:
            raise SealingError(f"The sealed file's {name} must be a positive whole number.")
    if doc["version"] > VERSION_MAX:
        raise SealingError(
            f"The sealed file's version is {doc['version']:,}; a version is a whole number from 1 to "
            f"{VERSION_MAX:,}."
        )
    masked = _b64(doc, "masked_vector")
    sealed_seed = _b64(doc, "sealed_seed")
    if len(masked) % ELEMENT.itemsize:
        raise SealingError("The masked vector is not a whole number of 8-byte elements.")
    if hashlib.sha256(masked).hexdigest() != doc["masked_sha256"]:
        raise SealingError(
            "The masked vector does not match its recorded hash: the sealed file was altered "
            "after sealing. Seal the extract again."
        )
    if len(sealed_seed) != SEALED_SEED_BYTES:
        raise SealingError(
            f"The sealed seed has {len(sealed_seed)} bytes instead of {SEALED_SEED_BYTES}: the "
            "sealed file was altered."
        )
    binding = Binding(
        cycle=str(doc["cycle"]),
        employer=doc["employer"],
        version=doc["version"],
        taxonomy=str(doc["taxonomy"]),
        layout=str(doc["layout"]),
        key_fingerprint=str(doc["key_fingerprint"]),
        masked_sha256=str(doc["masked_sha256"]),
    )
    return Envelope(binding=binding, masked_bytes=masked, sealed_seed=sealed_seed)


def seed_open(*, binding: Binding, sealed_seed: bytes, private_key: X25519PrivateKey) -> bytes:
    """The office's side: open a sealed seed under the binding the service reports for it."""
    try:
        seed = SUITE.decrypt(sealed_seed, private_key, info=binding.info())
    except Exception:  # cryptography raises InvalidTag or ValueError; both mean "refuse"
        raise SealingError(
            f"The seed of employer {binding.employer} version {binding.version} does not open under "
            "its binding: the cycle, employer, version, vector hash or office key differ from what "
            "the employer sealed."
        ) from None
    if len(seed) != SEED_BYTES:
        raise SealingError("A sealed seed opened to the wrong length.")
    return seed


def new_private_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()
