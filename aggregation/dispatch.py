"""Queueing the aggregation side's Celery tasks by name, once the current transaction commits.

Services queue work here instead of importing the task functions: ``aggregation.tasks`` is the
layer above the services (each task calls one service), so the services never import it. The
tasks are registered when the app is ready (``AggregationConfig.ready``); with no broker they
run eagerly in the committing process, as every ``.delay`` does.

Every task queued here runs a job that is recorded in the database (an unmask job, a release
build) and that beat re-queues when it goes silent. So a broker that is down when the
transaction commits costs a delay, not the work: the error is logged and the committed request
still succeeds.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)

UNMASK_RUN = "aggregation.tasks.unmask_run"
UNMASK_RESUME_STALLED = "aggregation.tasks.unmask_resume_stalled"
RELEASE_BUILD = "aggregation.tasks.release_build"
RELEASE_BUILD_RESUME_STALLED = "aggregation.tasks.release_build_resume_stalled"


def task_enqueue_on_commit(name: str, *args) -> None:
    """Queue the task called ``name`` with ``args`` after the transaction commits (at once
    outside a transaction); nothing is queued if it rolls back."""
    transaction.on_commit(lambda: _send(name, args))


def _send(name: str, args: tuple) -> None:
    try:
        current_app.tasks[name].delay(*args)
    except BrokerUnavailable as exc:
        logger.error("The broker is unavailable; %s%r stays recorded and beat will queue it again: %s",
                     name, args, exc)
