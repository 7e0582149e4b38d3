"""Write tests/vectors/sealing-v1.json: fixed keys, seeds and vectors → expected sealed output.

Run it only when the protocol or the layout changes on purpose:
    .venv/bin/python -m tests.vectors.make_sealing_vectors
Any other implementation (the browser page) must reproduce every expected field.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from protocol.layout import layout_for
from protocol.officekey import fingerprint, raw_public
from protocol.sealing import Binding, elements_to_bytes, mask_expand, ring_sub
from tests.vectors.hpke_reference import seal_base

PATH = Path(__file__).with_name("sealing-v1.json")


def _key(label: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def case(name: str, *, nonzero: dict[int, int], employer: int, version: int, seed_label: str) -> dict:
    layout = layout_for()
    office, ephemeral = _key("office key for test vectors"), _key(f"ephemeral {name}")
    seed = hashlib.sha256(seed_label.encode()).digest()
    vector = np.zeros(layout.length, dtype=np.uint64)
    for index, value in nonzero.items():
        vector[index] = np.uint64(value)
    mask = mask_expand(seed, layout.length)
    masked_bytes = elements_to_bytes(ring_sub(vector, mask))
    binding = Binding(
        cycle="2026", employer=employer, version=version, taxonomy="compact-2026", layout=layout.layout_id,
        key_fingerprint=fingerprint(office.public_key()), masked_sha256=hashlib.sha256(masked_bytes).hexdigest(),
    )
    sealed = seal_base(ephemeral=ephemeral, recipient=office.public_key(), info=binding.info(), aad=b"", plaintext=seed)
    return {
        "name": name,
        "inputs": {
            "office_private_key": office.private_bytes_raw().hex(),
            "office_public_key": raw_public(office.public_key()).hex(),
            "ephemeral_private_key": ephemeral.private_bytes_raw().hex(),
            "seed": seed.hex(),
            "cycle": binding.cycle,
            "employer": employer,
            "version": version,
            "taxonomy": binding.taxonomy,
            "layout": binding.layout,
            "elements": layout.length,
            "nonzero": [[i, str(v)] for i, v in sorted(nonzero.items())],
        },
        "expected": {
            "key_fingerprint": binding.key_fingerprint,
            "mask_first": [str(int(x)) for x in mask[:4]],
            "mask_last": [str(int(x)) for x in mask[-4:]],
            "mask_sha256": hashlib.sha256(elements_to_bytes(mask)).hexdigest(),
            "masked_sha256": binding.masked_sha256,
            "binding_info": binding.info().decode(),
            "sealed_seed": sealed.hex(),
        },
    }


def build() -> dict:
    layout = layout_for()
    comp = layout.block("comp_sum").offset
    wide = layout.block("comp_sumsq").offset
    return {
        "format": "talent-compact-sealing-vectors/1",
        "suite": "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM; mask AES-256-CTR(HKDF-SHA256(seed))",
        "cases": [
            case("zero vector", nonzero={0: 1}, employer=1, version=1, seed_label="seed one"),
            case(
                "values at the element bounds",
                nonzero={0: 1, comp: 8_500_000_00, comp + 1: (1 << 64) - 1, wide: 0xFFFFFFFF, wide + 3: 0x7FFFFFFF},
                employer=42,
                version=3,
                seed_label="seed two",
            ),
        ],
    }


if __name__ == "__main__":
    PATH.write_text(json.dumps(build(), indent=1) + "\n")
    print(f"wrote {PATH}")
