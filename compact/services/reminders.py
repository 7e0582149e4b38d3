"""Reminders to employers that were invited to a cycle and have not submitted.

Guarantees: a reminder goes only to an invited or enrolled employer
that has submitted nothing, while the cycle is open; an employer reminded within ``REMINDER_QUIET`` is left out and
named (``ReminderPlan.recently``), as is one with no known address; each reminded employer has
one ``reminder.sent`` audit event, written in the same transaction; the emails go out through
Django's email backend after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from compact.access import Principal
from compact.errors import Conflict, DomainError
from compact.models import AuditEvent, Cycle, CycleState
from compact.services.audit import audit_record
from compact.services.guards import require_office
from compact.services.invitations import Delivery, emails_send, when_text

REMINDER_QUIET = timedelta(hours=24)


@dataclass(frozen=True)
class ReminderPlan:
    """Who a reminder would go to, and who not and why: what the confirmation page says."""

    to_send: list  # [(employer, [addresses], stage)]
    recently: list  # [(employer, when last reminded)]
    no_address: list  # [employer]


def _addresses(cycle: Cycle, employer) -> list[str]:
    """The employer's people, and the addresses its invitations for this cycle were sent to."""
    found = [m.user.email for m in employer.members.select_related("user") if m.user.email and m.user.is_active]
    found += [e for e in cycle.invitations.filter(employer=employer).exclude(email="").values_list("email", flat=True)]
    return sorted(set(found))


def reminders_plan(*, principal: Principal, cycle: Cycle, employer_ids: list[int] | None, again: bool = False) -> ReminderPlan:
    """Who would be reminded: the invited or enrolled employers (all, or those in
    ``employer_ids``) that have submitted nothing; those reminded within REMINDER_QUIET are left
    out unless ``again``."""
    from employers.selectors import cycle_participation

    require_office(principal)
    if cycle.state == CycleState.DRAFT:
        raise Conflict(f"Cycle {cycle.slug} is not open yet; remind employers once they can submit.")
    if cycle.state != CycleState.OPEN:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; nobody can submit any more, so there is nothing to "
                       "remind anyone of.")
    rows = [r for r in cycle_participation(principal=principal, cycle=cycle) if r.stage != "submitted"]
    if employer_ids is not None:
        known = {r.employer.pk for r in rows}
        unknown = [i for i in employer_ids if i not in known]
        if unknown:
            raise DomainError("Some of the chosen employers have submitted already or are not invited to this cycle; "
                              "reload the page and choose again.")
        rows = [r for r in rows if r.employer.pk in set(employer_ids)]
    if not rows:
        raise DomainError("Nobody to remind: every invited employer has submitted." if employer_ids is None
                          else "Choose at least one employer that has not submitted.")
    since = timezone.now() - REMINDER_QUIET
    last = {}
    events = AuditEvent.objects.filter(cycle=cycle, action__in=("reminder.sent", "reminder.failed"), at__gte=since)
    for event in events.order_by("at", "pk"):
        if event.action == "reminder.sent":
            last[event.employer_id] = event.at
        else:  # the mail server refused it: it does not count as a reminder
            last.pop(event.employer_id, None)
    plan = ReminderPlan(to_send=[], recently=[], no_address=[])
    for r in rows:
        if r.employer.pk in last and not again:
            plan.recently.append((r.employer, last[r.employer.pk]))
            continue
        addresses = _addresses(cycle, r.employer)
        if not addresses:
            plan.no_address.append(r.employer)
        else:
            plan.to_send.append((r.employer, addresses, r.stage))
    return plan


def _reminder_email(*, cycle: Cycle, employer, addresses: list[str], stage: str, url: str) -> EmailMessage:
    step = ("enrol with the invitation code we sent you, then seal and submit your figures"
            if stage == "not_enrolled" else "seal and submit your figures")
    body = (
        f"A reminder from the city's equity office: {employer.name} has not submitted to {cycle.name} yet.\n\n"
        f"The deadline is {when_text(cycle.deadline)}. Before then, sign in at {url} and {step}.\n\n"
        "If you lost your invitation code, reply to this email and we will send a new one.\n"
    )
    return EmailMessage(subject=f"Reminder: {cycle.name} closes on {timezone.localtime(cycle.deadline):%Y-%m-%d}",
                        body=body, to=addresses, from_email=settings.DEFAULT_FROM_EMAIL)


@transaction.atomic
def reminders_send(
    *, principal: Principal, cycle: Cycle, employer_ids: list[int] | None, url: str, again: bool = False,
    delivery: Delivery | None = None,
) -> ReminderPlan:
    """Email a reminder to each employer of ``reminders_plan`` that has an address; one audit
    event per employer reminded. The plan is returned so the caller can say who was left out."""
    plan = reminders_plan(principal=principal, cycle=cycle, employer_ids=employer_ids, again=again)
    if not plan.to_send:
        raise DomainError("Nobody was reminded: " + (
            "each chosen employer was reminded less than a day ago." if plan.recently else
            "no person or address is known for the chosen employers."))
    emails = []
    for employer, addresses, stage in plan.to_send:
        emails.append(_reminder_email(cycle=cycle, employer=employer, addresses=addresses, stage=stage, url=url))
        audit_record(principal=principal, action="reminder.sent", obj=employer, cycle=cycle, employer=employer,
                     details={"recipients": len(addresses), "stage": stage})
    delivery = delivery if delivery is not None else Delivery()
    reminded = [employer for employer, _, _ in plan.to_send]

    def send() -> None:
        emails_send(emails, delivery)
        if delivery.sent is False:
            with transaction.atomic():
                for employer in reminded:
                    audit_record(principal=principal, action="reminder.failed", obj=employer, cycle=cycle,
                                 employer=employer, details={"reason": "the mail server did not take it"})
    transaction.on_commit(send)
    return plan
