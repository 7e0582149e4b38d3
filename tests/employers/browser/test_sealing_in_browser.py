"""The checked-in sealing vectors pass in the browser: the page's WebCrypto code reproduces every
expected field of tests/vectors/sealing-v1.json (mask first and last words, mask and masked
hashes, key fingerprint, binding info, and the exact sealed seed given the fixed ephemeral
key), and its HPKE reproduces RFC 9180 A.1.1. The Python office opens what the page seals."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from protocol.layout import layout_for
from protocol.officekey import public_key_document
from protocol.sealing import envelope_parse, mask_expand, ring_add, seed_open
from tests.vectors.make_sealing_vectors import PATH
from tests.vectors.test_sealing_vectors import RFC_A11

CASE_IN_PAGE = """async ([inputs]) => {
  const s = await import('/static/employers/browser/sealing.js');
  const seed = s.fromHex(inputs.seed);
  const vector = new BigUint64Array(inputs.elements);
  for (const [index, value] of inputs.nonzero) vector[index] = BigInt(value);
  const mask = await s.maskExpand(seed, inputs.elements);
  const target = {cycle: inputs.cycle, employer: inputs.employer, next_version: inputs.version,
                  taxonomy: inputs.taxonomy, layout: inputs.layout,
                  office_key: {public_key: s.base64(s.fromHex(inputs.office_public_key))}};
  const ephemeral = await s.ephemeralFromRaw(s.fromHex(inputs.ephemeral_private_key));
  const envelope = await s.seal(vector, target, {seed, ephemeral});
  return {
    mask_first: [...mask.slice(0, 4)].map(String),
    mask_last: [...mask.slice(-4)].map(String),
    mask_sha256: s.hex(await s.sha256(s.elementsToBytes(mask))),
    masked_sha256: envelope.masked_sha256,
    key_fingerprint: envelope.key_fingerprint,
    binding_info: new TextDecoder().decode(s.bindingInfo(envelope)),
    sealed_seed: s.hex(s.fromBase64(envelope.sealed_seed)),
    envelope,
  };
}"""

RFC_IN_PAGE = """async ([v]) => {
  const s = await import('/static/employers/browser/sealing.js');
  const ephemeral = await s.ephemeralFromRaw(s.fromHex(v.skEm));
  const recipient = await s.ephemeralFromRaw(s.fromHex(v.skRm));
  const recipientRaw = new Uint8Array(await crypto.subtle.exportKey('raw', recipient.publicKey));
  const out = await s.sealBaseWith(ephemeral, recipientRaw, s.fromHex(v.info), s.fromHex(v.aad), s.fromHex(v.pt));
  return {enc: s.hex(out.enc), shared_secret: s.hex(out.sharedSecret), key: s.hex(out.key), ct: s.hex(out.ct)};
}"""


@pytest.fixture(scope="module")
def browser_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    yield context.new_page()
    context.close()


@pytest.fixture
def origin_page(browser_page, transactional_db):
    """A page on the service's origin (a secure context, so WebCrypto is there)."""
    browser_page.goto("/taxonomy/compact-2026/checks.json")
    return browser_page


@pytest.mark.parametrize("index", [0, 1])
def test_the_checked_in_sealing_vectors_pass_in_the_browser(origin_page, index):
    case = json.loads(PATH.read_text())["cases"][index]
    got = origin_page.evaluate(CASE_IN_PAGE, [case["inputs"]])
    for field, expected in case["expected"].items():
        assert got[field] == expected, field


def test_the_browser_hpke_reproduces_rfc_9180_a_1_1(origin_page):
    got = origin_page.evaluate(RFC_IN_PAGE, [RFC_A11])
    assert got == {k: RFC_A11[k] for k in ("enc", "shared_secret", "key", "ct")}


def test_the_office_opens_a_seed_the_page_sealed_with_a_fresh_random_seed_and_key(origin_page):
    office = X25519PrivateKey.generate()
    layout = layout_for()
    rng = np.random.default_rng(5)
    vector = rng.integers(0, 2**63, size=layout.length, dtype=np.uint64)
    got = origin_page.evaluate(
        """async ([b64, key, layout]) => {
          const s = await import('/static/employers/browser/sealing.js');
          const bytes = s.fromBase64(b64);
          const view = new DataView(bytes.buffer);
          const vector = new BigUint64Array(bytes.length / 8);
          for (let i = 0; i < vector.length; i++) vector[i] = view.getBigUint64(8 * i, true);
          const one = await s.seal(vector, {cycle: '2026', employer: 7, next_version: 2, taxonomy: 'compact-2026', layout, office_key: key});
          const two = await s.seal(vector, {cycle: '2026', employer: 7, next_version: 2, taxonomy: 'compact-2026', layout, office_key: key});
          return [one, two];
        }""",
        [base64.b64encode(vector.astype("<u8").tobytes()).decode(), public_key_document(office.public_key()), layout.layout_id],
    )
    one, two = got
    assert one["sealed_seed"] != two["sealed_seed"] and one["masked_vector"] != two["masked_vector"]  # fresh seeds
    for doc in got:
        envelope = envelope_parse(doc)
        seed = seed_open(binding=envelope.binding, sealed_seed=envelope.sealed_seed, private_key=office)
        masked = np.frombuffer(envelope.masked_bytes, dtype="<u8").astype(np.uint64)
        assert np.array_equal(ring_add(masked, mask_expand(seed, layout.length)), vector)
        assert doc["format"] == "talent-compact-sealed/1" and doc["elements"] == layout.length
