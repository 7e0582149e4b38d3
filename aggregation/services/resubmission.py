"""A resubmission window: before the unmask, the office lets one employer submit again (DESIGN §2.7).

A submission the office cannot open can be excluded (``services.exclusions``); when the
employer can still put it right, the office can instead grant that employer a window after
close. A version the employer sends inside the window replaces its member of the frozen set
(``employers.services.submissions``); the window ends at ``until`` or when the office requests
the unmask, whichever comes first, so the set the unmask takes is fixed from then on.

Guarantees:
- A window is granted only by the office, only for a closed cycle whose unmask has not been
  requested, only for an enrolled employer, with a reason and an end in the future no more than
  ``WINDOW_DAYS_MAX`` days ahead; anything else is refused with a message naming the field, and
  nothing is recorded.
- Granting again for the same employer moves the end of its window (one row per employer);
  every grant is an audit event with who, until when and why.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from aggregation.models import UnmaskJob
from compact.access import Principal
from compact.errors import Conflict, DomainError
from compact.models import Cycle, CycleState, Enrollment
from compact.services.audit import audit_record
from compact.services.guards import require_office
from employers.models import Employer, ResubmissionWindow

WINDOW_DAYS_MAX = 14
REASON_MAX_CHARS = 500


@transaction.atomic
def resubmission_grant(
    *, principal: Principal, cycle: Cycle, employer_id: int, until: datetime, reason: str
) -> ResubmissionWindow:
    """Let one employer submit again after close, until ``until`` or the unmask request."""
    require_office(principal)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state != CycleState.CLOSED:
        hint = "employers can still submit" if cycle.state == CycleState.OPEN else "a window is for a closed cycle"
        raise Conflict(
            f"Cycle {cycle.slug} is {cycle.get_state_display().lower()}; {hint}.", code="cycle_not_closed"
        )
    if UnmaskJob.objects.filter(cycle=cycle).exists():
        raise Conflict(
            f"The unmask of {cycle.slug} has been requested, so its submission set is fixed; exclude a "
            "submission that does not open instead.",
            code="unmask_requested",
        )
    employer = Employer.objects.filter(pk=employer_id).first()
    if employer is None or not Enrollment.objects.filter(cycle=cycle, employer=employer).exists():
        raise DomainError(f"employer: no employer {employer_id} is enrolled in {cycle.slug}.", code="not_enrolled")
    now = timezone.now()
    if timezone.is_naive(until):
        raise DomainError("until: give a time zone (for example 2026-12-10T17:00:00-05:00).", code="bad_until")
    if until <= now:
        raise DomainError(
            f"until: {timezone.localtime(until):%Y-%m-%d %H:%M} has passed; give a time in the future.",
            code="bad_until",
        )
    if until > now + timedelta(days=WINDOW_DAYS_MAX):
        raise DomainError(
            f"until: a window lasts at most {WINDOW_DAYS_MAX} days (to "
            f"{timezone.localtime(now + timedelta(days=WINDOW_DAYS_MAX)):%Y-%m-%d %H:%M}).",
            code="bad_until",
        )
    reason = reason.strip()
    if not reason:
        raise DomainError("reason: say why this employer may submit again.", code="no_reason")
    if len(reason) > REASON_MAX_CHARS:
        raise DomainError(
            f"reason: {len(reason):,} characters; at most {REASON_MAX_CHARS}.", code="reason_too_long"
        )
    window, created = ResubmissionWindow.objects.update_or_create(
        cycle=cycle, employer=employer,
        defaults={"until": until, "reason": reason, "granted_by": principal.user, "ended_at": None},
    )
    audit_record(
        principal=principal,
        action="submission.window_granted",
        obj=window,
        cycle=cycle,
        employer=employer,
        details={"until": until.isoformat(), "reason": reason, "again": not created},
    )
    return window
