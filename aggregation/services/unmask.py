"""Unmasking a closed cycle: the office gets seeds and memberships, returns mask sums; the service
adds them to its sums of masked vectors.

What leaves the service for the office: for each frozen submission, the employer id, version,
masked-vector hash and sealed seed (about 250 bytes), and the cohort membership lists. Never a
masked vector, never an aggregate.

Fault tolerance: the summing task checkpoints its partial sums; a rerun (after a crash, a
killed worker or a duplicate delivery) resumes from the last checkpoint, and the results are
written in one transaction that also moves the cycle to "unmasked". Two runs at once are
harmless: whichever finishes second finds the job done and writes nothing.
"""

from __future__ import annotations

import base64
import io
import os
import time
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from aggregation.cohort_guard import Cohort, cohorts_propose
from aggregation.dispatch import UNMASK_RUN, task_enqueue_on_commit
from aggregation.models import CohortAggregate, CohortMaskSum, UnmaskJob, UnmaskState
from aggregation.selectors import cohort_blob_context, exclusions_of, submissions_counted
from aggregation.services.releases import release_build_request
from compact.access import SYSTEM, Principal
from compact.at_rest import open_at_rest, seal_at_rest
from compact.errors import Conflict, DomainError, NotFound
from compact.models import Cycle, CycleState
from compact.services.audit import audit_record
from compact.services.cycles import cycle_transition
from compact.services.guards import require_office
from employers.models import FrozenSubmission, SealedSubmission
from employers.services.submissions import blob_context, resubmission_windows_end
from protocol.layout import layout_for
from protocol.sealing import elements_from_bytes, elements_to_bytes, ring_add

BUNDLE_FORMAT = "talent-compact-unmask-request/1"
STALL_AFTER = timedelta(minutes=5)


def _cohort_from_json(item: dict) -> Cohort:
    return Cohort(kind=item["kind"], value=item["value"], members=frozenset(item["members"]))


def cohort_family_propose(*, cycle: Cycle, counted: list[FrozenSubmission]) -> list[Cohort]:
    """The cohorts the service asks the office to unmask for these submissions (the guard's
    proposal at the cycle's minimum); empty when there are too few employers."""
    members = {f.submission.employer_id: (f.industry, f.size_band) for f in counted}
    return cohorts_propose(members, min_employers=cycle.policy["min_cohort_employers"])


def cohorts_to_json(family: list[Cohort]) -> list[dict]:
    return [{"key": c.key, "kind": c.kind, "value": c.value, "members": sorted(c.members)} for c in family]


@transaction.atomic
def unmask_prepare(*, principal: Principal, cycle: Cycle) -> UnmaskJob:
    """The unmask job of a closed cycle, created with the cohort family on first call."""
    require_office(principal)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    existing = UnmaskJob.objects.filter(cycle=cycle).first()
    if existing is not None:
        return existing
    if cycle.state != CycleState.CLOSED:
        raise Conflict(f"Cycle {cycle.slug} is {cycle.state}; only a closed cycle can be unmasked.")
    frozen = submissions_counted(cycle=cycle)
    family = cohort_family_propose(cycle=cycle, counted=frozen)
    if not family:
        raise Conflict(
            f"Only {len(frozen)} employer(s) submitted; unmasking needs at least "
            f"{cycle.policy['min_cohort_employers']}.",
            code="too_few_employers",
        )
    # From here the unmask takes the frozen set: no version may replace a member of it.
    resubmission_windows_end(cycle=cycle)
    job = UnmaskJob.objects.create(cycle=cycle, cohorts=cohorts_to_json(family), total=len(frozen))
    audit_record(
        principal=principal,
        action="unmask.prepared",
        obj=job,
        cycle=cycle,
        details={"cohorts": [c.key for c in family], "employers": len(frozen)},
    )
    return job


def unmask_bundle(*, principal: Principal, cycle: Cycle) -> dict:
    """What the office client downloads: sealed seeds, bindings and cohort memberships."""
    job = unmask_prepare(principal=principal, cycle=cycle)
    layout = layout_for(cycle.taxonomy)
    submissions = []
    rows = SealedSubmission.objects.filter(
        frozen_in__submission_set__cycle=cycle, exclusion__isnull=True
    ).values_list("employer_id", "version", "masked_sha256", "sealed_seed")
    for employer_id, version, masked_sha256, sealed_seed in rows.iterator(chunk_size=2000):
        seed = open_at_rest(bytes(sealed_seed), context=blob_context(cycle.slug, employer_id, version, "seed"))
        submissions.append(
            {
                "employer": employer_id,
                "version": version,
                "masked_sha256": masked_sha256,
                "sealed_seed": base64.b64encode(seed).decode(),
            }
        )
    return {
        "format": BUNDLE_FORMAT,
        "cycle": cycle.slug,
        "taxonomy": cycle.taxonomy,
        "layout": layout.layout_id,
        "elements": layout.length,
        "key_fingerprint": cycle.office_key_fingerprint,
        "min_cohort_employers": cycle.policy["min_cohort_employers"],
        "submissions": sorted(submissions, key=lambda x: x["employer"]),
        "excluded": [
            {"employer": e.submission.employer_id, "version": e.submission.version, "reason": e.reason}
            for e in exclusions_of(cycle=cycle)
        ],
        "cohorts": job.cohorts,
        "uploaded": sorted(job.mask_sums.values_list("cohort_key", flat=True)),
    }


