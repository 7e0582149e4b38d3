"""Tasks run by a real Celery worker process on the real broker (CI's Postgres + Redis run)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compact.models import Cycle
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_closes_an_overdue_cycle(world, make_cycle, celery_worker_process):
    from compact.tasks import close_overdue_cycles

    cycle = make_cycle("due", state="open")
    Cycle.objects.filter(pk=cycle.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    close_overdue_cycles.delay()
    wait_for(lambda: Cycle.objects.get(pk=cycle.pk).state == "closed")
    assert Cycle.objects.get(pk=cycle.pk).submission_set is not None
