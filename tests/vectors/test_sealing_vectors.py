"""The checked-in sealing vectors: the reference HPKE matches RFC 9180, and Python reproduces
every expected field (the browser page is held to the same file)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from protocol.officekey import fingerprint
from protocol.sealing import (
    SUITE,
    Binding,
    elements_to_bytes,
    mask_expand,
    ring_sub,
    seed_open,
)
from tests.vectors import hpke_reference
from tests.vectors.make_sealing_vectors import PATH, build

RFC_A11 = {
    "skEm": "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
    "skRm": "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
    "info": "4f6465206f6e2061204772656369616e2055726e",
    "enc": "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    "shared_secret": "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
    "key": "4531685d41d65f03dc48f6b8302c05b0",
    "pt": "4265617574792069732074727574682c20747275746820626561757479",
    "aad": "436f756e742d30",
    "ct": "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
}


def _priv(hex_: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(bytes.fromhex(hex_))


def test_the_reference_sealer_reproduces_rfc_9180_a_1_1():
    e, r = _priv(RFC_A11["skEm"]), _priv(RFC_A11["skRm"])
    ks = hpke_reference.key_schedule(ephemeral=e, recipient=r.public_key(), info=bytes.fromhex(RFC_A11["info"]))
    assert ks["enc"].hex() == RFC_A11["enc"]
    assert ks["shared_secret"].hex() == RFC_A11["shared_secret"]
    assert ks["key"].hex() == RFC_A11["key"]
    out = hpke_reference.seal_base(
        ephemeral=e, recipient=r.public_key(), info=bytes.fromhex(RFC_A11["info"]),
        aad=bytes.fromhex(RFC_A11["aad"]), plaintext=bytes.fromhex(RFC_A11["pt"]),
    )
    assert out[32:].hex() == RFC_A11["ct"]


def test_the_checked_in_vectors_are_what_the_code_produces_now():
    assert json.loads(PATH.read_text()) == build()


def test_python_reproduces_every_expected_field_and_opens_the_seed():
    for case in json.loads(PATH.read_text())["cases"]:
        i, x = case["inputs"], case["expected"]
        office = _priv(i["office_private_key"])
        seed = bytes.fromhex(i["seed"])
        vector = np.zeros(i["elements"], dtype=np.uint64)
        for index, value in i["nonzero"]:
            vector[index] = np.uint64(int(value))
        mask = mask_expand(seed, i["elements"])
        assert [str(int(v)) for v in mask[:4]] == x["mask_first"]
        assert hashlib.sha256(elements_to_bytes(mask)).hexdigest() == x["mask_sha256"]
        masked = elements_to_bytes(ring_sub(vector, mask))
        assert hashlib.sha256(masked).hexdigest() == x["masked_sha256"]
        assert fingerprint(office.public_key()) == x["key_fingerprint"]
        binding = Binding(
            cycle=i["cycle"], employer=i["employer"], version=i["version"], taxonomy=i["taxonomy"],
            layout=i["layout"], key_fingerprint=x["key_fingerprint"], masked_sha256=x["masked_sha256"],
        )
        assert binding.info().decode() == x["binding_info"]
        sealed = bytes.fromhex(x["sealed_seed"])
        assert seed_open(binding=binding, sealed_seed=sealed, private_key=office) == seed
        assert SUITE.decrypt(sealed, office, info=binding.info()) == seed
