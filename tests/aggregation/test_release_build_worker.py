"""Fault tolerance with a real worker: kill it in the middle of a release build."""

from __future__ import annotations

import os
import signal

import pytest
from django.db import transaction

from aggregation.models import Release, ReleaseBuild, UnmaskJob
from aggregation.office.unmask_client import mask_sums_compute
from aggregation.services import releases
from aggregation.services import unmask as unmask_service
from compact.access import SYSTEM
from compact.services.cycles import cycle_close
from tests.aggregation.test_unmask_worker import _pool_children
from tests.conftest import wait_for
from tests.factories import synthetic_vectors

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_build_is_replaced_and_exactly_one_draft_is_written(
    world, populated_cycle, office_private_key, celery_worker_process
):
    pop = populated_cycle(10, vectors=synthetic_vectors(10), industries=("IT",), sizes=("200-499",))
    analyst = world.principal("ana")
    cycle = cycle_close(principal=analyst, cycle=pop.cycle)
    bundle = unmask_service.unmask_bundle(principal=analyst, cycle=cycle)
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key).sums.items():
        unmask_service.unmask_mask_sum_store(
            principal=analyst, cycle=cycle, cohort_key=key, mask_sum=mask_sum.astype("<u8").tobytes()
        )
    unmask_service.unmask_start(principal=analyst, cycle=cycle)
    wait_for(lambda: UnmaskJob.objects.get().state == "done", timeout=120)
    cycle.refresh_from_db()

    with transaction.atomic():
        build = releases.release_build_request(principal=SYSTEM, cycle=cycle)  # queued on commit
    # The worker pauses before the LPs (TALENT_RELEASE_BUILD_PAUSE_SECONDS): kill it there.
    wait_for(lambda: ReleaseBuild.objects.get(pk=build.pk).stage == "disclosure control and audit", timeout=120)
    children = _pool_children(celery_worker_process.pid)
    assert children, "the worker has no pool process to kill"
    for child in children:
        os.kill(child, signal.SIGKILL)
    assert not Release.objects.exists()

    # No office action: the redelivered task takes the build over from the dead process.
    wait_for(lambda: ReleaseBuild.objects.get(pk=build.pk).state == "done", timeout=180)
    build.refresh_from_db()
    assert build.attempts >= 2
    release = Release.objects.get()
    assert release.state == "draft" and release.number == 1 and build.release_id == release.pk
