"""An invited organisation's first person makes an account with the invitation code: the account
and the enrolment are made together or not at all, only for an invitation addressed to one
organisation that has nobody in the service yet; guessing codes on the page is throttled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from compact.models import AuditEvent, Enrollment, Invitation
from compact.services import invitations
from employers.models import Employer

STRONG = "quiet-harbour-lantern-41"


@pytest.fixture
def newcomer(db):
    return Employer.objects.create(name="Cedar Works", industry="IT", size_band="50-199")


@pytest.fixture
def cycle(make_cycle):
    return make_cycle(state="open", enrol=())


def _invite(world, cycle, employer, *, email="hr@cedar.example"):
    rows = [invitations.BulkRow(row=1, employer=employer.name, email=email)]
    made = invitations.invitations_create_bulk(principal=world.principal("ana"), cycle=cycle, rows=rows,
                                               enrol_url="http://testserver/employer/",
                                               join_url="http://testserver/join/?cycle=2026")
    return made[0].invitation, made[0].code


def _join(client, cycle, code, *, username="cedar.hr", password=STRONG, again=None):
    return client.post("/join/", {"cycle": cycle.slug, "code": code, "username": username,
                                  "password": password, "password_again": password if again is None else again})


def _nothing_made(username="cedar.hr"):
    assert not get_user_model().objects.filter(username=username).exists()
    assert not Enrollment.objects.filter(employer__name="Cedar Works").exists()


def test_the_first_person_makes_an_account_and_is_enrolled_and_signed_in(world, cycle, newcomer, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, code = _invite(world, cycle, newcomer)
    assert "http://testserver/join/?cycle=2026" in mailoutbox[0].body
    client = Client()
    form = client.get("/join/?cycle=2026").content.decode()
    assert 'value="2026"' in form and 'autocomplete="new-password"' in form
    response = _join(client, cycle, code.lower())
    assert response.status_code == 302 and response.url == f"/employer/cycles/{cycle.slug}/"
    user = get_user_model().objects.get(username="cedar.hr")
    assert user.email == "hr@cedar.example" and user.employer_membership.employer == newcomer
    assert not user.is_staff and not user.groups.exists()
    assert Enrollment.objects.get(cycle=cycle, employer=newcomer).invitation == invitation
    invitation.refresh_from_db()
    assert invitation.used_at is not None and invitation.used_by == newcomer
    actions = list(AuditEvent.objects.filter(employer=newcomer).values_list("action", flat=True))
    assert "person.created" in actions and "enrollment.created" in actions
    page = client.get(response.url)
    assert page.status_code == 200 and "Welcome" in page.content.decode()
    # Signed in, the page sends them on; the code is spent.
    assert client.get("/join/").status_code == 302
    again = _join(Client(), cycle, code, username="someone.else")
    assert again.status_code == 400 and "already used" in again.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(again="something-else-entirely"), "The two passwords differ"),
        (dict(password="12345678901"), "entirely numeric"),
        (dict(password="password123"), "too common"),
        (dict(username="alice"), "is taken"),
        (dict(username="bad name!"), "may hold only letters"),
        (dict(username=""), "Choose a username: This field is required"),
        (dict(code="TC-00000-00000-00000-00000"), "not valid"),
        (dict(code=""), "Invitation code: This field is required"),
    ],
)
def test_bad_input_is_named_and_nothing_is_made(world, cycle, newcomer, change, message):
    _, code = _invite(world, cycle, newcomer)
    fields = {"code": code, **change}
    code = fields.pop("code")
    response = _join(Client(), cycle, code, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Enrollment.objects.filter(employer=newcomer).exists()
    assert Invitation.objects.get(employer=newcomer).used_at is None
    assert not get_user_model().objects.filter(employer_membership__employer=newcomer).exists()


def test_an_unknown_cycle_or_a_code_of_another_cycle_is_refused(world, cycle, make_cycle, newcomer):
    _, code = _invite(world, cycle, newcomer)
    response = Client().post("/join/", {"cycle": "1999", "code": code, "username": "cedar.hr",
                                        "password": STRONG, "password_again": STRONG})
    assert response.status_code == 400 and "no cycle called" in response.content.decode()
    other = make_cycle("2027", state="open", enrol=())
    response = _join(Client(), other, code)
    assert response.status_code == 400 and "is for cycle 2026, not 2027" in response.content.decode()
    _nothing_made()


def test_an_expired_or_revoked_code_makes_no_account(world, cycle, newcomer):
    invitation, code = _invite(world, cycle, newcomer)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "expired" in _join(Client(), cycle, code).content.decode()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=cycle.deadline)
    invitations.invitation_revoke(principal=world.principal("ana"), invitation=invitation)
    assert "revoked" in _join(Client(), cycle, code).content.decode()
    _nothing_made()


def test_a_closed_cycle_makes_no_account(world, cycle, newcomer):
    _, code = _invite(world, cycle, newcomer)
    cycle.state = "closed"
    cycle.save(update_fields=["state"])
    response = _join(Client(), cycle, code)
    assert response.status_code == 400 and "enrolment is over" in response.content.decode()
    _nothing_made()


def test_an_organisation_with_people_is_joined_by_them_not_by_the_code(world, cycle):
    _, code = _invite(world, cycle, world.acme, email="hr@acme.example")
    response = _join(Client(), cycle, code, username="intruder")
    assert response.status_code == 400
    assert "Acme Analytics already has people in the service" in response.content.decode()
    assert not get_user_model().objects.filter(username="intruder").exists()
    # Its own person enrols with the same code.
    enrolled = world.client("alice").post(f"/api/v1/cycles/{cycle.slug}/enrol", {"code": code}, format="json")
    assert enrolled.status_code == 201


def test_an_invitation_to_no_organisation_makes_no_account(world, cycle):
    _, code = invitations.invitation_create(principal=world.principal("ana"), cycle=cycle)
    response = _join(Client(), cycle, code)
    assert response.status_code == 400 and "not addressed to one organisation" in response.content.decode()
    _nothing_made()


def test_guessing_codes_on_the_page_is_throttled(world, cycle, newcomer):
    cache.clear()
    client = Client()
    statuses = [_join(client, cycle, f"TC-{i:05d}").status_code for i in range(35)]
    assert statuses[0] == 400 and statuses[-1] == 429
    assert "Too many attempts" in _join(client, cycle, "TC-1").content.decode()
    _nothing_made()
    cache.clear()
