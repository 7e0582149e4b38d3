"""Office API keys: an analyst's or an administrator's key acts as the office; nobody else gets one."""

from __future__ import annotations

import pytest

from compact.access import principal_for_api_key
from compact.errors import NotAllowed
from compact.services.people import person_set_role
from employers.models import ApiKey
from employers.services.organisations import office_api_key_create


def _with_key(world, raw):
    client = world.client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize("who", ["ana", "root"])
def test_an_analyst_or_an_administrator_gets_a_key_that_acts_as_the_office(world, make_cycle, who):
    make_cycle(state="open")
    response = world.client(who).post("/api/v1/me/api-keys", {"name": "laptop"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "analyst"
    client = _with_key(world, response.json()["key"])
    assert client.get("/api/v1/me").json()["role"] == "analyst"
    # Office calls work with it: the participation, and closing the cycle.
    assert client.get("/api/v1/cycles/2026/participation").status_code == 200
    assert client.post("/api/v1/cycles/2026/close").status_code == 200


def test_an_administrators_key_acts_as_the_office_but_never_manages_people(world):
    _, raw = office_api_key_create(principal=world.principal("root"), name="laptop")
    client = _with_key(world, raw)
    assert client.get("/api/v1/people/").status_code == 403
    refused = client.post("/api/v1/people/", {"username": "x", "email": "x@example.org",
                                              "password": "a long passphrase 42", "role": "admin"}, format="json")
    assert refused.status_code == 403


@pytest.mark.parametrize("who", ["olga", "alice"])
def test_a_person_without_an_office_role_is_refused_a_key_with_what_to_do(world, who):
    response = world.client(who).post("/api/v1/me/api-keys", {"name": "laptop"}, format="json")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert f"{who} has no office role" in detail and "People page" in detail
    assert not ApiKey.objects.filter(owner__isnull=False).exists()
    with pytest.raises(NotAllowed, match="no office role"):
        office_api_key_create(principal=world.principal(who), name="laptop")


def test_no_office_key_is_ever_issued_with_no_role(world):
    for who in ("ana", "root", "olga", "alice", "bob"):
        world.client(who).post("/api/v1/me/api-keys", {"name": f"k-{who}"}, format="json")
    keys = ApiKey.objects.filter(owner__isnull=False)
    assert sorted(k.owner.username for k in keys) == ["ana", "root"]
    assert {principal_for_api_key(k).role for k in keys} == {"analyst"}


def test_a_key_whose_owner_lost_the_office_role_is_refused_with_the_reason(world, make_cycle):
    make_cycle(state="closed")
    _, raw = office_api_key_create(principal=world.principal("ana"), name="laptop")
    person_set_role(principal=world.principal("root"), user=world.ana, role="employer", employer=world.acme)
    response = _with_key(world, raw).get("/api/v1/cycles/2026/participation")
    assert response.status_code == 403
    assert "ana is no longer an active analyst or administrator" in response.json()["detail"]


def test_a_deactivated_owners_key_no_longer_acts_as_the_office(world, make_cycle):
    make_cycle(state="closed")
    _, raw = office_api_key_create(principal=world.principal("root"), name="laptop")
    world.root.is_active = False
    world.root.save()
    assert _with_key(world, raw).get("/api/v1/cycles/2026/participation").status_code == 403
