"""The office's pages: confirmation before what cannot be undone, the participation summary,
filter and CSV, invitation expiry against the deadline, and styled error pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from compact.models import Cycle, Invitation
from compact.services.invitations import invitation_create
from employers.models import ApiKey, Employer
from employers.services.organisations import office_api_key_create
from tests.employers.test_submissions import post, sealed_for


def signed_in(world, who) -> Client:
    client = Client()
    client.force_login(getattr(world, who))
    return client


@pytest.fixture
def open_cycle(world, make_cycle):
    """Cycle 2026, open: Acme has submitted, Birch has not."""
    cycle = make_cycle(state="open")
    alice = world.client("alice")
    assert post(alice, sealed_for(alice)).status_code == 201
    return cycle


# --- close ----------------------------------------------------------------------------------


def test_closing_asks_first_and_says_who_has_not_submitted(world, open_cycle):
    office = signed_in(world, "ana")
    cycle_page = office.get("/office/cycles/2026/").content.decode()
    assert 'href="/office/cycles/2026/close"' in cycle_page and "Close the cycle now…" in cycle_page
    confirm = office.get("/office/cycles/2026/close")
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Close cycle 2026 now?" in text
    assert "1 of 2 enrolled employers have submitted" in text
    assert "The 1 who have not (Birch Hospital) can no longer submit" in text
    assert "cannot be reopened" in text and "closing now ends the cycle early" in text
    assert "never enrolled" not in text
    assert 'name="confirm" value="yes"' in text and 'action="/office/cycles/2026/close"' in text
    assert Cycle.objects.get(slug="2026").state == "open"
    # A POST without the confirmation (an old form, a script) shows the same page and closes nothing.
    assert "Close cycle 2026 now?" in office.post("/office/cycles/2026/close").content.decode()
    assert office.post("/office/cycles/2026/close", {"confirm": "no"}).status_code == 200
    assert Cycle.objects.get(slug="2026").state == "open"
    done = office.post("/office/cycles/2026/close", {"confirm": "yes"}, follow=True)
    assert "The cycle is closed and its submissions are frozen." in done.content.decode()
    assert Cycle.objects.get(slug="2026").state == "closed"
    again = office.get("/office/cycles/2026/close", follow=True).content.decode()
    assert "only an open cycle can be closed" in again


def test_only_the_office_reaches_the_close_page(world, open_cycle):
    for who in ("alice", "olga"):
        assert signed_in(world, who).post("/office/cycles/2026/close", {"confirm": "yes"}).status_code == 404
    assert Client().get("/office/cycles/2026/close").url.startswith("/accounts/login/")
    assert Cycle.objects.get(slug="2026").state == "open"


# --- participation ----------------------------------------------------------------------------


def test_participation_says_n_of_m_and_filters_by_stage(world, open_cycle):
    outsider = Employer.objects.create(name="Cedar Bank", industry="Financial Services", size_band="500+")
    invitation_create(principal=world.principal("ana"), cycle=open_cycle, employer=outsider)
    office = signed_in(world, "ana")
    page = office.get("/office/cycles/2026/").content.decode()
    assert "<strong>1 of 2</strong> enrolled employers submitted; 1 still to submit; 1 invited but not enrolled." in page
    waiting = office.get("/office/cycles/2026/?show=waiting").content.decode()
    table = waiting.split('id="participation"')[1].split("</table>")[0]
    assert "Birch Hospital" in table and "Acme Analytics" not in table and "Cedar Bank" not in table
    table = office.get("/office/cycles/2026/?show=not_enrolled").content.decode().split('id="participation"')[1].split("</table>")[0]
    assert "Cedar Bank" in table and "Birch Hospital" not in table
    closing = office.get("/office/cycles/2026/close").content.decode()
    assert "1 invited employer(s) never enrolled (Cedar Bank); their invitations stop working." in closing
    nonsense = office.get("/office/cycles/2026/?show=<script>").content.decode()
    assert "Cedar Bank" in nonsense and "Acme Analytics" in nonsense and "<script>" not in nonsense


def test_participation_downloads_as_csv_with_names_that_cannot_run_as_formulas(world, open_cycle):
    sly = Employer.objects.create(name="=HYPERLINK(\"http://x\")", industry="IT", size_band="1-49")
    invitation_create(principal=world.principal("ana"), cycle=open_cycle, employer=sly)
    response = signed_in(world, "ana").get("/office/cycles/2026/participation.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="participation-2026.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_name = {r["employer"]: r for r in rows}
    assert set(by_name) == {"Acme Analytics", "Birch Hospital", "'=HYPERLINK(\"http://x\")"}
    assert by_name["Acme Analytics"]["submission versions"] == "1" and by_name["Acme Analytics"]["stage"] == "submitted"
    assert by_name["Birch Hospital"]["stage"] == "waiting" and by_name["Birch Hospital"]["last submitted at"] == ""
    assert by_name["'=HYPERLINK(\"http://x\")"]["stage"] == "not enrolled"
    for who in ("alice", "olga"):
        assert signed_in(world, who).get("/office/cycles/2026/participation.csv").status_code == 404
    assert signed_in(world, "ana").get("/office/cycles/nope/participation.csv").status_code == 404


# --- invitations ----------------------------------------------------------------------------


def test_an_invitation_that_expires_before_the_deadline_is_warned_about_when_issued_and_on_the_page(world, make_cycle):
    make_cycle(state="draft", enrol=(), days=30)
    office = signed_in(world, "ana")
    form = office.get("/office/cycles/2026/").content.decode()
    assert 'name="valid_days" value="30"' in form  # the offered validity covers the deadline
    issued = office.post("/office/cycles/2026/invitations/new", {"employer": world.acme.pk, "valid_days": 10},
                         follow=True).content.decode()
    assert "expires on" in issued and "before the cycle&#x27;s deadline" in issued
    assert "before the deadline</span>" in issued
    fine = office.post("/office/cycles/2026/invitations/new", {"employer": world.birch.pk, "valid_days": 30},
                       follow=True).content.decode()
    assert "before the cycle&#x27;s deadline" not in fine
    assert fine.count("before the deadline</span>") == 1  # only Acme's
    short, enough = Invitation.objects.order_by("created_at")
    assert short.expires_before_deadline and not enough.expires_before_deadline
    api = world.client("ana").get("/api/v1/cycles/2026/invitations/").json()["results"]
    assert {i["employer"]: i["expires_before_deadline"] for i in api} == {"Acme Analytics": True, "Birch Hospital": False}


def test_the_validity_offered_covers_the_deadline_within_the_services_range(world, make_cycle):
    from compact.forms import InvitationForm

    assert InvitationForm.days_to_cover(timezone.now() + timedelta(days=400)) == 365
    assert InvitationForm.days_to_cover(timezone.now() - timedelta(days=3)) == 1
    assert InvitationForm.days_to_cover(timezone.now() + timedelta(days=29, hours=1)) == 30


def test_revoking_an_invitation_asks_first(world, make_cycle):
    cycle = make_cycle(state="draft", enrol=())
    invitation, _ = invitation_create(principal=world.principal("ana"), cycle=cycle, employer=world.acme)
    office = signed_in(world, "ana")
    url = f"/office/cycles/2026/invitations/{invitation.pk}/revoke"
    assert f'href="{url}"' in office.get("/office/cycles/2026/").content.decode()
    confirm = office.get(url).content.decode()
    assert f"Revoke invitation …{invitation.hint}?" in confirm and "stops working at once" in confirm
    assert "Acme Analytics" in confirm
    office.post(url)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    office.post(url, {"confirm": "yes"})
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    again = office.get(url, follow=True).content.decode()
    assert "is revoked; there is nothing to revoke" in again
    assert office.get("/office/cycles/2026/invitations/99999/revoke").status_code == 404


def test_revoking_an_office_key_asks_first(world):
    key, _ = office_api_key_create(principal=world.principal("ana"), name="laptop")
    office = signed_in(world, "ana")
    confirm = office.post("/office/keys/", {"revoke": key.pk}).content.decode()
    assert "Revoke the office key laptop?" in confirm and f'name="revoke" value="{key.pk}"' in confirm
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    office.post("/office/keys/", {"revoke": key.pk, "confirm": "yes"})
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


# --- error pages ------------------------------------------------------------------------------


def test_an_unknown_cycle_gives_the_styled_not_found_page(world):
    page = signed_in(world, "ana").get("/office/cycles/nope/")
    text = page.content.decode()
    assert page.status_code == 404
    assert "<h1>Page not found</h1>" in text and "/static/compact/site.css" in text
    assert "/office/cycles/nope/" in text and "as ana (equity office)" in text
    assert "Go to your start page" in text


@pytest.mark.parametrize("who, role", [("alice", "Acme Analytics"), ("olga", "no role yet")])
def test_a_page_outside_ones_role_gives_the_styled_not_found_page_naming_the_role(world, who, role):
    page = signed_in(world, who).get("/people/")
    text = page.content.decode()
    assert page.status_code == 404 and "<h1>Page not found</h1>" in text and f"as {who} ({role})" in text
    assert "each role sees only its own pages" in text


def test_an_unknown_address_for_someone_signed_out_offers_sign_in(world):
    page = Client().get("/no/such/page")
    assert page.status_code == 404 and "Page not found" in page.content.decode()
    assert 'href="/accounts/login/"' in page.content.decode()


def test_a_server_error_page_is_styled_and_needs_neither_the_database_nor_a_signed_in_person(db):
    from django.test import RequestFactory
    from django.views.defaults import permission_denied, server_error

    page = server_error(RequestFactory().get("/office/cycles/"))
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.content.decode() and "site.css" in page.content.decode()
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    request = RequestFactory().get("/x")
    request.user = AnonymousUser()
    denied = permission_denied(request, PermissionDenied("Only the equity office can do this."))
    assert denied.status_code == 403 and "Only the equity office can do this." in denied.content.decode()