@transaction.atomic
def unmask_mask_sum_store(*, principal: Principal, cycle: Cycle, cohort_key: str, mask_sum: bytes) -> CohortMaskSum:
    require_office(principal)
    job = UnmaskJob.objects.select_for_update().filter(cycle=cycle).first()
    if job is None:
        raise NotFound("Download the unmask request first; it fixes the cohorts.")
    if job.state != UnmaskState.AWAITING_MASKS:
        raise Conflict(f"The unmask of {cycle.slug} is {job.state}; mask sums can no longer change.")
    keys = {c["key"] for c in job.cohorts}
    if cohort_key not in keys:
        raise DomainError(
            f"Cohort {cohort_key!r} is not part of this unmask; expected one of {', '.join(sorted(keys))}.",
            code="unknown_cohort",
        )
    layout = layout_for(cycle.taxonomy)
    if len(mask_sum) != layout.length * 8:
        raise DomainError(
            f"A mask sum has {layout.length * 8} bytes for layout {layout.layout_id}; got {len(mask_sum)}.",
            code="wrong_length",
        )
    row, _ = CohortMaskSum.objects.update_or_create(
        job=job,
        cohort_key=cohort_key,
        defaults={"mask_sum": seal_at_rest(mask_sum, context=cohort_blob_context(cycle, cohort_key, "mask"))},
    )
    return row


@transaction.atomic
def unmask_start(*, principal: Principal, cycle: Cycle) -> UnmaskJob:
    require_office(principal)
    job = UnmaskJob.objects.select_for_update().filter(cycle=cycle).first()
    if job is None:
        raise NotFound("Download the unmask request first.")
    if job.state != UnmaskState.AWAITING_MASKS:
        raise Conflict(f"The unmask of {cycle.slug} is already {job.state}.")
    missing = {c["key"] for c in job.cohorts} - set(job.mask_sums.values_list("cohort_key", flat=True))
    if missing:
        raise Conflict(
            f"Mask sums are missing for {', '.join(sorted(missing))}; upload them first.",
            code="mask_sums_missing",
        )
    job.state = UnmaskState.QUEUED
    job.heartbeat_at = timezone.now()  # a queued job that never starts is resumed like a stalled one
    job.save(update_fields=["state", "heartbeat_at"])
    audit_record(principal=principal, action="unmask.started", obj=job, cycle=cycle)
    task_enqueue_on_commit(UNMASK_RUN, job.pk)
    return job


def unmask_resume_stalled(*, now=None) -> list[int]:
    """Re-queue jobs whose run stopped sending heartbeats (e.g. the whole worker was killed)."""
    now = now or timezone.now()
    stalled = UnmaskJob.objects.filter(
        state__in=[UnmaskState.QUEUED, UnmaskState.RUNNING], heartbeat_at__lt=now - STALL_AFTER
    )
    ids = []
    for job in stalled:
        task_enqueue_on_commit(UNMASK_RUN, job.pk)
        ids.append(job.pk)
    return ids


# --- the summing run ----------------------------------------------------------------------


def _checkpoint_dump(next_index: int, sums: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, next_index=np.array([next_index]), **{f"sum_{k}": v for k, v in sums.items()})
    return buffer.getvalue()


def _checkpoint_load(blob: bytes) -> tuple[int, dict[str, np.ndarray]]:
    with np.load(io.BytesIO(blob)) as data:
        sums = {name[4:]: data[name].astype(np.uint64) for name in data.files if name.startswith("sum_")}
        return int(data["next_index"][0]), sums


BLOB_BATCH = 64


def _masked_blobs(frozen: list[FrozenSubmission]) -> dict[int, bytes]:
    """The encrypted masked vectors of a batch of submissions, by submission id (one query)."""
    ids = [f.submission_id for f in frozen]
    query = SealedSubmission.objects.filter(pk__in=ids).values_list("pk", "masked_vector")
    if connection.vendor == "postgresql":
        # Django reads bytea in PostgreSQL's text (hex) format: twice the bytes and a decode.
        # For 2.8 GB of masked vectors the binary protocol is several times faster.
        import psycopg

        sql, params = query.query.sql_with_params()
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(sql, params, binary=True)
            return {pk: bytes(blob) for pk, blob in raw.fetchall()}
    return {pk: bytes(blob) for pk, blob in query}


def _pause() -> None:
    # A test hook: lets the fault-tolerance test kill a worker in the middle of a run.
    pause = float(os.environ.get("TALENT_UNMASK_PAUSE_SECONDS", "0") or 0)
    if pause:
        time.sleep(pause)


