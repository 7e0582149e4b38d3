"""Read-side queries, filtered by who asks. Lists are filtered here, not only detail views.

Guarantee: an employer principal never receives another employer's rows from any selector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from compact.access import Principal
from compact.errors import NotFound
from compact.models import AuditEvent, Cycle, CycleState, Enrollment, Invitation
from employers.models import ApiKey, Employer, SealedSubmission


def cycles_visible(*, principal: Principal) -> QuerySet[Cycle]:
    if principal.is_office:
        return Cycle.objects.all()
    if principal.employer is not None:
        return Cycle.objects.filter(enrollments__employer=principal.employer).distinct()
    return Cycle.objects.none()


def cycle_get(*, principal: Principal, slug: str) -> Cycle:
    """A cycle the principal may see; NotFound otherwise (never reveals that it exists)."""
    cycle = cycles_visible(principal=principal).filter(slug=slug).first()
    if cycle is None:
        raise NotFound(f"No cycle {slug!r} that you can see.")
    return cycle


def cycle_get_published(*, slug: str) -> Cycle:
    cycle = Cycle.objects.filter(slug=slug, state=CycleState.PUBLISHED).first()
    if cycle is None:
        raise NotFound(f"Cycle {slug!r} has no published release.")
    return cycle


def employers_visible(*, principal: Principal) -> QuerySet[Employer]:
    if principal.is_office:
        return Employer.objects.all()
    if principal.employer is not None:
        return Employer.objects.filter(pk=principal.employer.pk)
    return Employer.objects.none()


def employer_get(*, principal: Principal, pk: int) -> Employer:
    employer = employers_visible(principal=principal).filter(pk=pk).first()
    if employer is None:
        raise NotFound(f"No employer {pk} that you can see.")
    return employer


def invitations_visible(*, principal: Principal, cycle: Cycle) -> QuerySet[Invitation]:
    if not principal.is_office:
        return Invitation.objects.none()
    return cycle.invitations.select_related("employer", "used_by")


def api_keys_visible(*, principal: Principal, employer: Employer) -> QuerySet[ApiKey]:
    if principal.is_admin or (principal.employer is not None and principal.employer.pk == employer.pk):
        return employer.api_keys.all()
    return ApiKey.objects.none()


def audit_events_visible(*, principal: Principal) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("cycle", "employer")
    if principal.is_office:
        return events
    if principal.employer is not None:
        return events.filter(employer=principal.employer)
    return AuditEvent.objects.none()


@dataclass(frozen=True)
class ParticipationRow:
    """One employer's part in a cycle: metadata only, never a figure."""

    employer: Employer
    invited: int
    enrolled_at: datetime | None
    versions: int
    last_submitted_at: datetime | None
    late: bool


def cycle_participation(*, principal: Principal, cycle: Cycle) -> list[ParticipationRow]:
    if not principal.is_office:
        raise NotFound(f"No cycle {cycle.slug!r} that you can see.")
    enrolments = {e.employer_id: e for e in Enrollment.objects.filter(cycle=cycle)}
    invited: dict[int, int] = {}
    for inv in cycle.invitations.all():
        target = inv.used_by_id or inv.employer_id
        if target is not None:
            invited[target] = invited.get(target, 0) + 1
    subs: dict[int, list[SealedSubmission]] = {}
    for s in SealedSubmission.objects.filter(cycle=cycle).only(
        "employer_id", "version", "received_at", "late"
    ):
        subs.setdefault(s.employer_id, []).append(s)
    ids = set(enrolments) | set(invited)
    rows = []
    for employer in Employer.objects.filter(pk__in=ids).order_by("name"):
        mine = subs.get(employer.pk, [])
        latest = max(mine, key=lambda s: s.version) if mine else None
        rows.append(
            ParticipationRow(
                employer=employer,
                invited=invited.get(employer.pk, 0),
                enrolled_at=enrolments[employer.pk].enrolled_at if employer.pk in enrolments else None,
                versions=len(mine),
                last_submitted_at=latest.received_at if latest else None,
                late=bool(latest and latest.late),
            )
        )
    return rows
