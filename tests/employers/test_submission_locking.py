"""Submissions hold no cycle-wide lock while they do their expensive work, and the close stays exact.

On PostgreSQL (the production database) with real concurrent connections: one employer's
submission stuck in its expensive part does not hold up another's; a close waits for a
submission that passed the open check and freezes it; a submission after the close is refused;
a submission that comes while the close waits waits behind it, so submitters cannot postpone it.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from compact.access import principal_for_user
from compact.errors import Conflict
from compact.services.cycles import cycle_close
from employers.models import FrozenSubmission, SealedSubmission
from employers.services import submissions as submission_service
from tests.employers.test_submissions import sealed_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need PostgreSQL (DATABASE_URL=postgres://...)")


class _InThread(threading.Thread):
    def __init__(self, target):
        super().__init__(daemon=True)
        self._target_fn = target
        self.result = self.error = None

    def run(self):
        try:
            self.result = self._target_fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc
        finally:
            connection.close()


def _accept(world, who, doc):
    user = getattr(world, who)
    return lambda: submission_service.submission_accept(
        principal=principal_for_user(user), cycle=world.cycle, document=doc, received_via="test", body_bytes=1000
    )


def test_a_slow_submission_does_not_hold_up_another_employer(world, make_cycle, monkeypatch):
    world.cycle = make_cycle(state="open")
    slow_doc, fast_doc = sealed_for(world.client("alice")), sealed_for(world.client("bob"))
    entered, release = threading.Event(), threading.Event()
    real = submission_service.seal_at_rest

    def seal_slowly(data, *, context):
        if context.startswith(f"submission/{world.cycle.slug}/{world.acme.pk}/"):
            entered.set()
            release.wait(30)
        return real(data, context=context)

    monkeypatch.setattr(submission_service, "seal_at_rest", seal_slowly)
    slow = _InThread(_accept(world, "alice", slow_doc))
    slow.start()
    assert entered.wait(10)
    fast = _InThread(_accept(world, "bob", fast_doc))
    fast.start()
    fast.join(10)
    try:
        assert not fast.is_alive() and fast.error is None, fast.error
        assert slow.is_alive()  # Acme is still encrypting; Birch is stored already
        assert list(SealedSubmission.objects.values_list("employer_id", flat=True)) == [world.birch.pk]
    finally:
        release.set()
        slow.join(10)
    assert slow.error is None and SealedSubmission.objects.count() == 2


def test_a_close_waits_for_a_submission_that_passed_the_open_check_and_freezes_it(world, make_cycle, monkeypatch):
    world.cycle = make_cycle(state="open")
    doc = sealed_for(world.client("alice"))
    stored, release = threading.Event(), threading.Event()
    real = submission_service.audit_record

    def audit_slowly(**kwargs):
        stored.set()  # the row is inserted, the transaction holds the share lock
        release.wait(30)
        return real(**kwargs)

    monkeypatch.setattr(submission_service, "audit_record", audit_slowly)
    submitting = _InThread(_accept(world, "alice", doc))
    submitting.start()
    assert stored.wait(10)
    closing = _InThread(lambda: cycle_close(principal=world.principal("ana"), cycle=world.cycle))
    closing.start()
    closing.join(2)
    try:
        assert closing.is_alive()  # the close waits for the submission's lock
    finally:
        release.set()
        submitting.join(10)
        closing.join(10)
    assert submitting.error is None and closing.error is None, (submitting.error, closing.error)
    frozen = FrozenSubmission.objects.get()
    assert frozen.submission_id == submitting.result.pk
    # After the close, a submission is refused: nothing stored that the frozen set lacks.
    late = sealed_for(world.client("bob"))
    with pytest.raises(Conflict, match="closed on"):
        _accept(world, "bob", late)()
    assert SealedSubmission.objects.count() == 1


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _until(predicate, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_submission_that_comes_while_the_close_waits_is_held_back_and_refused(world, make_cycle, monkeypatch):
    # Row share locks let a newcomer join the holders ahead of a waiting close: a steady stream
    # of submitters would postpone the close for as long as it lasts (benchmarks/rush.py saw 11 s).
    world.cycle = make_cycle(state="open")
    first, later = sealed_for(world.client("alice")), sealed_for(world.client("bob"))
    stored, release = threading.Event(), threading.Event()
    real = submission_service.audit_record

    def audit_slowly_for_acme(**kwargs):
        if kwargs["employer"] == world.acme:
            stored.set()  # Acme's row is inserted; its transaction holds the shared locks
            release.wait(30)
        return real(**kwargs)

    monkeypatch.setattr(submission_service, "audit_record", audit_slowly_for_acme)
    submitting = _InThread(_accept(world, "alice", first))
    submitting.start()
    assert stored.wait(10)
    closing = _InThread(lambda: cycle_close(principal=world.principal("ana"), cycle=world.cycle))
    closing.start()
    assert _until(lambda: _lock_waiters() >= 1)  # the close waits for Acme
    newcomer = _InThread(_accept(world, "bob", later))
    newcomer.start()
    # Birch either gets in ahead of the waiting close (the fault) or waits behind it.
    assert _until(lambda: not newcomer.is_alive() or _lock_waiters() >= 2)
    try:
        assert newcomer.is_alive(), "a submission that came after the close began was stored before it"
    finally:
        release.set()
        for thread in (submitting, closing, newcomer):
            thread.join(10)
    assert submitting.error is None and closing.error is None, (submitting.error, closing.error)
    assert isinstance(newcomer.error, Conflict) and newcomer.error.code == "cycle_not_open"
    assert list(FrozenSubmission.objects.values_list("submission_id", flat=True)) == [submitting.result.pk]
    assert SealedSubmission.objects.count() == 1
