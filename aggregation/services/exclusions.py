"""Excluding a submission the office cannot open, so that it does not block the cycle (DESIGN §2.7).

The office client opens every seed it is given; a seed that does not open (a byte changed, a
version edited after sealing) is named back to the service with the reason. The service then
records who excluded which submission and why (one audit event each), proposes the cohorts
again from the submissions that remain — the cohort guard runs again on that family, and the
office client checks it again when it downloads the request anew — and from then on the
summing and the release count only what is not excluded.

Guarantees:
- An exclusion names a submission of the frozen set exactly (employer and version) and gives
  a reason; anything else is refused with a message naming the entry, and nothing is recorded.
- Exclusions are accepted only while the unmask waits for mask sums and before any mask sum
  has been uploaded: the office never uploads sums for two families of the same cycle, which
  could otherwise be differenced down to the excluded employer.
- An exclusion that would leave too few employers to unmask anything is refused whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from aggregation.models import SubmissionExclusion, UnmaskJob, UnmaskState
from aggregation.selectors import submissions_counted
from aggregation.services.unmask import cohort_family_propose, cohorts_to_json
from compact.access import Principal
from compact.errors import Conflict, DomainError, NotFound
from compact.models import Cycle
from compact.services.audit import audit_record
from compact.services.guards import require_office

REASON_MAX_CHARS = 500


@dataclass(frozen=True)
class ExclusionRequest:
    """One submission the office asks to exclude: whose, which version, and why."""

    employer: int
    version: int
    reason: str


@transaction.atomic
def unmask_exclude(
    *, principal: Principal, cycle: Cycle, exclusions: Sequence[ExclusionRequest]
) -> list[SubmissionExclusion]:
    """Exclude these frozen submissions from the unmask and propose the cohorts again without them."""
    require_office(principal)
    job = UnmaskJob.objects.select_for_update().filter(cycle=cycle).first()
    if job is None:
        raise NotFound("Download the unmask request first; it lists the submissions that can be excluded.")
    if job.state != UnmaskState.AWAITING_MASKS:
        raise Conflict(
            f"The unmask of {cycle.slug} is {job.state}; a submission can be excluded only before it starts.",
            code="unmask_started",
        )
    if job.mask_sums.exists():
        raise Conflict(
            f"Mask sums have been uploaded for the unmask of {cycle.slug}; a submission can be excluded "
            "only before the first mask sum, so that no two families of cohorts are unmasked for one cycle.",
            code="mask_sums_uploaded",
        )
    if not exclusions:
        raise DomainError("Name at least one submission to exclude.", code="no_exclusions")
    counted = {f.submission.employer_id: f for f in submissions_counted(cycle=cycle)}
    seen: set[int] = set()
    for n, item in enumerate(exclusions, start=1):
        where = f"Exclusion {n} (employer {item.employer}, version {item.version})"
        frozen = counted.get(item.employer)
        if frozen is None:
            raise DomainError(
                f"{where}: employer {item.employer} has no submission in the unmask of {cycle.slug} "
                "(it did not submit, or it is excluded already).",
                code="not_in_unmask",
            )
        if frozen.submission.version != item.version:
            raise DomainError(
                f"{where}: the submission of employer {item.employer} that counts is version "
                f"{frozen.submission.version}, not {item.version}.",
                code="not_in_unmask",
            )
        if item.employer in seen:
            raise DomainError(f"{where}: this submission is named twice.", code="duplicate")
        seen.add(item.employer)
        if not item.reason.strip():
            raise DomainError(f"{where}: give the reason (what did not open, and why).", code="no_reason")
        if len(item.reason) > REASON_MAX_CHARS:
            raise DomainError(
                f"{where}: the reason has {len(item.reason):,} characters; at most {REASON_MAX_CHARS}.",
                code="reason_too_long",
            )
    remaining = [f for e, f in counted.items() if e not in seen]
    family = cohort_family_propose(cycle=cycle, counted=remaining)
    minimum = cycle.policy["min_cohort_employers"]
    if not family:
        raise Conflict(
            f"Excluding {len(seen)} submission(s) leaves {len(remaining)} employer(s); unmasking needs at "
            f"least {minimum}. Nothing was excluded.",
            code="too_few_employers",
        )
    before = [c["key"] for c in job.cohorts]
    job.cohorts = cohorts_to_json(family)
    job.total = len(remaining)
    job.save(update_fields=["cohorts", "total"])
    recorded = []
    for item in exclusions:
        submission = counted[item.employer].submission
        exclusion = SubmissionExclusion.objects.create(
            job=job, submission=submission, reason=item.reason.strip(), excluded_by=principal.user
        )
        audit_record(
            principal=principal,
            action="unmask.excluded",
            obj=submission,
            cycle=cycle,
            employer=submission.employer,
            details={
                "employer": item.employer,
                "version": item.version,
                "reason": exclusion.reason,
                "cohorts_before": before,
                "cohorts_after": [c.key for c in family],
                "employers_remaining": len(remaining),
            },
        )
        recorded.append(exclusion)
    return recorded
