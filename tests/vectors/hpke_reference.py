"""A deterministic RFC 9180 base-mode sealer, for test vectors only.

cryptography's HPKE draws the ephemeral key itself, so it cannot make reproducible test
vectors; this reference takes the ephemeral key as input. It is checked against RFC 9180's own
test vector (A.1.1) and against cryptography's decryption, and it is never used at run time.
Suite: DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEM_ID, KDF_ID, AEAD_ID = 0x0020, 0x0001, 0x0001
KEM_SUITE = b"KEM" + KEM_ID.to_bytes(2, "big")
HPKE_SUITE = b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + AEAD_ID.to_bytes(2, "big")


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return _expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_schedule(*, ephemeral: X25519PrivateKey, recipient: X25519PublicKey, info: bytes) -> dict:
    enc = _raw(ephemeral.public_key())
    dh = ephemeral.exchange(recipient)
    kem_context = enc + _raw(recipient)
    eae_prk = _labeled_extract(KEM_SUITE, b"", b"eae_prk", dh)
    shared_secret = _labeled_expand(KEM_SUITE, eae_prk, b"shared_secret", kem_context, 32)
    psk_id_hash = _labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(HPKE_SUITE, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = _labeled_extract(HPKE_SUITE, shared_secret, b"secret", b"")
    return {
        "enc": enc,
        "shared_secret": shared_secret,
        "key": _labeled_expand(HPKE_SUITE, secret, b"key", context, 16),
        "base_nonce": _labeled_expand(HPKE_SUITE, secret, b"base_nonce", context, 12),
    }


def seal_base(*, ephemeral: X25519PrivateKey, recipient: X25519PublicKey, info: bytes, aad: bytes,
              plaintext: bytes) -> bytes:
    """enc || ciphertext, as cryptography's single-shot Suite.encrypt lays it out."""
    ks = key_schedule(ephemeral=ephemeral, recipient=recipient, info=info)
    return ks["enc"] + AESGCM(ks["key"]).encrypt(ks["base_nonce"], plaintext, aad)
