"""Bad bodies are a clear 4xx, never a 500: deep JSON, oversized JSON, versions out of range."""

from __future__ import annotations

import html
import io
import json

import pytest

from compact.json_bodies import MAX_DEPTH, json_body_load, json_depth
from employers.models import SealedSubmission
from protocol.sealing import VERSION_MAX, SealingError, seal
from tests.employers.test_pages import sealed_file, signed_in
from tests.employers.test_submissions import post, sealed_for

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def cycle(make_cycle):
    return make_cycle(state="open")


def test_depth_is_measured_without_parsing_and_brackets_in_strings_do_not_count():
    assert json_depth(b"1") == 0
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'{"a": "[[[[{{{{", "b": "\\"[[["}') == 1
    assert json_depth(DEEP) == 100_000
    assert json_body_load(b'{"a": [1]}') == {"a": [1]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (DEEP, "nested 100,000 levels deep; the service reads at most 32"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested 33 levels deep"),
        (b'{"a": 1', "is not valid JSON: Expecting ',' delimiter at line 1, column 8"),
        (b'"\xff"', "is not UTF-8 text (byte 2 is not valid)"),
        (b"1" * 5000, "is not JSON the service can read"),
    ],
)
def test_bodies_that_cannot_be_read_are_refused_with_what_is_wrong(raw, message, settings):
    from compact.json_bodies import BodyRefused

    with pytest.raises(BodyRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        json_body_load(raw, what="The body")


def test_a_submission_nested_100000_deep_is_a_400_on_the_api(world, cycle):
    response = world.client("alice").post("/api/v1/cycles/2026/submissions", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_envelope"
    assert body["detail"] == (
        "The body is not a sealed file. It is JSON nested 100,000 levels deep; the service reads at most 32."
    )


def test_any_other_api_body_nested_100000_deep_is_a_400(world, cycle):
    ana = world.client("ana")
    for method, url in (("post", "/api/v1/cycles/"), ("post", "/api/v1/cycles/2026/unmask/mask-sums"),
                        ("put", "/api/v1/cycles/2026/office-key")):
        response = getattr(ana, method)(url, data=DEEP, content_type="application/json")
        assert response.status_code == 400, (url, response.content[:200])
        assert response.json()["code"] == "too_deep"
        assert "nested 100,000 levels deep" in response.json()["detail"]


def test_an_api_body_over_the_size_limit_is_a_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = world.client("ana").post("/api/v1/cycles/", data=json.dumps({"name": "x" * 200}),
                                        content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and "limit of 100 bytes" in response.json()["detail"]


def test_an_office_key_nested_deep_inside_its_field_is_refused(world, make_cycle):
    make_cycle("2027", state="draft")
    response = world.client("ana").put("/api/v1/cycles/2027/office-key", {"public_key": "[" * 4000}, format="json")
    assert response.status_code == 400
    assert "neither a Talent Compact key document (JSON) nor PEM" in response.json()["detail"]


def test_an_uploaded_sealed_file_nested_100000_deep_is_explained_on_the_page(world, cycle):
    alice = signed_in(world, "alice")
    upload = io.BytesIO(DEEP)
    upload.name = "sealed.json"
    response = alice.post("/employer/cycles/2026/submit", {"sealed": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "sealed.json is not a sealed file. It is JSON nested 100,000 levels deep" in page
    assert SealedSubmission.objects.count() == 0


def test_a_version_of_2_to_the_31_is_a_400_naming_the_field_and_the_range(world, cycle):
    alice = world.client("alice")
    doc = sealed_for(alice, version=1)
    doc["version"] = 2**31
    response = post(alice, doc)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_envelope"
    assert response.json()["detail"] == (
        "The sealed file's version is 2,147,483,648; a version is a whole number from 1 to 2,147,483,647."
    )
    with pytest.raises(SealingError, match="from 1 to 2,147,483,647"):
        seal(elements=None, public_key=None, cycle="2026", employer=1, version=VERSION_MAX + 1,
             taxonomy="compact-2026", layout="x")


def test_a_version_far_ahead_is_refused_so_the_employer_can_always_submit_again(world, cycle):
    alice = world.client("alice")
    top = post(alice, sealed_for(alice, version=VERSION_MAX))
    assert top.status_code == 400
    assert top.json()["code"] == "version_out_of_range"
    assert top.json()["detail"] == (
        "The sealed file's version is 2,147,483,647; your latest submission to cycle 2026 is version 0, "
        "so the version must be from 1 to 1,000. Seal again as version 1."
    )
    assert top.json()["details"] == {"latest_version": 0, "lowest": 1, "highest": 1000}
    # The top of the window is accepted, and the employer can still submit after it.
    assert post(alice, sealed_for(alice, version=1000)).status_code == 201
    assert post(alice, sealed_for(alice, version=2001)).status_code == 400
    after = post(alice, sealed_for(alice))
    assert after.status_code == 201 and after.json()["version"] == 1001
    assert sorted(SealedSubmission.objects.values_list("version", flat=True)) == [1000, 1001]


def test_a_version_out_of_range_is_explained_on_the_upload_page(world, cycle):
    alice = signed_in(world, "alice")
    doc = json.loads(sealed_file(alice).getvalue())
    doc["version"] = 2**40
    upload = io.BytesIO(json.dumps(doc).encode())
    upload.name = "sealed.json"
    response = alice.post("/employer/cycles/2026/submit", {"sealed": upload})
    assert response.status_code == 400
    assert ("sealed.json was not accepted: The sealed file's version is 1,099,511,627,776; a version is a whole "
            "number from 1 to 2,147,483,647.") in html.unescape(response.content.decode())
    assert SealedSubmission.objects.count() == 0
