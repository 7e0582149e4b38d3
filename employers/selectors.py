"""Read-side queries of the employer side: organisations, API keys, submissions, participation.

Guarantee: an employer principal never receives another employer's rows from any selector;
the office sees who took part and when, never a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from compact.access import Principal
from compact.errors import NotFound
from compact.models import Cycle, CycleState, Enrollment
from compact.services.guards import require_employer
from employers.models import (
    ApiKey,
    Employer,
    FrozenSubmission,
    ResubmissionWindow,
    SealedSubmission,
)
from employers.services.submissions import receipt_for


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


def api_keys_visible(*, principal: Principal, employer: Employer) -> QuerySet[ApiKey]:
    if principal.is_admin or (principal.employer is not None and principal.employer.pk == employer.pk):
        return employer.api_keys.all()
    return ApiKey.objects.none()


def submission_history(*, principal: Principal, cycle: Cycle):
    """An employer's own versions (metadata only) for a cycle."""
    require_employer(principal)
    return (
        SealedSubmission.objects.filter(cycle=cycle, employer=principal.employer)
        .defer("masked_vector", "sealed_seed")
        .order_by("-version")
    )


@dataclass(frozen=True)
class SubmissionReceipt:
    """What the confirmation page and the printable receipt show of one version."""

    submission: SealedSubmission
    signed: dict  # the signed receipt, as the JSON download has it
    latest_version: int

    @property
    def counts(self) -> bool:
        return self.submission.version == self.latest_version


def submission_receipt(*, principal: Principal, cycle: Cycle, version: int) -> SubmissionReceipt:
    """One of the employer's own versions with its signed receipt; NotFound for any other."""
    history = list(submission_history(principal=principal, cycle=cycle).select_related("cycle", "employer"))
    submission = next((s for s in history if s.version == version), None)
    if submission is None:
        raise NotFound(f"No version {version} of yours in cycle {cycle.slug}.")
    return SubmissionReceipt(submission=submission, signed=receipt_for(submission), latest_version=history[0].version)


def submissions_frozen(*, cycle: Cycle) -> list[FrozenSubmission]:
    """The frozen submission set of a closed cycle, by employer id, without the blobs."""
    return list(
        FrozenSubmission.objects.filter(submission_set__cycle=cycle)
        .select_related("submission")
        .defer("submission__masked_vector", "submission__sealed_seed")
        .order_by("submission__employer_id")
    )


@dataclass(frozen=True)
class ParticipationRow:
    """One employer's part in a cycle: metadata only, never a figure."""

    employer: Employer
    invited: int
    enrolled_at: datetime | None
    versions: int
    last_submitted_at: datetime | None
    late: bool

    @property
    def stage(self) -> str:
        """submitted, waiting (enrolled, nothing submitted yet) or not_enrolled."""
        if self.enrolled_at is None:
            return "not_enrolled"
        return "submitted" if self.versions else "waiting"


@dataclass(frozen=True)
class ParticipationSummary:
    """How far a cycle's participation has got: "N of M enrolled employers submitted"."""

    enrolled: int
    submitted: int
    late: int
    not_enrolled: int  # invited but not (yet) enrolled

    @property
    def waiting(self) -> int:
        return self.enrolled - self.submitted


def participation_summarise(rows: list[ParticipationRow]) -> ParticipationSummary:
    enrolled = [r for r in rows if r.enrolled_at is not None]
    return ParticipationSummary(
        enrolled=len(enrolled),
        submitted=sum(1 for r in enrolled if r.versions),
        late=sum(1 for r in enrolled if r.late),
        not_enrolled=len(rows) - len(enrolled),
    )


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


def resubmission_windows_of(*, cycle: Cycle) -> list[ResubmissionWindow]:
    """The resubmission windows the office granted for a cycle, open or ended, by employer name."""
    return list(
        ResubmissionWindow.objects.filter(cycle=cycle).select_related("employer", "granted_by").order_by("employer__name")
    )


def resubmission_window_open(*, cycle: Cycle, employer) -> ResubmissionWindow | None:
    """The employer's open resubmission window for a closed cycle, if the office granted one."""
    window = ResubmissionWindow.objects.filter(cycle=cycle, employer=employer).first()
    return window if window is not None and cycle.state == CycleState.CLOSED and window.is_open() else None
