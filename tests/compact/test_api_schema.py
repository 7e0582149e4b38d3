"""The OpenAPI schema at /api/schema/ tells the truth: schemathesis sends requests generated
from it to every operation of the v1 API, as the equity office, as an employer and as a
signed-in administrator, and no response is a server error, has a status the schema does not
document, or a body other than the one it documents for that status."""

from __future__ import annotations

import logging
import os
from collections import Counter

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from compact.wsgi import application
from employers.services.organisations import api_key_create, office_api_key_create

# Bounded for CI (about half a minute per principal); raise it for a deeper local run.
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "10"))
# Positive requests (valid by the schema) always; SCHEMA_FUZZ_NEGATIVE=1 adds invalid ones.
MODES = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if os.environ.get("SCHEMA_FUZZ_NEGATIVE") == "1" else [])
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def api_schema(existing: dict[str, list]):
    """The live schema, loaded through the WSGI app, with path parameters drawn half the time
    from what exists (so requests reach past the 404) and half from the schema."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not path_parameters:
            return st.just(path_parameters)
        choices = {
            name: st.one_of(st.sampled_from(existing[name]), st.just(value))
            for name, value in path_parameters.items() if name in existing
        }
        return st.fixed_dictionaries(choices).map(lambda chosen: {**path_parameters, **chosen})

    return schema


def _summary(failure, case) -> str:
    return f"{failure.title}: {failure.message[:1500]}\n    {case.as_curl_command()}"


def fuzz(schema, headers: dict, *, cookies: dict | None = None) -> tuple[Counter, dict[str, list[str]]]:
    """Every operation's examples; (status counts, failures by operation)."""
    statuses: Counter = Counter()
    failures: dict[str, list[str]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found = failures.setdefault(operation.label, [])
        try:
            _examples_of(operation, headers, cookies, statuses, found)()
        except Unsatisfiable:
            found.append("no request could be generated from the schema")
        if not found:
            del failures[operation.label]
    return statuses, failures


def _examples_of(operation, headers, cookies, statuses: Counter, found: list[str]):
    @given(case=st.one_of([operation.as_strategy(generation_mode=mode) for mode in MODES]))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )
    def run(case):
        try:
            response = case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
            statuses[response.status_code] += 1
        except FailureGroup as group:
            found.extend(_summary(failure, case) for failure in group.exceptions)
        except Failure as failure:
            found.append(_summary(failure, case))

    return run


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Every refused request is a warning in django.request's log; thousands say nothing."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def existing(world, make_cycle):
    """Cycles open, closed and in draft; employers and people; API keys the run may revoke
    (not the ones it runs with)."""
    make_cycle("2026", "open")
    make_cycle("2025", "closed")
    make_cycle("2027", "draft", enrol=())
    spare = [
        api_key_create(principal=world.principal("alice"), employer=world.acme, name="spare")[0].pk,
        office_api_key_create(principal=world.principal("ana"), name="spare")[0].pk,
    ]
    return {
        "slug": ["2026", "2025", "2027"],
        "id": [world.acme.pk, world.birch.pk, world.alice.pk, world.ana.pk],
        "key_id": spare,
    }


def _report(who, statuses, failures):
    print(f"schemathesis as {who}: {sum(statuses.values())} responses {dict(sorted(statuses.items()))}; "
          f"{sum(len(v) for v in failures.values())} failures in {len(failures)} operations")
    for label, messages in failures.items():
        print(f"--- {label} ({len(messages)})\n{messages[0]}")


PAGES = {
    "/api/v1/cycles/": "CycleOut",
    "/api/v1/cycles/{slug}/invitations/": "InvitationOut",
    "/api/v1/employers/": "EmployerOut",
    "/api/v1/employers/{id}/api-keys/": "ApiKeyOut",
    "/api/v1/people/": "PersonOut",
    "/api/v1/audit-events/": "AuditEventOut",
}


def test_every_list_that_answers_a_page_is_documented_as_a_page_and_no_other(client, db):
    openapi = client.get("/api/schema/?format=json").json()
    documented = {}
    for path, operations in openapi["paths"].items():
        if "get" not in operations:
            continue
        body = operations["get"]["responses"]["200"]["content"]
        ref = next(iter(body.values()))["schema"].get("$ref", "")
        if ref.startswith("#/components/schemas/Paginated"):
            documented[path] = ref.removeprefix("#/components/schemas/Paginated").removesuffix("List")
            assert {p["name"] for p in operations["get"]["parameters"]} >= {"limit", "offset"}
    assert documented == PAGES
    page = openapi["components"]["schemas"]["PaginatedCycleOutList"]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}


def test_the_lists_answer_what_they_are_documented_as(world, make_cycle):
    make_cycle("2026", "open")
    pages = {path.format(slug="2026", id=world.acme.pk) for path in PAGES}
    for path in pages:
        body = world.client("root").get(path).json()
        assert set(body) == {"count", "next", "previous", "results"}, path
    for path in ("/api/v1/cycles/2026/participation", "/api/v1/me/api-keys", "/api/v1/cycles/2026/unmask/exclusions"):
        assert isinstance(world.client("ana").get(path).json(), list), path
    assert isinstance(world.client("alice").get("/api/v1/cycles/2026/submissions").json(), list)


# Found by the administrator's run below; kept as plain tests that say what was wrong.


def test_a_limit_larger_than_any_page_is_answered_with_the_largest_page(world):
    response = world.client("root").get("/api/v1/audit-events/?offset=-8501&limit=9223372036854775808")
    assert response.status_code == 200
    page = response.json()
    assert len(page["results"]) == min(page["count"], 1000) and page["previous"] is None


def test_a_username_django_would_not_accept_is_refused_not_stored(world):
    body = {"username": "Q2\x1a\u00ca", "email": "q@example.org", "password": "a long enough passphrase 1", "role": "analyst"}
    response = world.client("root").post("/api/v1/people/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_username"
    assert not get_user_model().objects.filter(email="q@example.org").exists()


@pytest.mark.slow
@pytest.mark.usefixtures("wsgi_requests")
def test_the_api_answers_the_office_as_its_schema_says(world, existing):
    key = office_api_key_create(principal=world.principal("ana"), name="fuzz")[1]
    statuses, failures = fuzz(api_schema(existing), {"Authorization": f"Api-Key {key}"})
    _report("the office", statuses, failures)
    assert not failures


@pytest.mark.slow
@pytest.mark.usefixtures("wsgi_requests")
def test_the_api_answers_an_employer_as_its_schema_says(world, existing):
    key = api_key_create(principal=world.principal("alice"), employer=world.acme, name="fuzz")[1]
    statuses, failures = fuzz(api_schema(existing), {"Authorization": f"Api-Key {key}"})
    _report("an employer", statuses, failures)
    assert not failures


@pytest.mark.slow
@pytest.mark.usefixtures("wsgi_requests")
def test_the_api_answers_a_signed_in_administrator_as_its_schema_says(world, existing, client):
    """People and roles are managed by a signed-in person, not a key: a session with its CSRF token."""
    client.force_login(world.root)
    csrf = "c" * 32
    cookies = {
        django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        django_settings.CSRF_COOKIE_NAME: csrf,
    }
    statuses, failures = fuzz(api_schema(existing), {"X-CSRFToken": csrf}, cookies=cookies)
    _report("an administrator", statuses, failures)
    assert not failures
