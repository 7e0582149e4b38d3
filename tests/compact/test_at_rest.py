"""Encryption at rest: blobs are unreadable without the key ring and survive a key rotation."""

from __future__ import annotations

import base64
import os

import numpy as np
import pytest
from django.core.management import call_command

from compact.at_rest import AtRestError, _ring_for, keyring_parse, open_at_rest, seal_at_rest
from employers.models import SealedSubmission
from employers.services.submissions import blob_context


def _key(kid: str) -> str:
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


def test_a_blob_is_bound_to_its_context():
    ring = keyring_parse(_key("a"))
    blob = ring.encrypt(b"masked bytes", context="submission/2026/1/1/masked")
    assert b"masked bytes" not in blob
    assert ring.decrypt(blob, context="submission/2026/1/1/masked") == b"masked bytes"
    with pytest.raises(AtRestError, match="fails authentication"):
        ring.decrypt(blob, context="submission/2026/2/1/masked")


@pytest.mark.parametrize(
    ("spec", "message"),
    [("", "empty"), ("a:!!!", "not valid base64"), ("a:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
     (_key("a") + "," + _key("a"), "same key id twice")],
)
def test_bad_key_rings_are_refused(spec, message):
    with pytest.raises(AtRestError, match=message):
        keyring_parse(spec)


def test_rotation_rewrites_every_blob_and_the_old_key_can_then_go(world, populated_cycle, settings):
    old, new = _key("old"), _key("new")
    settings.AT_REST_KEYS = old
    _ring_for.cache_clear()
    pop = populated_cycle(3)
    first = SealedSubmission.objects.first()
    ctx = blob_context("2026", first.employer_id, first.version, "masked")
    plain = open_at_rest(bytes(first.masked_vector), context=ctx)
    settings.AT_REST_KEYS = f"{new},{old}"
    call_command("at_rest_rotate", stdout=open(os.devnull, "w"))
    settings.AT_REST_KEYS = new
    first.refresh_from_db()
    assert open_at_rest(bytes(first.masked_vector), context=ctx) == plain
    assert len(pop.vectors) == 3 and np.any(np.frombuffer(plain, dtype="<u8"))
    settings.AT_REST_KEYS = _key("other")
    with pytest.raises(AtRestError, match="No at-rest key 'new'"):
        open_at_rest(bytes(first.masked_vector), context=ctx)
    assert seal_at_rest(b"x", context="c")  # the current ring still encrypts
