"""Content-Security-Policy and Permissions-Policy on every page."""

from __future__ import annotations

import pytest
from django.test import Client

from compact.content_policy import PAGE_POLICY, PERMISSIONS_POLICY, content_policy
from employers.browser import PAGE_CSP


def _signed_in(world, who):
    client = Client()
    if who is not None:
        client.force_login(getattr(world, who))
    return client


def _directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


PAGES = [
    (None, "/accounts/login/", 200),
    (None, "/releases/", 200),
    (None, "/no/such/page/", 404),
    (None, "/office/cycles/2026/", 302),
    ("ana", "/office/cycles/", 200),
    ("ana", "/office/cycles/2026/", 200),
    ("ana", "/office/employers/", 200),
    ("ana", "/office/keys/", 200),
    ("root", "/people/", 200),
    ("alice", "/employer/", 200),
    ("alice", "/employer/cycles/2026/", 200),
    ("alice", "/office/cycles/", 404),
    ("olga", "/", 200),
]


@pytest.mark.parametrize(("who", "path", "status"), PAGES)
def test_every_page_has_the_strict_policy_and_denies_powerful_features(world, make_cycle, who, path, status):
    make_cycle("2026")
    response = _signed_in(world, who).get(path)
    assert response.status_code == status
    if response["Content-Type"].startswith("text/html"):
        assert response["Content-Security-Policy"] == PAGE_POLICY
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_the_default_policy_allows_this_origin_only_and_no_inline_code():
    directives = _directives(PAGE_POLICY)
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "style-src", "img-src", "connect-src", "font-src", "form-action"):
        assert directives[name] == "'self'", name
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in PAGE_POLICY and "data:" not in PAGE_POLICY
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in PERMISSIONS_POLICY


def test_the_browser_submission_page_keeps_its_own_policy(world, make_cycle):
    make_cycle("2026")
    response = _signed_in(world, "alice").get("/employer/cycles/2026/browser")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == PAGE_CSP
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_the_review_page_with_the_reports_charts_allows_inline_styles_but_no_inline_script(world, make_cycle):
    make_cycle("2026")
    response = _signed_in(world, "ana").get("/office/cycles/2026/review/")
    directives = _directives(response["Content-Security-Policy"])
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert {**directives, "style-src": "'self'"} == _directives(PAGE_POLICY)


def test_the_lockout_page_has_the_policy(world, settings):
    settings.AXES_FAILURE_LIMIT = 1
    client = Client()
    client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    assert locked.status_code == 429 and locked["Content-Security-Policy"] == PAGE_POLICY


def test_the_api_docs_allow_inline_styles_and_data_images_but_no_inline_script(client, db):
    page = client.get("/api/docs/")
    directives = _directives(page["Content-Security-Policy"])
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'" and directives["img-src"] == "'self' data:"
    body = page.content.decode()
    # Every script is a file: the page's own set-up script is served by the same view.
    assert "<script>" not in body and "?script=" in body.replace("&amp;", "&")
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_api_answers_carry_the_permissions_policy(client, db):
    response = client.get("/api/v1/health")
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_a_policy_change_must_name_a_known_directive():
    with pytest.raises(ValueError, match="scirpt-src"):
        content_policy(scirpt_src="'self'")
