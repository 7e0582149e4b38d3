"""Read-side queries of the compact's own domain (cycles, invitations, the audit log),
filtered by who asks. Lists are filtered here, not only detail views; employers' own records
are read through ``employers.selectors``.

Guarantee: an employer principal never receives another employer's rows from any selector.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from compact.access import Principal
from compact.errors import NotFound
from compact.models import AuditEvent, Cycle, CycleState, Invitation
from compact.services.guards import require_admin


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


def cycle_get_for_enrolment(*, slug: str) -> Cycle:
    """A cycle by its slug, for an employer enrolling with a code: it cannot see the cycle yet,
    and a wrong slug gets the same answer as a wrong code."""
    cycle = Cycle.objects.filter(slug=slug).first()
    if cycle is None:
        raise NotFound(f"No cycle {slug!r}.")
    return cycle


def cycle_get_by_id(*, pk: int) -> Cycle:
    """A cycle by its id, for the service's own tasks (no principal: never for a request)."""
    return Cycle.objects.get(pk=pk)


def cycle_get_published(*, slug: str) -> Cycle:
    cycle = Cycle.objects.filter(slug=slug, state=CycleState.PUBLISHED).first()
    if cycle is None:
        raise NotFound(f"Cycle {slug!r} has no published release.")
    return cycle


def invitations_visible(*, principal: Principal, cycle: Cycle) -> QuerySet[Invitation]:
    if not principal.is_office:
        return Invitation.objects.none()
    return cycle.invitations.select_related("employer", "used_by")


def audit_events_visible(*, principal: Principal) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("cycle", "employer")
    if principal.is_office:
        return events
    if principal.employer is not None:
        return events.filter(employer=principal.employer)
    return AuditEvent.objects.none()


def people_list(*, principal: Principal) -> QuerySet:
    """Every person with their employer membership, by username (administrators only)."""
    require_admin(principal)
    return get_user_model().objects.select_related("employer_membership__employer").order_by("username")


def person_get(*, principal: Principal, pk: int):
    """One person (administrators only); NotFound if there is none."""
    require_admin(principal)
    user = get_user_model().objects.filter(pk=pk).first()
    if user is None:
        raise NotFound(f"No person {pk}.")
    return user
