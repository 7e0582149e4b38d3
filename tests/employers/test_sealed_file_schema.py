"""The sealed file as the OpenAPI schema documents it is the one protocol.sealing writes and
reads, and a real submission's answers are the ones the schema documents."""

from __future__ import annotations

import numpy as np
import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from compact.wsgi import application
from employers.services.organisations import api_key_create
from protocol.layout import layout_for
from protocol.sealing import SealingError, envelope_parse, seal
from tests.factories import random_vector

SUBMISSIONS = "/api/v1/cycles/{slug}/submissions"


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def component(openapi: dict, name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": openapi["components"]})


@pytest.fixture
def sealed(world, make_cycle, office_private_key):
    """A sealed file for Acme in the open cycle 2026, as the client writes it."""
    cycle = make_cycle("2026", "open")
    layout = layout_for(cycle.taxonomy)
    return seal(
        elements=random_vector(layout, np.random.default_rng(7)), public_key=office_private_key.public_key(),
        cycle="2026", employer=world.acme.pk, version=1, taxonomy=cycle.taxonomy, layout=layout.layout_id,
    )


def test_the_submission_body_is_documented_as_the_sealed_file(openapi):
    body = openapi["paths"][SUBMISSIONS]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/SealedFileInRequest"}}}


def test_a_file_sealed_by_the_client_fits_the_documented_schema(openapi, sealed):
    errors = list(component(openapi, "SealedFileInRequest").iter_errors(sealed))
    assert errors == []


def test_a_file_with_a_short_sealed_seed_or_another_format_does_not_fit(openapi, sealed):
    validator = component(openapi, "SealedFileInRequest")
    assert not validator.is_valid({**sealed, "sealed_seed": sealed["sealed_seed"][:-4]})
    assert not validator.is_valid({**sealed, "format": "talent-compact-sealed/2"})
    assert not validator.is_valid({**sealed, "version": 2**31})


def test_every_field_the_schema_requires_is_one_the_service_cannot_do_without(openapi, sealed):
    schema = openapi["components"]["schemas"]["SealedFileInRequest"]
    required = set(schema["required"])
    assert required | {"elements", "sealed_at"} == set(schema["properties"]) == set(sealed)
    for name in schema["properties"]:
        without = {k: v for k, v in sealed.items() if k != name}
        if name in required:
            with pytest.raises(SealingError):
                envelope_parse(without)
        else:
            envelope_parse(without)


@pytest.mark.usefixtures("wsgi_requests")
def test_a_real_submission_and_its_refusals_are_answered_as_documented(world, sealed):
    key = api_key_create(principal=world.principal("alice"), employer=world.acme, name="etl")[1]
    headers = {"Authorization": f"Api-Key {key}"}
    api = schemathesis.openapi.from_wsgi("/api/schema/", application)
    submit = api[SUBMISSIONS]["POST"]
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]

    def send(body, **extra):
        case = submit.Case(path_parameters={"slug": "2026"}, body=body, media_type="application/json")
        response = case.call(headers={**headers, **extra})
        case.validate_response(response, checks=checks)
        return response

    accepted = send(sealed)
    assert accepted.status_code == 201 and accepted.json()["version"] == 1
    assert send(sealed).json()["code"] == "stale_version"
    assert send({**sealed, "masked_sha256": "0" * 64}).json()["code"] == "bad_envelope"
    assert send(sealed, Authorization="Api-Key tc_nope_nope").status_code == 401

    history = api[SUBMISSIONS]["GET"].Case(path_parameters={"slug": "2026"})
    response = history.call(headers=headers)
    history.validate_response(response, checks=checks)
    assert [row["version"] for row in response.json()] == [1]
