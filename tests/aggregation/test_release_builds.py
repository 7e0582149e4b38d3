"""Release builds are durable jobs: one draft per build whatever is redelivered, resumed by beat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from aggregation.models import Release, ReleaseBuild
from aggregation.services import releases
from aggregation.tasks import release_build_resume_stalled_task, release_build_task
from compact.access import SYSTEM
from compact.models import AuditEvent, Cycle
from tests.aggregation.test_releases import unmasked  # noqa: F401 - the fixture


def _request_build(cycle) -> ReleaseBuild:
    with transaction.atomic():
        return releases.release_build_request(principal=SYSTEM, cycle=cycle)


def test_running_the_build_task_twice_yields_exactly_one_draft(world, unmasked):  # noqa: F811
    cycle = Cycle.objects.get(slug="2026")
    build = _request_build(cycle)
    assert (build.number, build.state, build.stage) == (1, "queued", "queued")
    assert _request_build(cycle).pk == build.pk  # asking again while it is unfinished: the same build
    assert release_build_task(build.pk) == "draft"
    assert release_build_task(build.pk) == "draft"  # a redelivery after success
    release = Release.objects.get()
    assert release.number == 1 and release.state == "draft" and release.passed
    build.refresh_from_db()
    assert (build.state, build.stage, build.attempts, build.release_id) == ("done", "done", 1, release.pk)
    assert AuditEvent.objects.filter(action="release.draft").count() == 1


def test_a_build_killed_mid_way_is_resumed_by_beat_and_yields_exactly_one_draft(
    world, unmasked, monkeypatch, django_capture_on_commit_callbacks  # noqa: F811
):
    cycle = Cycle.objects.get(slug="2026")
    build = _request_build(cycle)
    real = releases.release_build

    def killed(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(releases, "release_build", killed)
    with pytest.raises(SystemExit):
        release_build_task(build.pk)
    build.refresh_from_db()
    assert (build.state, build.stage, build.attempts) == ("running", "disclosure control and audit", 1)
    assert not Release.objects.exists()
    monkeypatch.setattr(releases, "release_build", real)
    # The broker redelivers at once: the heartbeat is fresh, so the run leaves the build alone.
    assert release_build_task(build.pk) == "running elsewhere"
    assert not Release.objects.exists()
    # Beat looks again: nothing is stalled yet.
    assert releases.release_builds_resume_stalled() == []
    # Time passes and no heartbeat comes (the worker is dead); beat re-queues the build.
    silent = timezone.now() - releases.STALL_AFTER - timedelta(seconds=1)
    ReleaseBuild.objects.filter(pk=build.pk).update(heartbeat_at=silent)
    with django_capture_on_commit_callbacks(execute=True):
        assert releases.release_builds_resume_stalled() == [build.pk]
    release = Release.objects.get()
    assert release.state == "draft" and release.number == 1
    build.refresh_from_db()
    assert (build.state, build.attempts, build.release_id) == ("done", 2, release.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert release_build_resume_stalled_task() == []
    assert release_build_task(build.pk) == "draft" and Release.objects.count() == 1


def test_the_build_is_recorded_with_the_unmask_so_a_lost_task_message_is_resumed(
    world, populated_cycle, office_private_key, monkeypatch, settings, django_capture_on_commit_callbacks
):
    import base64

    from aggregation.office.unmask_client import mask_sums_compute
    from compact.services.cycles import cycle_close
    from tests.factories import synthetic_vectors

    settings.RELEASE_BUILD_AFTER_UNMASK = True
    pop = populated_cycle(10, vectors=synthetic_vectors(10), industries=("IT",), sizes=("200-499",))
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana = world.client("ana")
    bundle = ana.get("/api/v1/cycles/2026/unmask").json()
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key).sums.items():
        ana.post("/api/v1/cycles/2026/unmask/mask-sums",
                 {"cohort": key, "mask_sum": base64.b64encode(mask_sum.astype("<u8").tobytes()).decode()}, format="json")
    lost = []
    monkeypatch.setattr(releases, "task_enqueue_on_commit", lambda name, *args: lost.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        ana.post("/api/v1/cycles/2026/unmask/start")
    assert Cycle.objects.get(slug="2026").state == "unmasked"
    build = ReleaseBuild.objects.get()
    assert build.state == "queued" and lost == [("aggregation.tasks.release_build", (build.pk,))]
    # The office sees that a release is on its way, not "no release".
    latest = ana.get("/api/v1/cycles/2026/release/latest")
    assert latest.status_code == 404 and latest.json()["code"] == "being_built"
    assert latest.json()["details"]["build"]["stage"] == "queued"
    page = Client()
    page.force_login(world.ana)
    review = page.get("/office/cycles/2026/review/").content.decode()
    assert "Release 1 is being built" in review and "queued" in review and "No release yet" not in review
    rebuild = ana.post("/api/v1/cycles/2026/release/build")
    assert rebuild.status_code == 409 and rebuild.json()["code"] == "build_pending"
    monkeypatch.undo()
    later = timezone.now() + releases.STALL_AFTER + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert releases.release_builds_resume_stalled(now=later) == [build.pk]
    assert Release.objects.get().state == "draft"
    body = ana.get("/api/v1/cycles/2026/release/latest").json()
    assert body["state"] == "draft" and body["build"] is None
    review = page.get("/office/cycles/2026/review/").content.decode()
    assert "is being built" not in review and "Publish release 1" in review


def test_a_redelivered_build_takes_over_at_once_from_a_dead_process_on_this_host(world, unmasked):  # noqa: F811
    import socket

    cycle = Cycle.objects.get(slug="2026")
    build = _request_build(cycle)
    # As a killed pool process leaves it: running, a fresh heartbeat, a pid that no longer exists.
    ReleaseBuild.objects.filter(pk=build.pk).update(
        state="running", attempts=1, heartbeat_at=timezone.now(), runner=f"{socket.gethostname()}:999999999"
    )
    assert release_build_task(build.pk) == "draft"
    build.refresh_from_db()
    assert build.attempts == 2 and Release.objects.count() == 1
    # A run on another host is trusted while its heartbeat is fresh.
    other = _request_build_after_refusal(cycle)
    ReleaseBuild.objects.filter(pk=other.pk).update(state="running", heartbeat_at=timezone.now(), runner="elsewhere:1")
    assert release_build_task(other.pk) == "running elsewhere"
    page = Client()
    page.force_login(world.ana)
    review = page.get("/office/cycles/2026/review/").content.decode()
    assert "Release 2 is being built" in review and "queued (running)" in review
    assert "Release 1: <strong>Refused by the audit</strong>" in review and "Build the release again" not in review


def _request_build_after_refusal(cycle) -> ReleaseBuild:
    Release.objects.filter(cycle=cycle).update(state="refused")
    return _request_build(cycle)


def test_a_broker_down_at_commit_delays_the_work_and_beat_queues_it_again(
    world, populated_cycle, office_private_key, monkeypatch, django_capture_on_commit_callbacks
):
    """The unmask start commits even when the broker refuses the task; the job stays queued with
    a heartbeat, so beat's resume finds it once the broker is back."""
    import base64

    from celery import current_app
    from kombu.exceptions import OperationalError

    from aggregation.models import UnmaskJob
    from aggregation.office.unmask_client import mask_sums_compute
    from aggregation.services import unmask as unmask_service
    from compact.services.cycles import cycle_close

    pop = populated_cycle(10)
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana = world.client("ana")
    bundle = ana.get("/api/v1/cycles/2026/unmask").json()
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key).sums.items():
        ana.post("/api/v1/cycles/2026/unmask/mask-sums",
                 {"cohort": key, "mask_sum": base64.b64encode(mask_sum.astype("<u8").tobytes()).decode()}, format="json")
    task = current_app.tasks["aggregation.tasks.unmask_run"]

    def refused(*args):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(task, "delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        started = ana.post("/api/v1/cycles/2026/unmask/start")
    assert started.status_code == 200 and started.json()["state"] == "queued"
    job = UnmaskJob.objects.get()
    assert job.state == "queued" and job.heartbeat_at is not None
    monkeypatch.undo()
    assert unmask_service.unmask_resume_stalled() == []
    later = timezone.now() + unmask_service.STALL_AFTER + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert unmask_service.unmask_resume_stalled(now=later) == [job.pk]
    assert UnmaskJob.objects.get().state == "done" and Cycle.objects.get(slug="2026").state == "unmasked"


def test_a_busy_database_costs_the_heartbeat_one_beat_not_its_thread(monkeypatch):
    import time as clock

    from django.db import OperationalError

    beats = []

    class Builds:
        @staticmethod
        def filter(pk):
            class Row:
                @staticmethod
                def update(heartbeat_at):
                    beats.append(heartbeat_at)
                    if len(beats) == 1:
                        raise OperationalError("database table is locked")
            return Row

    monkeypatch.setattr(releases, "HEARTBEAT_EVERY", timedelta(milliseconds=10))
    monkeypatch.setattr(releases.ReleaseBuild, "objects", Builds)
    with releases._heartbeat(7):
        deadline = clock.monotonic() + 10
        while len(beats) < 3 and clock.monotonic() < deadline:
            clock.sleep(0.01)
    assert len(beats) >= 3  # it kept beating after the locked one
