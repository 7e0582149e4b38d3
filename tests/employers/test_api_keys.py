"""API keys: shown once, stored hashed, scoped to one employer, revocable, optionally expiring,
last use recorded."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from compact.errors import Conflict, DomainError, NotAllowed
from employers.models import ApiKey
from employers.services.organisations import api_key_create, api_key_revoke, office_api_key_create


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


# --- Optional expiry -------------------------------------------------------------------

def _create(world, **body):
    return world.client("alice").post(f"/api/v1/employers/{world.acme.pk}/api-keys/", {"name": "etl", **body},
                                      format="json")


def test_a_key_made_with_an_expiry_works_until_then_and_is_refused_after(world):
    expires = timezone.now() + timedelta(days=30)
    response = _create(world, expires_at=expires.isoformat())
    assert response.status_code == 201
    assert response.json()["expires_at"] is not None
    raw = response.json()["key"]
    assert _client_with(world, raw).get("/api/v1/me").status_code == 200
    ApiKey.objects.filter(name="etl").update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = _client_with(world, raw).get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_expired"
    assert refused.json()["detail"].startswith("This API key expired on ") and "create a new one" in refused.json()["detail"]


def test_a_key_without_an_expiry_never_expires(world):
    response = _create(world)
    assert response.status_code == 201 and response.json()["expires_at"] is None
    assert ApiKey.objects.get(name="etl").expires_at is None


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        ("2020-01-01T00:00:00Z", "must be in the future"),
        ("far-future", "wrong format"),
        ((timezone.now() + timedelta(days=731)).isoformat(), "at most 730 days"),
    ],
)
def test_a_bad_expiry_is_a_400_that_names_the_field(world, expires_at, message):
    response = _create(world, expires_at=expires_at)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == ["expires_at"]
    assert message in body["fields"]["expires_at"][0]
    assert not ApiKey.objects.filter(name="etl").exists()


def test_the_longest_lifetime_is_a_setting(world, settings):
    settings.API_KEY_MAX_LIFETIME_DAYS = 7
    assert _create(world, expires_at=(timezone.now() + timedelta(days=8)).isoformat()).status_code == 400
    assert _create(world, expires_at=(timezone.now() + timedelta(days=6)).isoformat()).status_code == 201


def test_the_service_refuses_a_past_expiry_whoever_calls_it(world):
    with pytest.raises(DomainError, match="must be in the future") as refused:
        api_key_create(principal=world.principal("alice"), employer=world.acme, name="etl",
                       expires_at=timezone.now() - timedelta(minutes=1))
    assert refused.value.code == "invalid_expiry"


def test_office_keys_take_an_expiry_too_and_list_it(world):
    client = world.client("ana")
    expires = (timezone.now() + timedelta(days=90)).isoformat()
    made = client.post("/api/v1/me/api-keys", {"name": "laptop", "expires_at": expires}, format="json")
    assert made.status_code == 201
    assert client.get("/api/v1/me/api-keys").json()[0]["expires_at"] is not None
    bad = client.post("/api/v1/me/api-keys", {"name": "laptop", "expires_at": "2001-01-01T00:00Z"}, format="json")
    assert bad.status_code == 400 and "expires_at" in bad.json()["fields"]
    key, raw = office_api_key_create(principal=world.principal("ana"), name="old",
                                     expires_at=timezone.now() + timedelta(minutes=5))
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert _client_with(world, raw).get("/api/v1/cycles/").status_code == 401


def _page_client(world, who):
    client = Client()
    client.force_login(getattr(world, who))
    return client


def test_the_employer_page_makes_a_key_with_an_expiry_and_lists_it(world):
    client = _page_client(world, "alice")
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    page = client.post("/employer/api-keys/new", {"name": "payroll", "expires_on": day}, follow=True).content.decode()
    key = ApiKey.objects.get(name="payroll")
    assert timezone.localtime(key.expires_at).date().isoformat() == day
    assert timezone.localtime(key.expires_at).hour == 0
    assert "copy it now" in page and day in page
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert "expired " in client.get("/employer/").content.decode()


@pytest.mark.parametrize(
    ("expires_on", "message"),
    [
        ("2001-02-03", "Expires on: The expiry must be in the future"),
        ("not a date", "Expires on: Enter a valid date."),
        ("2999-01-01", "Expires on: A key may live at most 730 days"),
    ],
)
def test_a_bad_expiry_on_the_pages_is_a_message_naming_the_field(world, expires_on, message):
    for who, url, back in (("alice", "/employer/api-keys/new", "/employer/"), ("ana", "/office/keys/", "/office/keys/")):
        client = _page_client(world, who)
        response = client.post(url, {"name": "payroll", "expires_on": expires_on}, follow=True)
        assert response.redirect_chain[-1][0] == back
        assert message in response.content.decode()
    assert not ApiKey.objects.filter(name="payroll").exists()


def test_the_office_keys_page_makes_a_key_with_an_expiry(world):
    client = _page_client(world, "ana")
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    page = client.post("/office/keys/", {"name": "laptop", "expires_on": day}, follow=True).content.decode()
    assert "copy it now" in page and day in page
    assert ApiKey.objects.get(name="laptop").owner == world.ana
