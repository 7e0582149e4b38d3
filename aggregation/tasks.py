"""Celery tasks of the aggregation side. Thin: each calls one service."""

from celery import shared_task

from aggregation.services.unmask import unmask_resume_stalled, unmask_run


@shared_task(name="aggregation.tasks.unmask_run", acks_late=True, reject_on_worker_lost=True)
def unmask_run_task(job_id: int) -> str:
    """Sum a closed cycle's masked vectors per cohort and add the office's mask sums."""
    return unmask_run(job_id=job_id)


@shared_task(name="aggregation.tasks.unmask_resume_stalled")
def unmask_resume_stalled_task() -> list[int]:
    """Re-queue unmask runs that stopped sending heartbeats (scheduled by beat)."""
    return unmask_resume_stalled()


@shared_task(name="aggregation.tasks.release_build", acks_late=True, reject_on_worker_lost=True)
def release_build_task(cycle_id: int) -> str:
    """Build the draft release of a freshly unmasked cycle (disclosure control and audit)."""
    from aggregation.services.releases import release_build_for_cycle
    from compact.models import Cycle

    return release_build_for_cycle(cycle=Cycle.objects.get(pk=cycle_id)).state
