"""Releases: built by a task after the unmask, reviewed by the office, published once audited.

Aggregates leave the service only here, through disclosure control (aggregation.disclosure):
every table of every unmasked cohort, primary and joint secondary suppression, rounding, and
the audit gate. A release whose audit fails is stored as refused, without a document, and can
never be published. A correction (a later release of the same cycle) is audited against every
release published before it.

Building is a durable job (``ReleaseBuild``): requested once per release number, with at most
one unfinished build per cycle; a run computes with no lock held and stores its release in one
short transaction only if the build is not done yet, so a redelivered, duplicated or resumed
run never writes a second release. Beat re-queues a build whose heartbeat stopped.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from aggregation.disclosure.audit import AuditError
from aggregation.disclosure.cohorts import CohortError, atom_name, cohort_totals_from_aggregate
from aggregation.disclosure.export import release_document
from aggregation.disclosure.history import HistoryError, PreviousRelease
from aggregation.disclosure.lp import SolverError
from aggregation.disclosure.plan import plan_release
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.release import release_build
from aggregation.disclosure.secondary import ProtectionError
from aggregation.dispatch import RELEASE_BUILD, task_enqueue_on_commit
from aggregation.metrics.gaps import release_gap_metrics
from aggregation.metrics.rows import row_metrics
from aggregation.models import Release, ReleaseBuild, ReleaseBuildState, ReleaseState, UnmaskJob
from aggregation.selectors import (
    cohort_aggregates,
    exclusions_of,
    release_build_pending,
    release_latest,
    release_next_number,
    releases_published,
    submissions_counted,
)
from compact.access import SYSTEM, Principal
from compact.errors import Conflict, DomainError
from compact.models import Cycle, CycleState
from compact.services.audit import audit_record
from compact.services.cycles import cycle_transition
from compact.services.guards import require_office
from protocol import taxonomy as taxonomy_module
from protocol.release import ReleaseDocument, release_to_json

logger = logging.getLogger(__name__)


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


# --- building a release: a durable job -------------------------------------------------------

# A live build writes its heartbeat this often; one silent for STALL_AFTER is taken over.
HEARTBEAT_EVERY = timedelta(seconds=30)
STALL_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class ReleaseOutcome:
    """What a build computed, before anything is stored."""

    state: str
    document: dict | None
    certificate: dict
    policy_version: str
    error: str = ""


def release_build_request(*, principal: Principal, cycle: Cycle, enqueue: bool = True) -> ReleaseBuild:
    """Queue the build of the next release of an unmasked cycle, once: while a build is
    unfinished, asking again returns it. Must run inside a transaction (the build is queued
    when it commits; ``enqueue=False`` for a caller that runs it itself)."""
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.state != CycleState.UNMASKED:
        raise Conflict(f"Cycle {locked.slug} is {locked.state}; a release is built after the unmask.")
    pending = release_build_pending(cycle=locked)
    if pending is not None:
        return pending
    build = ReleaseBuild.objects.create(
        cycle=locked, number=release_next_number(cycle=locked), requested_by=principal.user,
        heartbeat_at=timezone.now(),
    )
    audit_record(principal=principal, action="release.build_queued", obj=build, cycle=locked,
                 details={"number": build.number})
    if enqueue:
        task_enqueue_on_commit(RELEASE_BUILD, build.pk)
    return build


def _stage(build_id: int, stage: str) -> None:
    ReleaseBuild.objects.filter(pk=build_id).update(stage=stage, heartbeat_at=timezone.now())


@contextmanager
def _heartbeat(build_id: int):
    """Keep the build's heartbeat fresh from a side thread while the LPs run in this one."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_EVERY.total_seconds()):
                try:
                    ReleaseBuild.objects.filter(pk=build_id).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    # A busy database (SQLite's lock, a PostgreSQL restart) misses one beat; the
                    # next one tries again. A dead heartbeat thread would let the build look stale.
                    logger.warning("Release build %s: the heartbeat missed a beat", build_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"release-build-{build_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _this_runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _runner_alive(runner: str) -> bool:
    """Whether the run that claimed a build may still be running. Only a process on this host
    can be checked; a run elsewhere counts as alive while its heartbeat is fresh."""
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim(build_id: int) -> ReleaseBuild | None:
    """Mark the build running for this run; None when it is done or another run is alive.

    A worker whose pool process was killed redelivers the task at once (acks-late, rejected on
    worker loss): the dead run's heartbeat is still fresh, but its process is gone, so the new
    run takes over without waiting for beat."""
    now = timezone.now()
    with transaction.atomic():
        build = ReleaseBuild.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=build_id)
        if build.state == ReleaseBuildState.DONE:
            return None
        fresh = build.heartbeat_at is not None and build.heartbeat_at > now - STALL_AFTER
        if build.state == ReleaseBuildState.RUNNING and fresh and _runner_alive(build.runner):
            return None
        build.state = ReleaseBuildState.RUNNING
        build.stage = "reading the aggregates"
        build.runner = _this_runner()
        build.attempts += 1
        build.started_at = build.started_at or now
        build.heartbeat_at = now
        build.save()
        return build


