"""Invitation misuse: each way a code can fail gets its own clear message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compact.errors import Conflict, DomainError, Gone, NotAllowed, NotFound
from compact.models import Enrollment, Invitation
from compact.services import invitations


@pytest.fixture
def cycle(make_cycle):
    return make_cycle(state="open", enrol=())


def _invite(world, cycle, **kwargs):
    return invitations.invitation_create(principal=world.principal("ana"), cycle=cycle, **kwargs)


def test_a_code_enrols_the_employer_once_and_is_stored_only_hashed(world, cycle):
    invitation, code = _invite(world, cycle)
    assert code not in invitation.code_hash and invitation.hint == code[-4:]
    enrolment = invitations.invitation_accept(principal=world.principal("alice"), cycle=cycle, code=code.lower())
    assert enrolment.employer == world.acme
    with pytest.raises(Gone, match="already used on") as info:
        invitations.invitation_accept(principal=world.principal("bob"), cycle=cycle, code=code)
    assert info.value.code == "code_used"


def test_codes_forgive_spacing_case_and_confusable_letters(world, cycle):
    _, code = _invite(world, cycle)
    sloppy = code.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    invitations.invitation_accept(principal=world.principal("alice"), cycle=cycle, code=sloppy)
    assert Enrollment.objects.filter(cycle=cycle, employer=world.acme).exists()


@pytest.mark.parametrize(
    ("setup", "error", "code", "message"),
    [
        ("unknown", NotFound, "code_invalid", "not valid"),
        ("revoked", Gone, "code_revoked", "revoked by the equity office"),
        ("expired", Gone, "code_expired", "expired on"),
        ("other_cycle", Conflict, "code_other_cycle", "is for cycle other, not 2026"),
        ("other_employer", NotAllowed, "code_other_employer", "issued to another organisation"),
        ("closed_cycle", Conflict, "cycle_closed", "enrolment is over"),
        ("already", Conflict, "already_enrolled", "already enrolled"),
        ("empty", DomainError, "code_missing", "Enter the invitation code"),
    ],
)
def test_each_misuse_has_its_own_message(world, cycle, make_cycle, setup, error, code, message):
    invitation, raw = _invite(world, cycle)
    if setup == "unknown":
        raw = "TC-AAAAA-BBBBB-CCCCC-DDDDD"
    elif setup == "revoked":
        invitations.invitation_revoke(principal=world.principal("ana"), invitation=invitation)
    elif setup == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif setup == "other_cycle":
        other = make_cycle("other", state="open", enrol=())
        _, raw = _invite(world, other)
    elif setup == "other_employer":
        _, raw = _invite(world, cycle, employer=world.birch)
    elif setup == "closed_cycle":
        from compact.services.cycles import cycle_close

        cycle_close(principal=world.principal("ana"), cycle=cycle)
        cycle.refresh_from_db()
    elif setup == "already":
        _, first = _invite(world, cycle)
        invitations.invitation_accept(principal=world.principal("alice"), cycle=cycle, code=first)
    elif setup == "empty":
        raw = " - "
    with pytest.raises(error) as info:
        invitations.invitation_accept(principal=world.principal("alice"), cycle=cycle, code=raw)
    assert info.value.code == code
    assert message in info.value.message


def test_the_api_reports_misuse_with_status_and_code(world, cycle):
    invitation, raw = _invite(world, cycle)
    invitations.invitation_revoke(principal=world.principal("ana"), invitation=invitation)
    response = world.client("alice").post(f"/api/v1/cycles/{cycle.slug}/enrol", {"code": raw}, format="json")
    assert response.status_code == 410
    assert response.json()["code"] == "code_revoked"
    missing = world.client("alice").post(f"/api/v1/cycles/{cycle.slug}/enrol", {}, format="json")
    assert missing.status_code == 400 and "code" in missing.json()["fields"]


def test_revoking_twice_or_after_use_is_refused(world, cycle):
    invitation, raw = _invite(world, cycle)
    invitations.invitation_accept(principal=world.principal("alice"), cycle=cycle, code=raw)
    invitation.refresh_from_db()
    with pytest.raises(Conflict, match="already been used"):
        invitations.invitation_revoke(principal=world.principal("ana"), invitation=invitation)
    other, _ = _invite(world, cycle)
    invitations.invitation_revoke(principal=world.principal("ana"), invitation=other)
    with pytest.raises(Conflict, match="already revoked"):
        invitations.invitation_revoke(principal=world.principal("ana"), invitation=other)


def test_no_invitations_for_a_closed_cycle_and_validity_is_bounded(world, make_cycle):
    closed = make_cycle("done", state="closed", enrol=())
    with pytest.raises(Conflict, match="can no longer be sent"):
        _invite(world, closed)
    open_cycle = make_cycle("x", state="open", enrol=())
    with pytest.raises(DomainError, match="1 to 365 days"):
        _invite(world, open_cycle, valid_days=0)


def test_enrolment_guessing_is_throttled(world, cycle, settings):
    from django.core.cache import cache

    cache.clear()
    client = world.client("alice")
    statuses = [
        client.post(f"/api/v1/cycles/{cycle.slug}/enrol", {"code": f"TC-{i:05d}"}, format="json").status_code
        for i in range(35)
    ]
    assert statuses[0] == 404 and statuses[-1] == 429
