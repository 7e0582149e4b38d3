"""Every endpoint x {anonymous, employer A, employer B, analyst, admin}.

Each row states the status each role gets. Employer A (alice, Acme) must never read or change
anything of employer B (bob, Birch); only admins manage people; lists are filtered.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from compact.models import Cycle
from compact.services import invitations
from employers.services.organisations import api_key_create

ROLES = ("anonymous", "alice", "bob", "ana", "root")
WHO = {"anonymous": None, "alice": "alice", "bob": "bob", "ana": "ana", "root": "root"}


@pytest.fixture
def scene(world, make_cycle, office_key_document):
    """Cycle 2026 open with both employers; 2025 open with Birch only; 2027 a draft."""
    make_cycle("2026", state="open")
    make_cycle("2025", state="open", enrol=("birch",))
    draft = make_cycle("2027", state="draft", enrol=())
    birch_key, _ = api_key_create(principal=world.principal("bob"), employer=world.birch, name="payroll")
    acme_key, _ = api_key_create(principal=world.principal("alice"), employer=world.acme, name="payroll")
    _, code = invitations.invitation_create(principal=world.principal("ana"), cycle=draft)
    invitation, _ = invitations.invitation_create(principal=world.principal("ana"), cycle=Cycle.objects.get(slug="2026"))
    return {"birch_key": birch_key, "acme_key": acme_key, "code_2027": code, "key_doc": office_key_document,
            "invitation_2026": invitation}


def future() -> str:
    return (timezone.now() + timedelta(days=40)).isoformat()


# (label, method, url(world, scene, role), body(world, scene, role), expected statuses in ROLES order)
CASES = [
    ("health", "get", lambda w, s, r: "/api/v1/health", None, (200, 200, 200, 200, 200)),
    ("me", "get", lambda w, s, r: "/api/v1/me", None, (401, 200, 200, 200, 200)),
    ("cycle list", "get", lambda w, s, r: "/api/v1/cycles/", None, (401, 200, 200, 200, 200)),
    (
        "cycle create",
        "post",
        lambda w, s, r: "/api/v1/cycles/",
        lambda w, s, r: {"slug": f"c-{r}", "name": "New", "deadline": future()},
        (401, 403, 403, 201, 201),
    ),
    ("cycle of Birch only", "get", lambda w, s, r: "/api/v1/cycles/2025/", None, (401, 404, 200, 200, 200)),
    ("cycle shared", "get", lambda w, s, r: "/api/v1/cycles/2026/", None, (401, 200, 200, 200, 200)),
    ("cycle draft not enrolled", "get", lambda w, s, r: "/api/v1/cycles/2027/", None, (401, 404, 404, 200, 200)),
    (
        "cycle update",
        "patch",
        lambda w, s, r: "/api/v1/cycles/2026/",
        lambda w, s, r: {"name": "Renamed"},
        (401, 403, 403, 200, 200),
    ),
    (
        "office key",
        "put",
        lambda w, s, r: "/api/v1/cycles/2027/office-key",
        lambda w, s, r: {"public_key": json.dumps(s["key_doc"])},
        (401, 403, 403, 200, 200),
    ),
    ("open", "post", lambda w, s, r: "/api/v1/cycles/2027/open", None, (401, 404, 404, 200, 200)),
    ("close", "post", lambda w, s, r: "/api/v1/cycles/2026/close", None, (401, 403, 403, 200, 200)),
    ("participation", "get", lambda w, s, r: "/api/v1/cycles/2026/participation", None, (401, 403, 403, 200, 200)),
    ("invitation list", "get", lambda w, s, r: "/api/v1/cycles/2026/invitations/", None, (401, 403, 403, 200, 200)),
    (
        "invitation create",
        "post",
        lambda w, s, r: "/api/v1/cycles/2026/invitations/",
        lambda w, s, r: {"note": "x"},
        (401, 403, 403, 201, 201),
    ),
    (
        "invitations bulk",
        "post",
        lambda w, s, r: "/api/v1/cycles/2027/invitations/bulk",
        lambda w, s, r: {"invitations": [{"employer": "Acme Analytics" if r == "ana" else "Birch Hospital",
                                          "email": "hr@example.org"}]},
        (401, 403, 403, 201, 201),
    ),
    (
        "enrol",
        "post",
        lambda w, s, r: "/api/v1/cycles/2027/enrol",
        lambda w, s, r: {"code": s["code_2027"]},
        (401, 201, 201, 403, 403),
    ),
    ("employer list", "get", lambda w, s, r: "/api/v1/employers/", None, (401, 200, 200, 200, 200)),
    ("employer B", "get", lambda w, s, r: f"/api/v1/employers/{w.birch.pk}/", None, (401, 404, 200, 200, 200)),
    (
        "employer B update",
        "patch",
        lambda w, s, r: f"/api/v1/employers/{w.birch.pk}/",
        lambda w, s, r: {"size_band": "1-49"},
        (401, 404, 403, 200, 200),
    ),
    (
        "employer create",
        "post",
        lambda w, s, r: "/api/v1/employers/",
        lambda w, s, r: {"name": f"New {r}", "industry": "IT", "size_band": "1-49"},
        (401, 403, 403, 201, 201),
    ),
    ("keys of B", "get", lambda w, s, r: f"/api/v1/employers/{w.birch.pk}/api-keys/", None, (401, 404, 200, 200, 200)),
    (
        "key create for B",
        "post",
        lambda w, s, r: f"/api/v1/employers/{w.birch.pk}/api-keys/",
        lambda w, s, r: {"name": "ci"},
        (401, 404, 201, 403, 201),
    ),
    (
        "key revoke of B",
        "post",
        lambda w, s, r: f"/api/v1/employers/{w.birch.pk}/api-keys/{s['birch_key'].pk}/revoke",
        None,
        (401, 404, 200, 404, 200),
    ),
    ("people list", "get", lambda w, s, r: "/api/v1/people/", None, (401, 403, 403, 403, 200)),
    (
        "person create",
        "post",
        lambda w, s, r: "/api/v1/people/",
        lambda w, s, r: {"username": f"new-{r}", "email": "n@example.org", "password": "a long passphrase 42", "role": "analyst"},
        (401, 403, 403, 403, 201),
    ),
    (
        "person role",
        "post",
        lambda w, s, r: f"/api/v1/people/{w.olga.pk}/role",
        lambda w, s, r: {"role": "analyst"},
        (401, 403, 403, 403, 200),
    ),
    ("audit events", "get", lambda w, s, r: "/api/v1/audit-events/", None, (401, 200, 200, 200, 200)),
    ("office api keys", "get", lambda w, s, r: "/api/v1/me/api-keys", None, (401, 403, 403, 200, 200)),
    (
        "invitation revoke",
        "post",
        lambda w, s, r: f"/api/v1/cycles/2026/invitations/{s['invitation_2026'].pk}/revoke",
        None,
        (401, 403, 403, 200, 200),
    ),
    # The cycle key and the submission history are the enrolled employers' own; the office sees
    # participation metadata instead.
    ("cycle key", "get", lambda w, s, r: "/api/v1/cycles/2026/cycle-key", None, (401, 200, 200, 403, 403)),
    ("cycle key of Birch only", "get", lambda w, s, r: "/api/v1/cycles/2025/cycle-key", None, (401, 404, 200, 403, 403)),
    ("submissions", "get", lambda w, s, r: "/api/v1/cycles/2026/submissions", None, (401, 200, 200, 403, 403)),
    ("submissions of Birch only", "get", lambda w, s, r: "/api/v1/cycles/2025/submissions", None, (401, 404, 200, 403, 403)),
    # A sealed file that is not one: employers reach validation, the office may not submit.
    ("submit", "post", lambda w, s, r: "/api/v1/cycles/2026/submissions", lambda w, s, r: {"format": "x"},
     (401, 400, 400, 403, 403)),
    # The unmask and release of an open cycle: the office is told why not yet, employers are refused.
    ("unmask request", "get", lambda w, s, r: "/api/v1/cycles/2026/unmask", None, (401, 403, 403, 409, 409)),
    ("unmask mask sum", "post", lambda w, s, r: "/api/v1/cycles/2026/unmask/mask-sums",
     lambda w, s, r: {"cohort": "all", "mask_sum": "AAAA"}, (401, 403, 403, 404, 404)),
    ("unmask start", "post", lambda w, s, r: "/api/v1/cycles/2026/unmask/start", None, (401, 403, 403, 404, 404)),
    ("unmask exclusions", "get", lambda w, s, r: "/api/v1/cycles/2026/unmask/exclusions", None, (401, 403, 403, 200, 200)),
    ("unmask exclude", "post", lambda w, s, r: "/api/v1/cycles/2026/unmask/exclusions",
     lambda w, s, r: {"exclusions": [{"employer": w.acme.pk, "version": 1, "reason": "does not open"}]},
     (401, 403, 403, 404, 404)),
    # Resubmission windows are the office's, for a closed cycle: an open one is refused with why.
    ("resubmission windows", "get", lambda w, s, r: "/api/v1/cycles/2026/resubmission-windows", None,
     (401, 403, 403, 200, 200)),
    ("resubmission grant", "post", lambda w, s, r: "/api/v1/cycles/2026/resubmission-windows",
     lambda w, s, r: {"employer": w.acme.pk, "until": "2099-01-01T00:00:00Z", "reason": "seals again"},
     (401, 403, 403, 409, 409)),
    ("unmask status", "get", lambda w, s, r: "/api/v1/cycles/2026/unmask/status", None, (401, 403, 403, 404, 404)),
    ("release", "get", lambda w, s, r: "/api/v1/cycles/2026/release", None, (404, 404, 404, 404, 404)),
    ("release csv", "get", lambda w, s, r: "/api/v1/cycles/2026/release.csv", None, (404, 404, 404, 404, 404)),
    ("release latest", "get", lambda w, s, r: "/api/v1/cycles/2026/release/latest", None, (401, 403, 403, 404, 404)),
    ("release publish", "post", lambda w, s, r: "/api/v1/cycles/2026/release/publish", None, (401, 403, 403, 409, 409)),
    ("release build", "post", lambda w, s, r: "/api/v1/cycles/2026/release/build", None, (401, 403, 403, 409, 409)),
    ("schema", "get", lambda w, s, r: "/api/schema/", None, (200, 200, 200, 200, 200)),
    ("api docs", "get", lambda w, s, r: "/api/docs/", None, (200, 200, 200, 200, 200)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_access_matrix(world, scene, case, role):
    label, method, url, body, expected = case
    client = world.client(WHO[role])
    kwargs = {"format": "json"}
    if body is not None:
        kwargs["data"] = body(world, scene, role)
    response = getattr(client, method)(url(world, scene, role), **kwargs)
    assert response.status_code == expected[ROLES.index(role)], (label, role, response.content[:300])


def test_every_api_endpoint_is_in_the_matrix(world, scene):
    """A new endpoint without a row here fails this test."""
    from django.urls import get_resolver, resolve

    api = get_resolver().url_patterns
    names = set()

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
            elif p.name and p.name.startswith("api-"):
                names.add(p.name)

    walk(api)
    covered = {resolve(url(world, scene, "ana").split("?")[0]).url_name for _, _, url, _, _ in CASES}
    assert names - covered == set()


def _names(response, key="name"):
    return sorted(item[key] for item in response.json()["results"])


def test_lists_are_filtered_for_each_employer(world, scene):
    alice, bob = world.client("alice"), world.client("bob")
    assert [c["slug"] for c in alice.get("/api/v1/cycles/").json()["results"]] == ["2026"]
    assert sorted(c["slug"] for c in bob.get("/api/v1/cycles/").json()["results"]) == ["2025", "2026"]
    assert _names(alice.get("/api/v1/employers/")) == ["Acme Analytics"]
    assert _names(bob.get(f"/api/v1/employers/{world.birch.pk}/api-keys/")) == ["payroll"]
    events = alice.get("/api/v1/audit-events/").json()["results"]
    assert events and {e["employer"] for e in events} == {"Acme Analytics"}


def test_an_api_key_acts_for_its_employer_only(world, scene):
    from employers.services.organisations import api_key_create

    _, raw = api_key_create(principal=world.principal("alice"), employer=world.acme, name="sync")
    client = world.client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert [c["slug"] for c in client.get("/api/v1/cycles/").json()["results"]] == ["2026"]
    assert client.get(f"/api/v1/employers/{world.birch.pk}/").status_code == 404
    assert client.get("/api/v1/people/").status_code == 403
    created = client.post(f"/api/v1/employers/{world.acme.pk}/api-keys/", {"name": "x"}, format="json")
    assert created.status_code == 400 and "cannot create" in created.json()["detail"]


# The office's pages: signed-out people are sent to sign in (302); employers and people without a
# role get the not-found page, as for a page that does not exist (404); the office reaches them.
PAGE_CASES = [
    ("cycle page", "get", "/office/cycles/2026/", {}, 200),
    ("filtered participation", "get", "/office/cycles/2026/?show=not_submitted", {}, 200),
    ("participation csv", "get", "/office/cycles/2026/participation.csv", {}, 200),
    ("bulk invitation example", "get", "/office/cycles/2026/invitations/example.csv", {}, 200),
    ("bulk invitations", "post", "/office/cycles/2026/invitations/bulk", {}, 302),
    ("reminders", "post", "/office/cycles/2026/reminders", {"scope": "all"}, 200),
    ("review", "get", "/office/cycles/2026/review/", {}, 200),
    ("drill-down csv", "get", "/office/cycles/2026/review/drill-down.csv", {}, 404),  # no release yet
]
PAGE_EXPECTED = {"anonymous": 302, "alice": 404, "bob": 404}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_office_pages_are_the_offices_only(world, scene, case, role):
    from django.test import Client

    label, method, url, data, office_status = case
    client = Client()
    if WHO[role] is not None:
        client.force_login(getattr(world, WHO[role]))
    response = getattr(client, method)(url, data)
    expected = PAGE_EXPECTED.get(role, office_status)
    assert response.status_code == expected, (label, role, response.content[:300])
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
