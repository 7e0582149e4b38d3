"""Sealed submissions: acceptance, history and the frozen set at close.

The service checks the envelope only — format, cycle, employer, taxonomy, layout, office key,
vector length, hash, version order — because it can never see the figures (DESIGN §2.5).
Stored blobs are encrypted at rest. Submissions are append-only: a resubmission is a new
version and the latest counts; an older version sent again never overrides a newer one.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from compact.access import Principal
from compact.at_rest import seal_at_rest
from compact.errors import Conflict, DomainError, NotAllowed
from compact.models import Cycle, CycleState, Enrollment
from compact.services.audit import audit_record
from compact.services.guards import require_employer
from employers.models import FrozenSubmission, ResubmissionWindow, SealedSubmission, SubmissionSet
from protocol.layout import layout_for
from protocol.sealing import SealingError, envelope_parse

# A new version may skip a few (a client that sealed twice), never run far ahead: versions
# stay far below the version column's 32-bit limit, so an employer can always submit again.
VERSION_STEP_MAX = 1000


def blob_context(submission_cycle: str, employer_id: int, version: int, part: str) -> str:
    return f"submission/{submission_cycle}/{employer_id}/{version}/{part}"


def receipt_for(submission: SealedSubmission) -> dict:
    """What the employer keeps: proof of what was received, signed by the service."""
    body = {
        "format": "talent-compact-receipt/1",
        "submission": submission.pk,
        "cycle": submission.cycle.slug,
        "employer": submission.employer.name,
        "employer_id": submission.employer_id,
        "version": submission.version,
        "masked_sha256": submission.masked_sha256,
        "received_at": submission.received_at.isoformat(),
        "late": submission.late,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    key = hashlib.sha256(b"receipt:" + settings.SECRET_KEY.encode()).digest()
    body["signature"] = hmac.new(key, canonical, hashlib.sha256).hexdigest()
    return body


def receipt_verify(receipt: dict) -> bool:
    claimed = receipt.get("signature", "")
    body = {k: v for k, v in receipt.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    key = hashlib.sha256(b"receipt:" + settings.SECRET_KEY.encode()).digest()
    return hmac.compare_digest(claimed, hmac.new(key, canonical, hashlib.sha256).hexdigest())


def _check_against_cycle(envelope, *, cycle: Cycle, employer) -> None:
    b = envelope.binding
    if b.cycle != cycle.slug:
        raise DomainError(
            f"This file was sealed for cycle {b.cycle}, not {cycle.slug}.", code="wrong_cycle"
        )
    if b.employer != employer.pk:
        raise NotAllowed(
            f"This file was sealed for employer number {b.employer}, but you act for "
            f"{employer.name} (number {employer.pk}).",
            code="wrong_employer",
        )
    if b.taxonomy != cycle.taxonomy:
        raise DomainError(
            f"This file uses taxonomy {b.taxonomy}; cycle {cycle.slug} uses {cycle.taxonomy}.",
            code="wrong_taxonomy",
        )
    layout = layout_for(cycle.taxonomy)
    if b.layout != layout.layout_id:
        raise DomainError(
            f"This file uses vector layout {b.layout}; cycle {cycle.slug} expects "
            f"{layout.layout_id}. Update the client and seal again.",
            code="wrong_layout",
        )
    if envelope.elements != layout.length:
        raise DomainError(
            f"The vector has {envelope.elements} elements; cycle {cycle.slug} expects "
            f"{layout.length}.",
            code="wrong_length",
        )
    if b.key_fingerprint != cycle.office_key_fingerprint:
        raise DomainError(
            f"This file was sealed to office key {b.key_fingerprint[:16]}…, but cycle "
            f"{cycle.slug} uses {cycle.office_key_fingerprint[:16]}…. Download the cycle key "
            "again and seal again.",
            code="wrong_office_key",
        )


def _refuse_unless_open(cycle: Cycle) -> None:
    if cycle.state != CycleState.OPEN:
        when = f" on {cycle.closed_at:%Y-%m-%d %H:%M}" if cycle.closed_at else ""
        verb = "has not opened yet" if cycle.state == CycleState.DRAFT else f"closed{when}"
        raise Conflict(
            f"Cycle {cycle.slug} {verb}; it accepts no submissions.", code="cycle_not_open"
        )


def _refuse_unless_accepting(cycle: Cycle, employer, *, lock: bool = False) -> ResubmissionWindow | None:
    """Refuse unless the cycle is open, or closed with a resubmission window open for this
    employer; return that window when it is the reason the submission is accepted. With
    ``lock`` the window row is locked, so two versions sent at once in one window replace the
    frozen member one after the other."""
    if cycle.state == CycleState.CLOSED:
        windows = ResubmissionWindow.objects.filter(cycle=cycle, employer=employer)
        window = (windows.select_for_update() if lock else windows).first()
        if window is not None and window.is_open():
            return window
        if window is not None:
            ended = window.ended_at or window.until
            raise Conflict(
                f"Cycle {cycle.slug} is closed and your resubmission window ended on "
                f"{timezone.localtime(ended):%Y-%m-%d %H:%M}; it accepts no submissions.",
                code="cycle_not_open",
            )
    _refuse_unless_open(cycle)
    return None


def _frozen_member_replace(*, cycle: Cycle, submission: SealedSubmission) -> FrozenSubmission | None:
    """Put a version accepted in a resubmission window into the frozen set in place of the
    employer's earlier member (or as its first member); returns the member it replaced."""
    submission_set = SubmissionSet.objects.get(cycle=cycle)
    employer = submission.employer
    earlier = FrozenSubmission.objects.filter(
        submission_set=submission_set, submission__employer=employer
    ).select_related("submission").first()
    if earlier is not None:
        earlier.delete()
    FrozenSubmission.objects.create(
        submission_set=submission_set, submission=submission,
        industry=employer.industry, size_band=employer.size_band,
    )
    return earlier


