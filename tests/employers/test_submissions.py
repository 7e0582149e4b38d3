"""Sealed submissions through the API: acceptance, receipts, history, and every rejection."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from compact.models import AuditEvent, Cycle
from employers.models import SealedSubmission
from employers.services.submissions import receipt_verify
from protocol.layout import layout_for
from protocol.sealing import seal
from tests.factories import altered_after_sealing, random_vector

LAYOUT = layout_for()


def sealed_for(client, slug="2026", *, version=None, key=None, elements=None, **overrides) -> dict:
    """Seal a random vector with the parameters the cycle-key endpoint gives this employer."""
    params = client.get(f"/api/v1/cycles/{slug}/cycle-key").json()
    from protocol.officekey import public_key_load

    public = key.public_key() if key else public_key_load(json.dumps(params["office_key"]))
    doc = seal(
        elements=random_vector(LAYOUT, np.random.default_rng(0)) if elements is None else elements,
        public_key=public, cycle=params["cycle"], employer=params["employer"],
        version=version or params["next_version"], taxonomy=params["taxonomy"], layout=params["layout"],
    )
    doc.update(overrides)
    return doc


def post(client, doc, slug="2026"):
    return client.post(f"/api/v1/cycles/{slug}/submissions", data=json.dumps(doc), content_type="application/json")


@pytest.fixture
def cycle(make_cycle):
    return make_cycle(state="open")


def test_a_sealed_file_is_accepted_with_a_signed_receipt_and_stored_encrypted(world, cycle):
    alice = world.client("alice")
    doc = sealed_for(alice)
    response = post(alice, doc)
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt["version"] == 1 and receipt["employer"] == "Acme Analytics"
    assert receipt["masked_sha256"] == doc["masked_sha256"] and receipt_verify(receipt)
    forged = {**receipt, "version": 2}
    assert not receipt_verify(forged)
    stored = SealedSubmission.objects.get()
    import base64

    assert base64.b64decode(doc["masked_vector"]) not in bytes(stored.masked_vector)
    assert AuditEvent.objects.filter(action="submission.accepted", employer=world.acme).exists()


def test_resubmissions_are_new_versions_and_replays_never_override(world, cycle):
    alice = world.client("alice")
    first = sealed_for(alice)
    assert post(alice, first).status_code == 201
    second = sealed_for(alice)
    assert second["version"] == 2 and post(alice, second).status_code == 201
    replay = post(alice, first)
    assert replay.status_code == 409
    assert replay.json()["code"] == "stale_version" and "seal again as version 3" in replay.json()["detail"]
    history = alice.get("/api/v1/cycles/2026/submissions").json()
    assert [h["version"] for h in history] == [2, 1]
    assert "masked_vector" not in history[0]


def test_the_cycle_key_gives_the_next_version_and_the_office_fingerprint(world, cycle):
    alice = world.client("alice")
    params = alice.get("/api/v1/cycles/2026/cycle-key").json()
    assert params["next_version"] == 1 and params["employer"] == world.acme.pk
    assert params["office_key"]["fingerprint"] == cycle.office_key_fingerprint
    assert world.client("ana").get("/api/v1/cycles/2026/cycle-key").status_code == 403


def test_history_is_private_to_the_employer(world, cycle):
    assert post(world.client("alice"), sealed_for(world.client("alice"))).status_code == 201
    assert world.client("bob").get("/api/v1/cycles/2026/submissions").json() == []


@pytest.mark.parametrize(
    ("case", "status", "code", "text"),
    [
        ("tampered", 400, "bad_envelope", "altered after sealing"),
        ("wrong_key", 400, "wrong_office_key", "sealed to office key"),
        ("wrong_length", 400, "wrong_length", "expects 35518"),
        ("other_employer", 403, "wrong_employer", "sealed for employer number"),
        ("other_cycle", 400, "wrong_cycle", "sealed for cycle 1999"),
        ("not_json", 400, "bad_envelope", "not a sealed file"),
    ],
)
def test_bad_envelopes_are_refused_with_a_clear_message(world, cycle, case, status, code, text):
    alice = world.client("alice")
    if case == "tampered":
        doc = altered_after_sealing(sealed_for(alice))
    elif case == "wrong_key":
        doc = sealed_for(alice, key=X25519PrivateKey.generate())
    elif case == "wrong_length":
        doc = sealed_for(alice, elements=np.zeros(100, dtype=np.uint64))
    elif case == "other_employer":
        doc = {**sealed_for(alice), "employer": world.birch.pk}
    elif case == "other_cycle":
        doc = {**sealed_for(alice), "cycle": "1999"}
    if case == "not_json":
        response = alice.post("/api/v1/cycles/2026/submissions", data=b"\x00garbage", content_type="application/json")
    else:
        response = post(alice, doc)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and text in response.json()["detail"]
    assert SealedSubmission.objects.count() == 0


def test_a_submission_after_close_is_refused(world, cycle):
    from compact.services.cycles import cycle_close

    alice = world.client("alice")
    doc = sealed_for(alice)
    cycle_close(principal=world.principal("ana"), cycle=cycle)
    response = post(alice, doc)
    assert response.status_code == 409 and "closed on" in response.json()["detail"]


def test_an_employer_not_enrolled_is_refused(world, make_cycle):
    make_cycle(state="open", enrol=("birch",))
    bob = world.client("bob")
    doc = sealed_for(bob)
    # Acme cannot even see the cycle; an API key of Acme gets the same answer.
    response = post(world.client("alice"), {**doc, "employer": world.acme.pk})
    assert response.status_code == 404


def test_an_enrolled_but_late_submission_is_accepted_and_marked_late(world, cycle):
    from datetime import timedelta

    from django.utils import timezone

    Cycle.objects.filter(pk=cycle.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    alice = world.client("alice")
    receipt = post(alice, sealed_for(alice)).json()
    assert receipt["late"] is True


def test_an_oversized_body_is_refused_before_parsing(world, cycle, settings):
    settings.SEALED_SUBMISSION_MAX_BYTES = 1000
    alice = world.client("alice")
    response = post(alice, sealed_for(alice))
    assert response.status_code == 413 and "the limit is 1,000" in response.json()["detail"]


def test_an_api_key_submits_for_its_employer(world, cycle):
    from employers.services.organisations import api_key_create

    _, raw = api_key_create(principal=world.principal("alice"), employer=world.acme, name="ci")
    client = world.client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = post(client, sealed_for(client))
    assert response.status_code == 201 and response.json()["employer"] == "Acme Analytics"
    assert SealedSubmission.objects.get().received_via == "api-key"