def release_build_run(*, build_id: int) -> Release | None:
    """Run one build: compute the release outside any lock, then store it once. Returns the
    build's release, or None while another live run is building it. Safe to run again and at
    the same time: whichever run finishes second finds the build done and writes nothing."""
    build = _claim(build_id)
    if build is None:
        done = ReleaseBuild.objects.select_related("release").get(pk=build_id)
        return done.release
    with _heartbeat(build.pk):
        outcome = release_compute(cycle=build.cycle, on_stage=lambda stage: _stage(build.pk, stage))
    return _release_store(build_id=build.pk, outcome=outcome)


@transaction.atomic
def _release_store(*, build_id: int, outcome: ReleaseOutcome) -> Release:
    build = ReleaseBuild.objects.select_for_update(of=("self",)).select_related("cycle", "release").get(pk=build_id)
    if build.state == ReleaseBuildState.DONE:
        return build.release  # another run finished first
    cycle = build.cycle
    release = Release.objects.create(
        cycle=cycle, number=build.number, state=outcome.state, document=outcome.document,
        certificate=outcome.certificate, policy_version=outcome.policy_version, error=outcome.error,
    )
    build.release = release
    build.state = ReleaseBuildState.DONE
    build.stage = "done"
    build.finished_at = build.heartbeat_at = timezone.now()
    build.save()
    audit_record(
        principal=SYSTEM, action=f"release.{release.state}", obj=release, cycle=cycle,
        details={"number": release.number, "attempts": build.attempts,
                 "worst_protection_ratio": outcome.certificate.get("worst_protection_ratio")},
    )
    return release


def release_builds_resume_stalled(*, now=None) -> list[int]:
    """Re-queue builds that are unfinished and silent (never picked up, or their worker died)."""
    now = now or timezone.now()
    stalled = ReleaseBuild.objects.filter(
        state__in=[ReleaseBuildState.QUEUED, ReleaseBuildState.RUNNING], heartbeat_at__lt=now - STALL_AFTER
    )
    ids = []
    for build in stalled:
        task_enqueue_on_commit(RELEASE_BUILD, build.pk)
        ids.append(build.pk)
    return ids


def _pause() -> None:
    # A test hook: lets the fault-tolerance test kill a worker in the middle of a build.
    pause = float(os.environ.get("TALENT_RELEASE_BUILD_PAUSE_SECONDS", "0") or 0)
    if pause:
        time.sleep(pause)


def release_build_for_cycle(*, cycle: Cycle, principal: Principal = SYSTEM) -> Release:
    """Build the next release of an unmasked cycle now, in this process, as a recorded build."""
    with transaction.atomic():
        build = release_build_request(principal=principal, cycle=cycle, enqueue=False)
    return release_build_run(build_id=build.pk) or ReleaseBuild.objects.get(pk=build.pk).release


def _cycle_cohorts(cycle: Cycle, aggregates: dict) -> list:
    """The unmasked cohorts of a cycle as disclosure control's input."""
    job = UnmaskJob.objects.get(cycle=cycle)
    atoms_of = _atoms_by_employer(cycle)
    return [
        cohort_totals_from_aggregate(
            aggregates[c["key"]], kind=c["kind"], value=c["value"],
            atoms={atoms_of[e] for e in c["members"]},
        )
        for c in job.cohorts
    ]


def plan_choices(cycle: Cycle) -> dict[str, str]:
    """The office's overrides of the publication plan (cohort key -> "publish" or "drop")."""
    return dict(cycle.policy.get("plan_choices") or {})


