"""Invitations: single-use enrolment codes, stored hashed, with expiry and revocation.

A code is 100 random bits shown once as ``TC-XXXXX-XXXXX-XXXXX-XXXXX`` (Crockford base32, no
ambiguous letters). It is high-entropy, so a plain SHA-256 is the right hash: a slow password
hash would add nothing. Each way a code can fail has its own message and ``code``.

Guarantees of bulk invitations (``invitations_create_bulk``): every row is checked before
anything is stored, and one bad row stores nothing (each problem names its row and column);
each invitation is valid until the cycle's deadline, so none expires while the cycle is open;
the emails go out through Django's email backend only after the invitations are committed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from compact.access import Principal, principal_for_user
from compact.errors import Conflict, DomainError, Gone, NotAllowed, NotFound
from compact.models import Cycle, CycleState, Enrollment, Invitation
from compact.services import people
from compact.services.audit import audit_record
from compact.services.guards import require_employer, require_office

logger = logging.getLogger(__name__)

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


def when_text(moment) -> str:
    """A moment in the service's time zone, as emails and messages give it."""
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


def _invitation_usable(*, cycle: Cycle, code: str) -> Invitation:
    """The invitation of ``code`` for ``cycle``, locked, or the reason it cannot be used."""
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
            f"This invitation was revoked by the equity office on {when_text(invitation.revoked_at)}.",
            code="code_revoked",
        )
    if invitation.used_at:
        raise Gone(
            f"This invitation was already used on {when_text(invitation.used_at)}; each code works once.",
            code="code_used",
        )
    if invitation.expires_at <= timezone.now():
        raise Gone(
            f"This invitation expired on {when_text(invitation.expires_at)}. Ask the equity office "
            "for a new one.",
            code="code_expired",
        )
    if cycle.state not in ENROLLABLE:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; enrolment is over.", code="cycle_closed")
    return invitation


@transaction.atomic
def invitation_accept(*, principal: Principal, cycle: Cycle, code: str) -> Enrollment:
    """Enrol the principal's employer in ``cycle`` with ``code``."""
    require_employer(principal)
    employer = principal.employer
    invitation = _invitation_usable(cycle=cycle, code=code)
    if invitation.employer_id and invitation.employer_id != employer.pk:
        raise NotAllowed("This invitation was issued to another organisation.", code="code_other_employer")
    return _enrol(principal=principal, cycle=cycle, invitation=invitation, employer=employer)


def _enrol(*, principal: Principal, cycle: Cycle, invitation: Invitation, employer) -> Enrollment:
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


@transaction.atomic
def invitation_sign_up(*, cycle: Cycle, code: str, username: str, password: str):
    """The first account of an invited organisation, made with its invitation code, and the
    organisation enrolled in ``cycle`` — both or neither.

    Only an invitation addressed to one organisation, and only while that organisation has no
    active people in the service: a code then stands for the email it was sent to, and nobody
    joins an organisation whose people could have used the code themselves."""
    invitation = _invitation_usable(cycle=cycle, code=code)
    employer = invitation.employer
    if employer is None:
        raise NotAllowed(
            "This invitation is not addressed to one organisation, so it cannot make an account. Ask the "
            "equity office to add you; then sign in and enter the code.",
            code="code_unaddressed",
        )
    if employer.members.filter(user__is_active=True).exists():
        raise Conflict(
            f"{employer.name} already has people in the service. Ask one of them to sign in and enter this "
            "code, or ask the equity office to add you.",
            code="employer_has_people",
        )
    user = people.person_new(username=username, email=invitation.email, password=password)
    people.employer_member_make(user, employer)
    principal = principal_for_user(user)
    audit_record(principal=principal, action="person.created", obj=user, employer=employer,
                 details={"username": user.get_username(), "role": "employer", "invitation": invitation.hint})
    _enrol(principal=principal, cycle=cycle, invitation=invitation, employer=employer)
    return user


# --- Bulk invitations -------------------------------------------------------------------

BULK_COLUMNS = ("employer", "email")
BULK_MAX_ROWS = 500
BULK_MAX_BYTES = 256 * 1024
BULK_EXAMPLE = "employer,email\nAcme Analytics,hr@acme.example\nBirch Hospital,payroll@birch.example\n"


@dataclass(frozen=True)
class BulkRow:
    """One row of a bulk invitation file: where it was (1-based, as a spreadsheet numbers it)."""

    row: int
    employer: str
    email: str


@dataclass(frozen=True)
class BulkInvitation:
    invitation: Invitation
    code: str


