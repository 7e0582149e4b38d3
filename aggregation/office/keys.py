"""The equity office's key pair, generated and kept on the office's own machine.

The private key is written as PKCS#8 PEM encrypted with the office's passphrase
(cryptography's best available encryption); the public key as a key document for upload.
The service never receives the private key. A passphrase file is read only when no one but
its owner can read or write it (like ssh's private keys), so that a passphrase kept beside the
key for unattended runs is at least as private as the key.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from protocol.officekey import OfficeKeyError, fingerprint, public_key_document

PRIVATE_NAME = "office-private-key.pem"
PUBLIC_NAME = "office-public-key.json"
MIN_PASSPHRASE = 12


def keypair_write(*, out_dir: Path, passphrase: str) -> tuple[Path, Path, str]:
    """Generate a key pair into ``out_dir``; returns (private path, public path, fingerprint)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise OfficeKeyError(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out_dir / PRIVATE_NAME, out_dir / PUBLIC_NAME
    if private_path.exists():
        raise OfficeKeyError(f"{private_path} already exists; refusing to overwrite an office key.")
    key = X25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path.write_text(json.dumps(public_key_document(key.public_key()), indent=2) + "\n")
    return private_path, public_path, fingerprint(key.public_key())


def private_key_load(path: Path, passphrase: str) -> X25519PrivateKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OfficeKeyError(f"Cannot read the office key {path}: {exc.strerror}.") from None
    try:
        key = serialization.load_pem_private_key(data, password=passphrase.encode())
    except (ValueError, TypeError):
        raise OfficeKeyError(
            f"Cannot open {path}: wrong passphrase, or not an office private key."
        ) from None
    if not isinstance(key, X25519PrivateKey):
        raise OfficeKeyError(f"{path} holds a {type(key).__name__}, not an X25519 office key.")
    return key


def passphrase_file_read(path: Path) -> str:
    """The passphrase in ``path`` (one line; the line break is not part of it). Refused when the
    file is missing, empty, or open to anyone but its owner (on POSIX: any group or other bit)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OfficeKeyError(f"Cannot read the passphrase file {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise OfficeKeyError(f"The passphrase file {path} is not UTF-8 text.") from None
    if os.name == "posix" and stat.S_IMODE(mode) & 0o077:
        raise OfficeKeyError(
            f"The passphrase file {path} can be read or changed by others (mode "
            f"{stat.S_IMODE(mode):04o}); make it private first: chmod 600 {path}"
        )
    passphrase = text.removesuffix("\n").removesuffix("\r")
    if not passphrase:
        raise OfficeKeyError(f"The passphrase file {path} is empty.")
    return passphrase


def passphrase_file_write(path: Path, passphrase: str) -> Path:
    """Write ``passphrase`` to a new file only its owner can read (mode 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(passphrase + "\n")
    return path
