"""Releases: built by a task after the unmask, reviewed by the office, published once audited.

Aggregates leave the service only here, through disclosure control (aggregation.disclosure):
every table of every unmasked cohort, primary and joint secondary suppression, rounding, and
the audit gate. A release whose audit fails is stored as refused, without a document, and can
never be published. A correction (a later release of the same cycle) is audited against every
release published before it.
"""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.utils import timezone

from aggregation.disclosure.audit import AuditError
from aggregation.disclosure.cohorts import CohortError, atom_name, cohort_totals_from_aggregate
from aggregation.disclosure.export import release_document
from aggregation.disclosure.history import HistoryError, PreviousRelease
from aggregation.disclosure.lp import SolverError
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.release import release_build
from aggregation.disclosure.secondary import ProtectionError
from aggregation.dispatch import RELEASE_BUILD, task_enqueue_on_commit
from aggregation.metrics.gaps import release_gap_metrics
from aggregation.metrics.rows import row_metrics
from aggregation.models import Release, ReleaseState, UnmaskJob
from aggregation.selectors import (
    cohort_aggregates,
    exclusions_of,
    release_latest,
    release_next_number,
    releases_published,
    submissions_counted,
)
from compact.access import SYSTEM, Principal
from compact.errors import Conflict
from compact.models import Cycle, CycleState
from compact.services.audit import audit_record
from compact.services.cycles import cycle_transition
from compact.services.guards import require_office
from protocol import taxonomy as taxonomy_module
from protocol.release import ReleaseDocument, release_to_json


def policy_for(cycle: Cycle) -> DisclosurePolicy:
    return DisclosurePolicy(
        min_employees=cycle.policy["min_employees"], min_employers=cycle.policy["min_employers"]
    )


def _atoms_by_employer(cycle: Cycle) -> dict[int, str]:
    return {f.submission.employer_id: atom_name(f.industry, f.size_band) for f in submissions_counted(cycle=cycle)}


def release_metrics(document: ReleaseDocument, aggregates: dict, policy: DisclosurePolicy) -> dict:
    """The ``metrics`` of a release: published-cell gaps for every cohort, and the row-based
    metrics of the whole compact."""
    tax = taxonomy_module.load(document.taxonomy)
    return {
        "reference_group": {"race_ethnicity": "White", "gender": "Male"},
        "cohorts": release_gap_metrics(
            document, jobs=tax.labels("job_category"), races=tax.labels("race_ethnicity"),
            genders=tax.labels("gender"),
        ),
        "rows": row_metrics(aggregates["all"], policy),
    }


@transaction.atomic
def release_build_for_cycle(*, cycle: Cycle) -> Release:
    """Build the next release of an unmasked cycle and store it (draft or refused)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state != CycleState.UNMASKED:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; a release is built after the unmask.")
    job = UnmaskJob.objects.get(cycle=cycle)
    aggregates = cohort_aggregates(cycle=cycle)
    atoms_of = _atoms_by_employer(cycle)
    cohorts = [
        cohort_totals_from_aggregate(
            aggregates[c["key"]], kind=c["kind"], value=c["value"],
            atoms={atoms_of[e] for e in c["members"]},
        )
        for c in job.cohorts
    ]
    policy = policy_for(cycle)
    previous = [
        PreviousRelease(document=r.release_document(), changed_atoms=frozenset())
        for r in releases_published(cycle=cycle)
    ]
    number = release_next_number(cycle=cycle)
    try:
        draft = release_build(cohorts=cohorts, policy=policy, previous=previous)
    except (SolverError, ProtectionError, AuditError, HistoryError, CohortError) as exc:
        # Recorded, not lost in a worker log: the office sees why and can build again.
        draft, failure = None, f"The release could not be built: {exc}"
    certificate = draft.certificate.as_dict() if draft else {"passed": False, "policy_version": policy.version}
    participants = aggregates["all"].scalar("submissions")
    if draft is None:
        release = Release.objects.create(
            cycle=cycle, number=number, state=ReleaseState.FAILED, document=None,
            certificate=certificate, policy_version=policy.version, error=failure,
        )
    elif draft.publishable:
        document = release_document(draft, cycle=cycle.slug, taxonomy=cycle.taxonomy, participants=participants)
        document = dataclasses.replace(
            document, policy={**document.policy, "min_cohort_employers": cycle.policy["min_cohort_employers"]}
        )
        document = dataclasses.replace(
            document, metrics=release_metrics(document, aggregates, policy), excluded=len(exclusions_of(cycle=cycle))
        )
        release = Release.objects.create(
            cycle=cycle, number=number, state=ReleaseState.DRAFT, document=release_to_json(document),
            certificate=certificate, policy_version=policy.version,
        )
    else:
        release = Release.objects.create(
            cycle=cycle, number=number, state=ReleaseState.REFUSED, document=None,
            certificate=certificate, policy_version=policy.version,
            error="; ".join(certificate.get("failures", [])[:5]) or "The audit did not pass.",
        )
    audit_record(
        principal=SYSTEM, action=f"release.{release.state}", obj=release, cycle=cycle,
        details={"number": number, "worst_protection_ratio": certificate.get("worst_protection_ratio")},
    )
    return release


@transaction.atomic
def release_rebuild(*, principal: Principal, cycle: Cycle) -> None:
    """Queue a new build after a release was refused or could not be built."""
    require_office(principal)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state != CycleState.UNMASKED:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; a release is built after the unmask.")
    latest = release_latest(cycle=cycle)
    if latest is not None and latest.state == ReleaseState.DRAFT:
        raise Conflict(f"Release {latest.number} of {cycle.slug} is a draft awaiting review; "
                       "publish it or let it stand.")
    audit_record(principal=principal, action="release.rebuild_requested", obj=cycle, cycle=cycle,
                 details={"after": latest.number if latest else None})
    task_enqueue_on_commit(RELEASE_BUILD, cycle.pk)


@transaction.atomic
def release_publish(*, principal: Principal, cycle: Cycle) -> Release:
    """Publish the reviewed draft. Only a draft whose audit passed can be published."""
    require_office(principal)
    release = Release.objects.select_for_update().filter(cycle=cycle).order_by("-number").first()
    if release is None:
        raise Conflict(f"Cycle {cycle.slug} has no release yet; it is built after the unmask.")
    if release.state == ReleaseState.PUBLISHED:
        raise Conflict(f"Release {release.number} of {cycle.slug} is already published.")
    if release.state != ReleaseState.DRAFT or not release.passed:
        raise Conflict(
            f"Release {release.number} of {cycle.slug} did not pass its audit and cannot be published: "
            f"{release.error}",
            code="audit_failed",
        )
    release.state = ReleaseState.PUBLISHED
    release.published_at = timezone.now()
    release.published_by = principal.user
    release.save()
    if cycle.state == CycleState.UNMASKED:
        cycle_transition(principal=principal, cycle=cycle, to=CycleState.PUBLISHED, details={"release": release.number})
    audit_record(principal=principal, action="release.published", obj=release, cycle=cycle,
                 details={"number": release.number})
    return release

