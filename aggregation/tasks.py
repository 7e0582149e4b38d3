"""Celery tasks of the aggregation side. Thin: each calls one service.

Services queue these by name through :mod:`aggregation.dispatch`, which names them.
"""

from celery import shared_task

from aggregation.dispatch import (
    RELEASE_BUILD,
    RELEASE_BUILD_RESUME_STALLED,
    UNMASK_RESUME_STALLED,
    UNMASK_RUN,
)
from aggregation.services.releases import release_build_run, release_builds_resume_stalled
from aggregation.services.unmask import unmask_resume_stalled, unmask_run


@shared_task(name=UNMASK_RUN, acks_late=True, reject_on_worker_lost=True)
def unmask_run_task(job_id: int) -> str:
    """Sum a closed cycle's masked vectors per cohort and add the office's mask sums."""
    return unmask_run(job_id=job_id)


@shared_task(name=UNMASK_RESUME_STALLED)
def unmask_resume_stalled_task() -> list[int]:
    """Re-queue unmask runs that stopped sending heartbeats (scheduled by beat)."""
    return unmask_resume_stalled()


@shared_task(name=RELEASE_BUILD, acks_late=True, reject_on_worker_lost=True)
def release_build_task(build_id: int) -> str:
    """Run one release build (disclosure control and audit); a redelivery writes nothing twice."""
    release = release_build_run(build_id=build_id)
    return release.state if release is not None else "running elsewhere"


@shared_task(name=RELEASE_BUILD_RESUME_STALLED)
def release_build_resume_stalled_task() -> list[int]:
    """Re-queue release builds that stopped sending heartbeats (scheduled by beat)."""
    return release_builds_resume_stalled()
