"""Invitations: single-use enrolment codes, stored hashed, with expiry and revocation.

A code is 100 random bits shown once as ``TC-XXXXX-XXXXX-XXXXX-XXXXX`` (Crockford base32, no
ambiguous letters). It is high-entropy, so a plain SHA-256 is the right hash: a slow password
hash would add nothing. Each way a code can fail has its own message and ``code``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from compact.access import Principal
from compact.errors import Conflict, DomainError, Gone, NotAllowed, NotFound
from compact.models import Cycle, CycleState, Enrollment, Invitation
from compact.services.audit import audit_record
from compact.services.guards import require_employer, require_office

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ENROLLABLE = (CycleState.DRAFT, CycleState.OPEN)


def invitation_code_normalise(code: str) -> str:
    """Upper-case, drop spaces and dashes, read I/L as 1 and O as 0 (Crockford)."""
    cleaned = re.sub(r"[\s-]", "", code or "").upper()
    cleaned = cleaned.removeprefix("TC")
    return cleaned.translate(str.maketrans("ILO", "110"))


def _hash(code: str) -> str:
    return hashlib.sha256(invitation_code_normalise(code).encode()).hexdigest()


def _new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(20))
    return "TC-" + "-".join(body[i : i + 5] for i in range(0, 20, 5))


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


@transaction.atomic
def invitation_create(
    *,
    principal: Principal,
    cycle: Cycle,
    employer=None,
    note: str = "",
    valid_days: int = 30,
) -> tuple[Invitation, str]:
    """A new invitation and its code. The code is returned once and never stored."""
    require_office(principal)
    if cycle.state not in ENROLLABLE:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; invitations can no longer be sent.")
    if not 1 <= valid_days <= 365:
        raise DomainError(f"An invitation is valid for 1 to 365 days; got {valid_days}.")
    code = _new_code()
    invitation = Invitation.objects.create(
        cycle=cycle,
        code_hash=_hash(code),
        hint=code[-4:],
        employer=employer,
        note=note,
        expires_at=timezone.now() + timedelta(days=valid_days),
        created_by=principal.user,
    )
    audit_record(
        principal=principal,
        action="invitation.created",
        obj=invitation,
        cycle=cycle,
        employer=employer,
        details={"hint": invitation.hint, "valid_days": valid_days},
    )
    return invitation, code


@transaction.atomic
def invitation_revoke(*, principal: Principal, invitation: Invitation) -> Invitation:
    require_office(principal)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at:
        raise Conflict("This invitation has already been used; revoking it changes nothing.")
    if invitation.revoked_at:
        raise Conflict("This invitation is already revoked.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        principal=principal, action="invitation.revoked", obj=invitation, cycle=invitation.cycle
    )
    return invitation


@transaction.atomic
def invitation_accept(*, principal: Principal, cycle: Cycle, code: str) -> Enrollment:
    """Enrol the principal's employer in ``cycle`` with ``code``."""
    require_employer(principal)
    employer = principal.employer
    if not invitation_code_normalise(code):
        raise DomainError("Enter the invitation code you received.", code="code_missing")
    invitation = (
        Invitation.objects.select_for_update().filter(code_hash=_hash(code)).select_related("cycle").first()
    )
    if invitation is None:
        raise NotFound(
            "This invitation code is not valid. Check it for typos; codes look like "
            "TC-XXXXX-XXXXX-XXXXX-XXXXX.",
            code="code_invalid",
        )
    if invitation.cycle_id != cycle.pk:
        raise Conflict(
            f"This invitation is for cycle {invitation.cycle.slug}, not {cycle.slug}.",
            code="code_other_cycle",
        )
    if invitation.revoked_at:
        raise Gone(
            f"This invitation was revoked by the equity office on {_when(invitation.revoked_at)}.",
            code="code_revoked",
        )
    if invitation.used_at:
        raise Gone(
            f"This invitation was already used on {_when(invitation.used_at)}; each code works once.",
            code="code_used",
        )
    if invitation.expires_at <= timezone.now():
        raise Gone(
            f"This invitation expired on {_when(invitation.expires_at)}. Ask the equity office "
            "for a new one.",
            code="code_expired",
        )
    if invitation.employer_id and invitation.employer_id != employer.pk:
        raise NotAllowed("This invitation was issued to another organisation.", code="code_other_employer")
    if cycle.state not in ENROLLABLE:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; enrolment is over.", code="cycle_closed")
    if Enrollment.objects.filter(cycle=cycle, employer=employer).exists():
        raise Conflict(
            f"{employer.name} is already enrolled in cycle {cycle.slug}.", code="already_enrolled"
        )
    invitation.used_at = timezone.now()
    invitation.used_by = employer
    invitation.save(update_fields=["used_at", "used_by"])
    enrollment = Enrollment.objects.create(cycle=cycle, employer=employer, invitation=invitation)
    audit_record(
        principal=principal,
        action="enrollment.created",
        obj=enrollment,
        cycle=cycle,
        employer=employer,
        details={"invitation": invitation.hint},
    )
    return enrollment