def resubmission_windows_end(*, cycle: Cycle) -> int:
    """Close every open resubmission window of a cycle: the unmask is about to take the frozen
    set. The caller holds the cycle's row lock. Returns how many were open."""
    now = timezone.now()
    return ResubmissionWindow.objects.filter(cycle=cycle, ended_at__isnull=True, until__gt=now).update(ended_at=now)


# The first key of the PostgreSQL advisory lock on a cycle's intake (the second is the cycle's
# id); a fixed number that nothing else in the database uses.
INTAKE_LOCK_NAMESPACE = 0x7C0_5B17


def _intake_lock(pk: int, *, shared: bool) -> None:
    """PostgreSQL's advisory transaction lock on a cycle's intake: submissions share it, the
    close takes it alone. Unlike a row lock it keeps its queue in order: once a close waits for
    it, a submission that comes later waits behind the close instead of joining the
    submissions that hold it, so a steady stream of submitters cannot postpone the close."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        # An id beyond 32 bits would only share its gate with another cycle's.
        cursor.execute(f"SELECT {function}(%s, %s)", [INTAKE_LOCK_NAMESPACE, pk % 2**31])


def submission_intake_close(*, cycle: Cycle) -> None:
    """The close's first step, inside its transaction: wait for the submissions already in
    their locked step, and hold back every later one until the close has committed (it is
    then refused). Nothing to do off PostgreSQL, where the close's row lock is exclusive."""
    if connection.vendor == "postgresql":
        _intake_lock(cycle.pk, shared=False)


def _cycle_locked_for_submission(pk: int) -> Cycle:
    """The cycle row under locks that submissions share and that closing the cycle waits for
    (PostgreSQL: the intake lock, then ``FOR SHARE``): many employers store at once, and a
    close never freezes while a submission that passed the open check is still uncommitted.
    Elsewhere an exclusive lock (SQLite serialises writers anyway)."""
    if connection.vendor == "postgresql":
        _intake_lock(pk, shared=True)
        table = connection.ops.quote_name(Cycle._meta.db_table)
        return Cycle.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [pk])[0]
    return Cycle.objects.select_for_update().get(pk=pk)