class BulkRefused(DomainError):
    """A bulk invitation file with problems: ``problems`` lists each, naming row and column."""

    def __init__(self, problems: list[str]):
        shown = problems[:20]
        more = f" … and {len(problems) - 20} more problems." if len(problems) > 20 else ""
        super().__init__(
            f"Nothing was sent: the file has {len(problems)} problem{'s' if len(problems) != 1 else ''}. "
            + " ".join(shown) + more,
            code="bulk_invalid",
            details={"problems": problems},
        )
        self.problems = problems


def _rows_read(data: bytes, *, name: str) -> tuple[list[BulkRow], list[tuple[int, str]]]:
    """The well-shaped rows and the (row, problem) of the others. A file that cannot be read at
    all (too large, not UTF-8, empty, too many rows) raises BulkRefused at once."""
    if len(data) > BULK_MAX_BYTES:
        raise BulkRefused([f"{name} is {len(data):,} bytes; the limit is {BULK_MAX_BYTES:,} bytes "
                           f"(about {BULK_MAX_ROWS} rows)."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BulkRefused([f"Row {line}, character {column}: {name} is not UTF-8 text (byte 0x{data[exc.start]:02X}). "
                           "Save it as \"CSV UTF-8\"."]) from None
    if not text.strip():
        raise BulkRefused([f"{name} is empty; it needs a row per employer: employer,email."])
    rows = list(csv.reader(io.StringIO(text)))
    start = 1 if rows and [c.strip().lower() for c in rows[0]] == list(BULK_COLUMNS) else 0
    if len(rows) - start > BULK_MAX_ROWS:
        raise BulkRefused([f"{name} has {len(rows) - start:,} rows; at most {BULK_MAX_ROWS} at a time."])
    problems, out = [], []
    for number, cells in enumerate(rows[start:], start=start + 1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            problems.append((number, f"Row {number} is empty; remove it."))
        elif len(cells) != 2:
            problems.append((number, f"Row {number} has {len(cells)} column{'s' if len(cells) != 1 else ''}; "
                                     "expected 2 (employer, email)."))
        else:
            out.append(BulkRow(row=number, employer=cells[0], email=cells[1]))
    if not out and not problems:
        raise BulkRefused([f"{name} has a header but no rows."])
    return out, problems


def invitation_rows_read(data: bytes, *, name: str = "the file") -> list[BulkRow]:
    """The rows of a bulk invitation CSV: two columns, ``employer`` (its name as registered)
    and ``email``; a first row ``employer,email`` is a header and skipped. Raises BulkRefused
    listing every problem of the file's shape (size, encoding, columns, empty rows)."""
    rows, problems = _rows_read(data, name=name)
    if problems:
        raise BulkRefused([p for _, p in problems])
    return rows


def _bulk_check(cycle: Cycle, rows: list[BulkRow]) -> tuple[list[tuple[BulkRow, object]], list[tuple[int, str]]]:
    """Each row with its employer, and the (row, problem) of every row that is wrong."""
    from employers.models import Employer

    by_name = {e.name.casefold(): e for e in Employer.objects.all()}
    enrolled = set(Enrollment.objects.filter(cycle=cycle).values_list("employer_id", flat=True))
    outstanding = {
        inv.employer_id: inv for inv in cycle.invitations.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now(), employer__isnull=False)
    }
    problems, seen, out = [], {}, []
    for row in rows:
        employer = by_name.get(row.employer.casefold())
        where = f"Row {row.row}, column employer"
        if not row.employer:
            problems.append((row.row, f"{where}: empty; enter the employer's name as registered."))
        elif employer is None:
            problems.append((row.row, f"{where}: no employer named \"{row.employer[:80]}\" is registered; add it on "
                                      "the Employers page, or check the spelling."))
        elif employer.pk in seen:
            problems.append((row.row, f"{where}: {employer.name} is also on row {seen[employer.pk]}; each employer once."))
        elif employer.pk in enrolled:
            problems.append((row.row, f"{where}: {employer.name} is already enrolled in cycle {cycle.slug}."))
        elif employer.pk in outstanding:
            problems.append((row.row, f"{where}: {employer.name} already has an invitation "
                                      f"(…{outstanding[employer.pk].hint}) that works; revoke it first to send a new one."))
        if employer is not None:
            seen.setdefault(employer.pk, row.row)
        if not row.email:
            problems.append((row.row, f"Row {row.row}, column email: empty; enter the address the code goes to."))
        else:
            try:
                validate_email(row.email)
            except ValidationError:
                problems.append((row.row, f"Row {row.row}, column email: \"{row.email[:80]}\" is not an email address."))
        out.append((row, employer))
    return out, problems


def _invitation_email(*, invitation: Invitation, code: str, enrol_url: str, join_url: str = "") -> EmailMessage:
    cycle = invitation.cycle
    first = (f"Nobody at {invitation.employer.name} has an account here yet? Make the first one at {join_url} "
             "with this code; it enrols you at the same time.\n\n") if join_url else ""
    body = (
        f"The city's equity office invites {invitation.employer.name} to take part in {cycle.name}.\n\n"
        f"Your invitation code: {code}\n\n"
        f"Sign in at {enrol_url} and enter the code to enrol. It works once, for {invitation.employer.name} "
        f"only, until {when_text(invitation.expires_at)} (the cycle's deadline for submissions).\n\n"
        f"{first}"
        "Nobody but your organisation ever sees your figures: you seal them in your browser before they "
        "are sent.\n"
    )
    return EmailMessage(subject=f"Invitation to {cycle.name}", body=body, to=[invitation.email],
                        from_email=settings.DEFAULT_FROM_EMAIL)


@dataclass
class Delivery:
    """What became of the emails of a change, once they were sent after its commit: the page
    that made the change reads it to say whether they went (None: not sent yet)."""

    sent: bool | None = None


def emails_send(messages: list[EmailMessage], delivery: Delivery | None = None) -> None:
    """Send after the commit. A mail server that refuses is logged, not raised: the change is
    already committed, and the page shows the codes once for the office to pass on."""
    try:
        with get_connection() as connection:
            connection.send_messages(messages)
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not send %d email(s) through %s", len(messages), settings.EMAIL_BACKEND)
        if delivery is not None:
            delivery.sent = False
        return
    if delivery is not None:
        delivery.sent = True


def invitations_create_from_csv(
    *, principal: Principal, cycle: Cycle, data: bytes, name: str, enrol_url: str, join_url: str = "",
    delivery: Delivery | None = None,
) -> list[BulkInvitation]:
    """``invitations_create_bulk`` from an uploaded CSV (see ``invitation_rows_read``)."""
    require_office(principal)
    rows, shape_problems = _rows_read(data, name=name)
    return invitations_create_bulk(principal=principal, cycle=cycle, rows=rows, enrol_url=enrol_url,
                                   join_url=join_url, shape_problems=shape_problems, delivery=delivery)


@transaction.atomic
def invitations_create_bulk(
    *, principal: Principal, cycle: Cycle, rows: list[BulkRow], enrol_url: str, join_url: str = "",
    shape_problems: list[tuple[int, str]] = (), delivery: Delivery | None = None,
) -> list[BulkInvitation]:
    """One invitation per row, each emailed to its address and valid until the cycle's
    deadline; all or nothing. ``shape_problems`` (row, problem) from reading the file are
    reported with the rows' own, in row order, so one upload shows every problem."""
    require_office(principal)
    if cycle.state not in ENROLLABLE:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; invitations can no longer be sent.")
    if cycle.deadline <= timezone.now():
        raise Conflict(f"The deadline of cycle {cycle.slug} ({when_text(cycle.deadline)}) has passed; an invitation "
                       "would expire at once.")
    if len(rows) > BULK_MAX_ROWS:
        raise BulkRefused([f"{len(rows):,} rows; at most {BULK_MAX_ROWS} at a time."])
    checked, problems = _bulk_check(cycle, rows)
    problems = sorted([*problems, *shape_problems], key=lambda p: p[0])
    if problems:
        raise BulkRefused([p for _, p in problems])
    made = []
    for row, employer in checked:
        code = _new_code()
        invitation = Invitation.objects.create(
            cycle=cycle, code_hash=_hash(code), hint=code[-4:], employer=employer, email=row.email,
            note="bulk invitation", expires_at=cycle.deadline, created_by=principal.user,
        )
        audit_record(principal=principal, action="invitation.created", obj=invitation, cycle=cycle, employer=employer,
                     details={"hint": invitation.hint, "email": row.email, "bulk": True,
                              "expires_at": cycle.deadline.isoformat()})
        made.append(BulkInvitation(invitation=invitation, code=code))
    emails = [_invitation_email(invitation=m.invitation, code=m.code, enrol_url=enrol_url, join_url=join_url)
              for m in made]
    transaction.on_commit(lambda: emails_send(emails, delivery))
    return made
