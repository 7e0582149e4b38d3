"""Fault tolerance with a real worker: kill it in the middle of an unmask."""

from __future__ import annotations

import os
import signal
import subprocess

import numpy as np
import pytest

from aggregation.models import CohortAggregate, UnmaskJob
from aggregation.office.unmask_client import mask_sums_compute
from aggregation.selectors import cohort_aggregates
from aggregation.services import unmask as unmask_service
from compact.services.cycles import cycle_close
from protocol.sealing import ring_add
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _pool_children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_unmask_leaves_nothing_half_written_and_the_retry_completes(
    world, populated_cycle, office_private_key, celery_worker_process
):
    pop = populated_cycle(24)
    analyst = world.principal("ana")
    cycle = cycle_close(principal=analyst, cycle=pop.cycle)
    bundle = unmask_service.unmask_bundle(principal=analyst, cycle=cycle)
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key).sums.items():
        unmask_service.unmask_mask_sum_store(
            principal=analyst, cycle=cycle, cohort_key=key, mask_sum=mask_sum.astype("<u8").tobytes()
        )
    unmask_service.unmask_start(principal=analyst, cycle=cycle)  # commits: the task goes to Redis

    wait_for(lambda: UnmaskJob.objects.get().checkpoint_index >= 8, timeout=120)
    children = _pool_children(celery_worker_process.pid)
    assert children, "the worker has no pool process to kill"
    for child in children:
        os.kill(child, signal.SIGKILL)
    assert CohortAggregate.objects.count() == 0
    assert UnmaskJob.objects.get().state == "running"

    wait_for(lambda: UnmaskJob.objects.get().state == "done", timeout=180)
    job = UnmaskJob.objects.get()
    assert job.attempts >= 2 and job.resumed_from >= 8
    aggregates = cohort_aggregates(cycle=cycle)
    expected = np.zeros_like(next(iter(pop.vectors.values())))
    for vector in pop.vectors.values():
        expected = ring_add(expected, vector)
    assert np.array_equal(aggregates["all"].elements, expected)
    cycle.refresh_from_db()
    assert cycle.state == "unmasked"