def unmask_run(*, job_id: int) -> str:
    """Sum the masked vectors of every cohort, add the mask sums, store the aggregates."""
    job = UnmaskJob.objects.select_related("cycle").get(pk=job_id)
    if job.state in (UnmaskState.DONE, UnmaskState.FAILED, UnmaskState.AWAITING_MASKS):
        return job.state
    cycle = job.cycle
    layout = layout_for(cycle.taxonomy)
    cohorts = [_cohort_from_json(c) for c in job.cohorts]
    frozen = submissions_counted(cycle=cycle)
    every = int(os.environ.get("TALENT_UNMASK_CHECKPOINT_EVERY", "") or settings.UNMASK_CHECKPOINT_EVERY)

    start, sums = 0, {c.key: np.zeros(layout.length, dtype=np.uint64) for c in cohorts}
    if job.checkpoint:
        start, sums = _checkpoint_load(open_at_rest(bytes(job.checkpoint), context=cohort_blob_context(cycle, "*", "checkpoint")))
    UnmaskJob.objects.filter(pk=job.pk).update(
        state=UnmaskState.RUNNING,
        attempts=job.attempts + 1,
        resumed_from=start,
        started_at=job.started_at or timezone.now(),
        heartbeat_at=timezone.now(),
    )
    cohorts_of = {f.submission.employer_id: [c.key for c in cohorts if f.submission.employer_id in c.members] for f in frozen}
    blobs: dict[int, bytes] = {}
    for index in range(start, len(frozen)):
        submission = frozen[index].submission
        if submission.pk not in blobs:
            blobs = _masked_blobs(frozen[index : index + BLOB_BATCH])
        masked = elements_from_bytes(
            open_at_rest(
                blobs.pop(submission.pk),
                context=blob_context(cycle.slug, submission.employer_id, submission.version, "masked"),
            )
        )
        for key in cohorts_of[submission.employer_id]:
            np.add(sums[key], masked, out=sums[key])
        _pause()
        done = index + 1
        if done % every == 0 and done < len(frozen):
            UnmaskJob.objects.filter(pk=job.pk).update(
                processed=done,
                heartbeat_at=timezone.now(),
                checkpoint_index=done,
                checkpoint=seal_at_rest(
                    _checkpoint_dump(done, sums), context=cohort_blob_context(cycle, "*", "checkpoint")
                ),
            )
    return _unmask_finish(job_id=job.pk, sums=sums, cohorts=cohorts, total=len(frozen))


@transaction.atomic
def _unmask_finish(*, job_id: int, sums: dict[str, np.ndarray], cohorts: list[Cohort], total: int) -> str:
    job = UnmaskJob.objects.select_for_update().select_related("cycle").get(pk=job_id)
    if job.state == UnmaskState.DONE:
        return job.state  # another run finished first
    cycle = job.cycle
    layout = layout_for(cycle.taxonomy)
    masks = {
        m.cohort_key: elements_from_bytes(
            open_at_rest(bytes(m.mask_sum), context=cohort_blob_context(cycle, m.cohort_key, "mask"))
        )
        for m in job.mask_sums.all()
    }
    aggregates = []
    for cohort in cohorts:
        total_elements = ring_add(sums[cohort.key], masks[cohort.key])
        # Read the raw element: with wrong masks it is random and may exceed what Aggregate reads.
        counted = int(total_elements[layout.block("submissions").offset])
        if counted != len(cohort.members):
            # The mask sums do not belong to these masked vectors: a wrong key, a stale mask sum
            # or a tampered submission. Nothing is stored.
            job.state = UnmaskState.FAILED
            job.error = (
                f"Cohort {cohort.describe()}: the unmasked vector counts {counted} submission(s) "
                f"but the cohort has {len(cohort.members)}. The mask sums do not match the "
                "submissions; upload fresh mask sums and restart."
            )
            job.finished_at = timezone.now()
            job.save()
            audit_record(principal=SYSTEM, action="unmask.failed", obj=job, cycle=cycle, details={"error": job.error})
            return job.state
        aggregates.append(
            CohortAggregate(
                cycle=cycle,
                kind=cohort.kind,
                value=cohort.value or "",
                employers=len(cohort.members),
                elements=seal_at_rest(
                    elements_to_bytes(total_elements), context=cohort_blob_context(cycle, cohort.key, "aggregate")
                ),
            )
        )
    CohortAggregate.objects.bulk_create(aggregates)
    job.state = UnmaskState.DONE
    job.processed = total
    job.checkpoint = None
    job.finished_at = timezone.now()
    job.heartbeat_at = timezone.now()
    job.save()
    cycle_transition(principal=SYSTEM, cycle=cycle, to=CycleState.UNMASKED, details={"cohorts": len(cohorts)})
    if settings.RELEASE_BUILD_AFTER_UNMASK:
        # The build is recorded with the aggregates, so it survives a lost task message (beat
        # re-queues it); its task runs once they are committed.
        release_build_request(principal=SYSTEM, cycle=cycle)
    return job.state

