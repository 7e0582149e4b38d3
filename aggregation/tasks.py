"""Celery tasks of the aggregation side. Thin: each calls one service.

Services queue these by name through :mod:`aggregation.dispatch`, which names them.
"""

from celery import shared_task

from aggregation.dispatch import RELEASE_BUILD, UNMASK_RESUME_STALLED, UNMASK_RUN
from aggregation.services.releases import release_build_for_cycle
from aggregation.services.unmask import unmask_resume_stalled, unmask_run
from compact.selectors import cycle_get_by_id


@shared_task(name=UNMASK_RUN, acks_late=True, reject_on_worker_lost=True)
def unmask_run_task(job_id: int) -> str:
    """Sum a closed cycle's masked vectors per cohort and add the office's mask sums."""
    return unmask_run(job_id=job_id)


@shared_task(name=UNMASK_RESUME_STALLED)
def unmask_resume_stalled_task() -> list[int]:
    """Re-queue unmask runs that stopped sending heartbeats (scheduled by beat)."""
    return unmask_resume_stalled()


@shared_task(name=RELEASE_BUILD, acks_late=True, reject_on_worker_lost=True)
def release_build_task(cycle_id: int) -> str:
    """Build the draft release of a freshly unmasked cycle (disclosure control and audit)."""
    return release_build_for_cycle(cycle=cycle_get_by_id(pk=cycle_id)).state
