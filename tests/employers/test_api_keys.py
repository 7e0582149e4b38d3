"""API keys: shown once, stored hashed, scoped to one employer, revocable, last use recorded."""

from __future__ import annotations

import hashlib

import pytest

from compact.errors import Conflict, NotAllowed
from employers.models import ApiKey
from employers.services.organisations import api_key_create, api_key_revoke


def _client_with(world, raw):
    client = world.client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def test_the_secret_is_returned_once_and_only_its_hash_is_stored(world):
    response = world.client("alice").post(f"/api/v1/employers/{world.acme.pk}/api-keys/", {"name": "etl"}, format="json")
    assert response.status_code == 201
    raw = response.json()["key"]
    key = ApiKey.objects.get(name="etl")
    assert raw.startswith(f"tc_{key.prefix}_") and key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    listed = world.client("alice").get(f"/api/v1/employers/{world.acme.pk}/api-keys/").json()["results"]
    assert "key" not in listed[0]


def test_last_use_is_recorded(world):
    key, raw = api_key_create(principal=world.principal("alice"), employer=world.acme, name="etl")
    assert key.last_used_at is None
    assert _client_with(world, raw).get("/api/v1/me").json()["role"] == "employer"
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_revoked_or_altered_key_is_refused_with_a_reason(world):
    key, raw = api_key_create(principal=world.principal("alice"), employer=world.acme, name="etl")
    altered = _client_with(world, raw[:-1] + ("A" if raw[-1] != "A" else "B")).get("/api/v1/me")
    assert altered.status_code == 401 and "not valid" in altered.json()["detail"]
    garbage = _client_with(world, "hello").get("/api/v1/me")
    assert garbage.status_code == 401
    api_key_revoke(principal=world.principal("alice"), key=key)
    revoked = _client_with(world, raw).get("/api/v1/me")
    assert revoked.status_code == 401 and "revoked on" in revoked.json()["detail"]
    with pytest.raises(Conflict):
        api_key_revoke(principal=world.principal("alice"), key=key)


def test_one_employer_cannot_make_or_revoke_keys_of_another(world):
    with pytest.raises(NotAllowed):
        api_key_create(principal=world.principal("alice"), employer=world.birch, name="x")
    key, _ = api_key_create(principal=world.principal("bob"), employer=world.birch, name="x")
    with pytest.raises(NotAllowed):
        api_key_revoke(principal=world.principal("alice"), key=key)


def test_a_malformed_authorization_header_gets_a_hint(world):
    client = world.client(None)
    client.credentials(HTTP_AUTHORIZATION="Api-Key a b")
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and "Api-Key <key>" in response.json()["detail"]