def _plan_choices_checked(cycle: Cycle, choices: dict) -> dict[str, str]:
    """``choices`` with "plan" entries left out; a DomainError naming each wrong entry."""
    keys = {c["key"] for c in UnmaskJob.objects.get(cycle=cycle).cohorts if c["kind"] != "all"}
    errors = {}
    out = {}
    for key, action in choices.items():
        if key not in keys:
            errors[key] = f"{key!r} is not a cohort of this cycle that the plan decides on."
        elif action not in ("plan", "publish", "drop"):
            errors[key] = f"{key}: choose 'plan', 'publish' or 'drop', not {action!r}."
        elif action != "plan":
            out[key] = action
    if errors:
        raise DomainError("The publication plan was not changed: " + " ".join(errors.values()),
                          code="invalid_plan", details={"cohorts": errors})
    return out


def release_plan_preview(*, principal: Principal, cycle: Cycle, choices: dict) -> list[dict]:
    """What the plan would decide with ``choices``, before any LP runs (DESIGN §5.7): each
    unmasked cohort's action, reason and cells that pass the rules."""
    require_office(principal)
    if cycle.state not in (CycleState.UNMASKED, CycleState.PUBLISHED):
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; the plan is made after the unmask.")
    checked = _plan_choices_checked(cycle, choices)
    cohorts = _cycle_cohorts(cycle, cohort_aggregates(cycle=cycle))
    plan = plan_release(cohorts, policy_for(cycle), choices=checked)
    return [d.as_dict() for d in plan.decisions]


@transaction.atomic
def release_plan_set(*, principal: Principal, cycle: Cycle, choices: dict) -> ReleaseBuild:
    """Store the office's plan overrides and build the next release with them (a draft that
    is awaiting review is superseded by the new one)."""
    require_office(principal)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state != CycleState.UNMASKED:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; the plan is changed before publication.")
    pending = release_build_pending(cycle=cycle)
    if pending is not None:
        raise Conflict(f"Release {pending.number} of {cycle.slug} is being built ({pending.stage}); "
                       "change the plan when it is ready.", code="build_pending")
    checked = _plan_choices_checked(cycle, choices)
    cycle.policy = {**cycle.policy, "plan_choices": checked}
    cycle.save(update_fields=["policy"])
    audit_record(principal=principal, action="release.plan_changed", obj=cycle, cycle=cycle,
                 details={"choices": checked})
    return release_build_request(principal=principal, cycle=cycle)


def release_compute(*, cycle: Cycle, on_stage=lambda stage: None) -> ReleaseOutcome:
    """The next release of a cycle (draft, refused or failed) computed from its aggregates:
    disclosure control and the audit. Writes nothing and holds no lock."""
    aggregates = cohort_aggregates(cycle=cycle)
    cohorts = _cycle_cohorts(cycle, aggregates)
    policy = policy_for(cycle)
    previous = [
        PreviousRelease(document=r.release_document(), changed_atoms=frozenset())
        for r in releases_published(cycle=cycle)
    ]
    on_stage("disclosure control and audit")
    _pause()
    try:
        draft = release_build(cohorts=cohorts, policy=policy, previous=previous,
                              choices=plan_choices(cycle))
    except (SolverError, ProtectionError, AuditError, HistoryError, CohortError) as exc:
        # Recorded, not lost in a worker log: the office sees why and can build again.
        return ReleaseOutcome(
            state=ReleaseState.FAILED, document=None, policy_version=policy.version,
            certificate={"passed": False, "policy_version": policy.version},
            error=f"The release could not be built: {exc}",
        )
    on_stage("writing the release")
    certificate = draft.certificate.as_dict()
    if not draft.publishable:
        return ReleaseOutcome(
            state=ReleaseState.REFUSED, document=None, certificate=certificate, policy_version=policy.version,
            error="; ".join(certificate.get("failures", [])[:5]) or "The audit did not pass.",
        )
    participants = aggregates["all"].scalar("submissions")
    document = release_document(draft, cycle=cycle.slug, taxonomy=cycle.taxonomy, participants=participants)
    document = dataclasses.replace(
        document, policy={**document.policy, "min_cohort_employers": cycle.policy["min_cohort_employers"]}
    )
    document = dataclasses.replace(
        document, metrics=release_metrics(document, aggregates, policy), excluded=len(exclusions_of(cycle=cycle))
    )
    return ReleaseOutcome(state=ReleaseState.DRAFT, document=release_to_json(document), certificate=certificate,
                          policy_version=policy.version)


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
    pending = release_build_pending(cycle=cycle)
    if pending is not None:
        raise Conflict(f"Release {pending.number} of {cycle.slug} is being built ({pending.stage}); "
                       "this page shows it when it is ready.", code="build_pending")
    audit_record(principal=principal, action="release.rebuild_requested", obj=cycle, cycle=cycle,
                 details={"after": latest.number if latest else None})
    release_build_request(principal=principal, cycle=cycle)


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

