"""Read-side queries of the aggregation side: unmask jobs, cohort aggregates, releases.

Guarantee: nothing here leaves the service unfiltered. ``cohort_aggregates`` is service-internal
(the aggregates leave only through disclosure control); releases are read as stored.
"""

from __future__ import annotations

from aggregation.models import (
    CohortAggregate,
    Release,
    ReleaseBuild,
    ReleaseBuildState,
    ReleaseState,
    SubmissionExclusion,
    UnmaskJob,
)
from compact.at_rest import open_at_rest
from compact.errors import NotFound
from compact.models import Cycle, CycleState
from employers.models import FrozenSubmission
from employers.selectors import submissions_frozen
from protocol.layout import Aggregate, layout_for
from protocol.sealing import elements_from_bytes


def cohort_blob_context(cycle: Cycle, key: str, part: str) -> str:
    """The at-rest encryption context of a cohort's mask sum, aggregate or checkpoint."""
    return f"cohort/{cycle.slug}/{key}/{part}"


def unmask_job_get(*, cycle: Cycle) -> UnmaskJob:
    job = UnmaskJob.objects.filter(cycle=cycle).first()
    if job is None:
        raise NotFound("This cycle has no unmask yet.")
    return job


def submissions_counted(*, cycle: Cycle) -> list[FrozenSubmission]:
    """The frozen submissions that the unmask and the release count: the frozen set without the
    submissions the office excluded, by employer id, without the blobs."""
    excluded = set(SubmissionExclusion.objects.filter(job__cycle=cycle).values_list("submission_id", flat=True))
    return [f for f in submissions_frozen(cycle=cycle) if f.submission_id not in excluded]


def exclusions_of(*, cycle: Cycle) -> list[SubmissionExclusion]:
    """The submissions the office excluded from a cycle's unmask, with who excluded them and why."""
    return list(
        SubmissionExclusion.objects.filter(job__cycle=cycle)
        .select_related("submission__employer", "excluded_by")
        .defer("submission__masked_vector", "submission__sealed_seed")
        .order_by("submission__employer_id")
    )


def cohort_aggregates(*, cycle: Cycle) -> dict[str, Aggregate]:
    """The unmasked aggregates of a cycle, by cohort key. Service-internal: never sent out."""
    layout = layout_for(cycle.taxonomy)
    out = {}
    for row in CohortAggregate.objects.filter(cycle=cycle):
        data = open_at_rest(bytes(row.elements), context=cohort_blob_context(cycle, row.key, "aggregate"))
        out[row.key] = Aggregate(layout, elements_from_bytes(data))
    return out


def release_build_pending(*, cycle: Cycle) -> ReleaseBuild | None:
    """The cycle's unfinished release build (queued or running), if there is one."""
    return ReleaseBuild.objects.filter(cycle=cycle).exclude(state=ReleaseBuildState.DONE).order_by("-number").first()


def release_latest(*, cycle: Cycle) -> Release | None:
    return Release.objects.filter(cycle=cycle).order_by("-number").first()


def release_published(*, cycle: Cycle) -> Release:
    release = Release.objects.filter(cycle=cycle, state=ReleaseState.PUBLISHED).order_by("-number").first()
    if release is None:
        raise NotFound(f"Cycle {cycle.slug!r} has no published release.")
    return release


def releases_public() -> list[Release]:
    """The latest published release of every published cycle, newest cycle first (public)."""
    latest = {}
    for release in (Release.objects.filter(state=ReleaseState.PUBLISHED, cycle__state=CycleState.PUBLISHED)
                    .select_related("cycle").order_by("-cycle__deadline", "-number")):
        latest.setdefault(release.cycle_id, release)
    return list(latest.values())


def releases_published(*, cycle: Cycle) -> list[Release]:
    """Every published release of a cycle, first to last (what a correction is audited against)."""
    return list(Release.objects.filter(cycle=cycle, state=ReleaseState.PUBLISHED).order_by("number"))


def release_next_number(*, cycle: Cycle) -> int:
    latest = release_latest(cycle=cycle)
    return (latest.number if latest else 0) + 1


def releases_of_earlier_cycles(*, cycle: Cycle, limit: int = 5) -> list[Release]:
    """The latest published release of each of the ``limit`` most recent published cycles whose
    deadline came before ``cycle``'s, newest first (a later cycle is never "the year before")."""
    out = []
    earlier = Cycle.objects.filter(state=CycleState.PUBLISHED, deadline__lt=cycle.deadline).exclude(pk=cycle.pk)
    for other in earlier.order_by("-deadline")[:limit]:
        release = other.releases.filter(state=ReleaseState.PUBLISHED).order_by("-number").first()
        if release is not None:
            out.append(release)
    return out
