"""Reporting cycles and their lifecycle: draft → open → closed → unmasked → published.

Every transition goes through :func:`cycle_transition`, which locks the row, refuses anything
not in ``ALLOWED`` with a message naming both states, stamps the time and writes the audit
event. No transition is ever reversed.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from compact.access import SYSTEM, Principal
from compact.errors import Conflict, DomainError
from compact.models import Cycle, CycleState, default_policy
from compact.services.audit import audit_record
from compact.services.guards import require_office
from employers.services.submissions import submission_intake_close, submission_set_freeze
from protocol import taxonomy
from protocol.officekey import OfficeKeyError, fingerprint, public_key_load, raw_public

ALLOWED: dict[str, str] = {
    CycleState.DRAFT: CycleState.OPEN,
    CycleState.OPEN: CycleState.CLOSED,
    CycleState.CLOSED: CycleState.UNMASKED,
    CycleState.UNMASKED: CycleState.PUBLISHED,
}
VERBS = {
    CycleState.OPEN: "opened",
    CycleState.CLOSED: "closed",
    CycleState.UNMASKED: "unmasked",
    CycleState.PUBLISHED: "published",
}
STAMPS = {
    CycleState.OPEN: "opened_at",
    CycleState.CLOSED: "closed_at",
    CycleState.UNMASKED: "unmasked_at",
    CycleState.PUBLISHED: "published_at",
}

POLICY_LIMITS = {
    # key: (lowest allowed, highest allowed)
    "min_employees": (5, 1000),
    "min_employers": (3, 1000),
    "min_cohort_employers": (3, 1000),
}


def policy_validate(policy: dict | None) -> dict:
    """A complete policy from a partial one, or a DomainError naming the bad key."""
    merged = default_policy()
    for key, value in (policy or {}).items():
        if key not in POLICY_LIMITS:
            raise DomainError(
                f"Unknown policy setting {key!r}; known settings: {', '.join(POLICY_LIMITS)}.",
                code="invalid_policy",
            )
        low, high = POLICY_LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DomainError(
                f"Policy setting {key} must be a whole number from {low} to {high}; got {value!r}.",
                code="invalid_policy",
            )
        merged[key] = value
    return merged


def _require_future(deadline: datetime) -> None:
    if timezone.is_naive(deadline):
        raise DomainError("The deadline needs a time zone (for example 2026-12-31T17:00:00-05:00).")
    if deadline <= timezone.now():
        raise DomainError(
            f"The deadline {deadline.isoformat()} has already passed; choose a later one.",
            code="deadline_past",
        )


@transaction.atomic
def cycle_create(
    *,
    principal: Principal,
    slug: str,
    name: str,
    deadline: datetime,
    taxonomy_name: str = taxonomy.DEFAULT_TAXONOMY,
    policy: dict | None = None,
) -> Cycle:
    require_office(principal)
    _require_future(deadline)
    if taxonomy_name not in taxonomy.available():
        raise DomainError(
            f"Unknown taxonomy {taxonomy_name!r}; available: {', '.join(taxonomy.available())}.",
            code="unknown_taxonomy",
        )
    try:
        with transaction.atomic():
            cycle = Cycle.objects.create(
                slug=slug,
                name=name,
                deadline=deadline,
                taxonomy=taxonomy_name,
                policy=policy_validate(policy),
            )
    except IntegrityError:
        raise Conflict(f"A cycle called {slug!r} already exists.", code="duplicate") from None
    audit_record(principal=principal, action="cycle.created", obj=cycle, cycle=cycle)
    return cycle


@transaction.atomic
def cycle_update(
    *,
    principal: Principal,
    cycle: Cycle,
    name: str | None = None,
    deadline: datetime | None = None,
    policy: dict | None = None,
) -> Cycle:
    """Edit a cycle. A draft can change anything; an open cycle only its name and deadline."""
    require_office(principal)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state not in (CycleState.DRAFT, CycleState.OPEN):
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; it can no longer be changed.")
    changes: dict = {}
    if policy is not None:
        if cycle.state != CycleState.DRAFT:
            raise Conflict("The disclosure policy is fixed once a cycle opens.")
        cycle.policy = policy_validate({**cycle.policy, **policy})
        changes["policy"] = cycle.policy
    if deadline is not None:
        _require_future(deadline)
        cycle.deadline = deadline
        changes["deadline"] = deadline.isoformat()
    if name is not None:
        cycle.name = name
        changes["name"] = name
    cycle.save()
    audit_record(principal=principal, action="cycle.updated", obj=cycle, cycle=cycle, details=changes)
    return cycle


def cycle_transition(
    *, principal: Principal, cycle: Cycle, to: str, details: dict | None = None
) -> Cycle:
    """Move a cycle one step along its lifecycle. Must run inside a transaction."""
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if ALLOWED.get(locked.state) != to:
        allowed = ALLOWED.get(locked.state)
        hint = f" It can only be {VERBS[allowed]} next." if allowed else " It is final."
        raise Conflict(
            f"Cycle {locked.slug} is {locked.state} and cannot be {VERBS.get(to, to)}.{hint}",
            code="illegal_transition",
            details={"state": locked.state, "requested": to},
        )
    locked.state = to
    setattr(locked, STAMPS[to], timezone.now())
    locked.save()
    audit_record(
        principal=principal,
        action=f"cycle.{VERBS[to]}",
        obj=locked,
        cycle=locked,
        details=details or {},
    )
    return locked


@transaction.atomic
def cycle_open(*, principal: Principal, cycle: Cycle) -> Cycle:
    require_office(principal)
    if cycle.state == CycleState.DRAFT:
        if not cycle.office_key_fingerprint:
            raise Conflict(
                "Register the equity office's public key before opening: employers need it "
                "to seal their data.",
                code="no_office_key",
            )
        _require_future(cycle.deadline)
    return cycle_transition(principal=principal, cycle=cycle, to=CycleState.OPEN)


@transaction.atomic
def cycle_close(*, principal: Principal, cycle: Cycle, reason: str = "office") -> Cycle:
    """Close a cycle (by the office, or by the deadline task) and freeze its submission set."""
    if principal is not SYSTEM:
        require_office(principal)
    submission_intake_close(cycle=cycle)
    closed = cycle_transition(
        principal=principal, cycle=cycle, to=CycleState.CLOSED, details={"reason": reason}
    )
    submission_set_freeze(cycle=closed)
    return closed


def cycles_overdue(*, now: datetime | None = None):
    return Cycle.objects.filter(state=CycleState.OPEN, deadline__lte=now or timezone.now())


def cycle_close_overdue(*, now: datetime | None = None) -> list[str]:
    """Close every open cycle whose deadline has passed; returns the slugs closed.

    Safe to run concurrently: a cycle someone else closed first is skipped.
    """
    closed = []
    for cycle in cycles_overdue(now=now):
        try:
            cycle_close(principal=SYSTEM, cycle=cycle, reason="deadline")
        except Conflict:
            continue
        closed.append(cycle.slug)
    return closed


@transaction.atomic
def cycle_set_office_key(*, principal: Principal, cycle: Cycle, public_key: bytes | str) -> Cycle:
    """Register the office's public key (generated on the office's own machine) on a draft cycle.

    The key is fixed once the cycle opens: employers seal to it.
    """
    require_office(principal)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state != CycleState.DRAFT:
        raise Conflict(
            f"Cycle {cycle.slug} is {cycle.state}; its office key is fixed once it opens.",
            code="key_fixed",
        )
    try:
        key = public_key_load(public_key)
    except OfficeKeyError as exc:
        raise DomainError(str(exc), code="invalid_key") from None
    cycle.office_public_key = raw_public(key)
    cycle.office_key_fingerprint = fingerprint(key)
    cycle.save(update_fields=["office_public_key", "office_key_fingerprint"])
    audit_record(
        principal=principal,
        action="cycle.office_key_registered",
        obj=cycle,
        cycle=cycle,
        details={"fingerprint": cycle.office_key_fingerprint},
    )
    return cycle