def submission_accept(
    *, principal: Principal, cycle: Cycle, document, received_via: str, body_bytes: int
) -> SealedSubmission:
    """Store one sealed submission, or refuse it with a message naming what is wrong.

    The expensive part — parsing and hashing the envelope, encrypting its blobs at rest — runs
    before any lock. Only the last step holds one, shared with other submissions: the open
    check, the version order and the insert, so a submission is either stored before the cycle
    closes (and frozen with it) or refused."""
    require_employer(principal)
    employer = principal.employer
    if body_bytes > settings.SEALED_SUBMISSION_MAX_BYTES:
        raise DomainError(
            f"The sealed file is {body_bytes:,} bytes; the limit is "
            f"{settings.SEALED_SUBMISSION_MAX_BYTES:,}.",
            code="too_large",
        )
    # Unlocked: the office key, taxonomy and layout are fixed once a cycle opens, and the state
    # is checked again under the lock below.
    cycle = Cycle.objects.get(pk=cycle.pk)
    if not Enrollment.objects.filter(cycle=cycle, employer=employer).exists():
        raise NotAllowed(
            f"{employer.name} is not enrolled in cycle {cycle.slug}; use your invitation code first.",
            code="not_enrolled",
        )
    _refuse_unless_accepting(cycle, employer)
    try:
        envelope = envelope_parse(document)
    except SealingError as exc:
        raise DomainError(str(exc), code="bad_envelope") from None
    _check_against_cycle(envelope, cycle=cycle, employer=employer)
    version = envelope.binding.version
    _version_check(cycle=cycle, employer=employer, version=version)
    masked_vector = seal_at_rest(envelope.masked_bytes, context=blob_context(cycle.slug, employer.pk, version, "masked"))
    sealed_seed = seal_at_rest(envelope.sealed_seed, context=blob_context(cycle.slug, employer.pk, version, "seed"))
    with transaction.atomic():
        cycle = _cycle_locked_for_submission(cycle.pk)
        window = _refuse_unless_accepting(cycle, employer, lock=True)
        _version_check(cycle=cycle, employer=employer, version=version)
        try:
            with transaction.atomic():
                submission = SealedSubmission.objects.create(
                    cycle=cycle,
                    employer=employer,
                    version=version,
                    received_via=received_via,
                    late=timezone.now() > cycle.deadline,
                    layout_id=envelope.binding.layout,
                    key_fingerprint=envelope.binding.key_fingerprint,
                    masked_sha256=envelope.binding.masked_sha256,
                    envelope_bytes=body_bytes,
                    masked_vector=masked_vector,
                    sealed_seed=sealed_seed,
                )
        except IntegrityError:
            raise Conflict(f"Version {version} was stored a moment ago; seal again as a newer one.") from None
        audit_record(
            principal=principal,
            action="submission.accepted",
            obj=submission,
            cycle=cycle,
            employer=employer,
            details={"version": version, "late": submission.late, "via": received_via},
        )
        if window is not None:
            replaced = _frozen_member_replace(cycle=cycle, submission=submission)
            audit_record(
                principal=principal,
                action="submission.set_updated",
                obj=submission,
                cycle=cycle,
                employer=employer,
                details={
                    "version": version,
                    "replaces_version": replaced.submission.version if replaced else None,
                    "window_until": window.until.isoformat(),
                },
            )
    return submission


def _version_check(*, cycle: Cycle, employer, version: int) -> None:
    """Refuse a version that is not newer than the employer's latest, or too far ahead of it."""
    latest = (
        SealedSubmission.objects.filter(cycle=cycle, employer=employer).aggregate(v=Max("version"))["v"]
        or 0
    )
    if version <= latest:
        raise Conflict(
            f"Version {version} is not newer than your latest submission (version {latest}); "
            f"seal again as version {latest + 1}.",
            code="stale_version",
            details={"latest_version": latest},
        )
    highest = latest + VERSION_STEP_MAX
    if version > highest:
        raise DomainError(
            f"The sealed file's version is {version:,}; your latest submission to cycle {cycle.slug} "
            f"is version {latest}, so the version must be from {latest + 1} to {highest:,}. Seal "
            f"again as version {latest + 1}.",
            code="version_out_of_range",
            details={"latest_version": latest, "lowest": latest + 1, "highest": highest},
        )


def submissions_latest(*, cycle: Cycle):
    """The latest version of each employer's submission for a cycle."""
    latest = (
        SealedSubmission.objects.filter(cycle=cycle)
        .values("employer")
        .annotate(version=Max("version"))
    )
    wanted = {(row["employer"], row["version"]) for row in latest}
    return [
        s
        for s in SealedSubmission.objects.filter(cycle=cycle)
        .select_related("employer")
        .defer("masked_vector", "sealed_seed")
        if (s.employer_id, s.version) in wanted
    ]


@transaction.atomic
def submission_set_freeze(*, cycle: Cycle) -> SubmissionSet:
    """Record which submission counts for each enrolled employer. Runs once, at close."""
    submission_set = SubmissionSet.objects.create(cycle=cycle)
    enrolled = set(cycle.enrollments.values_list("employer_id", flat=True))
    FrozenSubmission.objects.bulk_create(
        FrozenSubmission(
            submission_set=submission_set,
            submission=s,
            industry=s.employer.industry,
            size_band=s.employer.size_band,
        )
        for s in submissions_latest(cycle=cycle)
        if s.employer_id in enrolled
    )
    return submission_set
