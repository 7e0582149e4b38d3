"""Encryption at rest for stored blobs, under a rotatable key ring.

``AT_REST_KEYS`` lists ``id:base64(32 bytes)`` entries, comma-separated; the first encrypts,
every listed key decrypts. A blob is ``TCR1 | len(id) | id | nonce(12) | AES-256-GCM(ct+tag)``
with the caller's context (e.g. "submission/2026/17/3/masked") as associated data, so a blob
cannot be moved to another row unnoticed. Rotation: put a new key first, run
``manage.py at_rest_rotate``, then drop the old key.

A single unnamed secret (the generated default) is accepted as one key with id "k0".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"TCR1"


class AtRestError(Exception):
    pass


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[0]

    def key(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise AtRestError(f"No at-rest key {key_id!r} in AT_REST_KEYS; was it removed too early?")

    def encrypt(self, plaintext: bytes, *, context: str) -> bytes:
        kid, key = self.current
        nonce = os.urandom(12)
        ct = AESGCM(key).encrypt(nonce, plaintext, context.encode())
        kid_bytes = kid.encode()
        return MAGIC + bytes([len(kid_bytes)]) + kid_bytes + nonce + ct

    def key_id_of(self, blob: bytes) -> str:
        blob = bytes(blob)
        if not blob.startswith(MAGIC):
            raise AtRestError("Not an at-rest blob.")
        n = blob[4]
        return blob[5 : 5 + n].decode()

    def decrypt(self, blob: bytes, *, context: str) -> bytes:
        blob = bytes(blob)
        kid = self.key_id_of(blob)
        start = 5 + len(kid.encode())
        nonce, ct = blob[start : start + 12], blob[start + 12 :]
        try:
            return AESGCM(self.key(kid)).decrypt(nonce, ct, context.encode())
        except InvalidTag:
            raise AtRestError(f"Stored blob for {context} fails authentication.") from None


def keyring_parse(spec: str) -> KeyRing:
    entries = [e.strip() for e in spec.split(",") if e.strip()]
    if not entries:
        raise AtRestError("AT_REST_KEYS is empty.")
    keys = []
    for entry in entries:
        if ":" not in entry:
            # A bare secret (the generated default): derive a 32-byte key from it.
            keys.append(("k0", hashlib.sha256(entry.encode()).digest()))
            continue
        kid, b64 = entry.split(":", 1)
        try:
            key = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise AtRestError(f"AT_REST_KEYS entry {kid!r} is not valid base64.") from None
        if len(key) != 32:
            raise AtRestError(f"AT_REST_KEYS entry {kid!r} must be 32 bytes, not {len(key)}.")
        keys.append((kid, key))
    ids = [k for k, _ in keys]
    if len(set(ids)) != len(ids):
        raise AtRestError("AT_REST_KEYS has the same key id twice.")
    return KeyRing(tuple(keys))


@cache
def _ring_for(spec: str) -> KeyRing:
    return keyring_parse(spec)


def keyring() -> KeyRing:
    return _ring_for(settings.AT_REST_KEYS)


def seal_at_rest(plaintext: bytes, *, context: str) -> bytes:
    return keyring().encrypt(plaintext, context=context)


def open_at_rest(blob: bytes, *, context: str) -> bytes:
    return keyring().decrypt(blob, context=context)
