"""Close → unmask: the office opens seeds and sums masks; the service adds; the sums are exact."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from aggregation.models import CohortAggregate, UnmaskJob
from aggregation.office.unmask_client import UnmaskRefused, mask_sums_compute
from aggregation.selectors import cohort_aggregates
from aggregation.services import unmask as unmask_service
from compact.models import Cycle
from compact.services.cycles import cycle_close
from protocol.sealing import ring_add


def _close(world, cycle) -> Cycle:
    return cycle_close(principal=world.principal("ana"), cycle=cycle)


def _plain_sum(vectors, members) -> np.ndarray:
    total = np.zeros_like(next(iter(vectors.values())))
    for employer in members:
        total = ring_add(total, vectors[employer])
    return total


def _office_round(world, slug, private_key, capture):
    ana = world.client("ana")
    bundle = ana.get(f"/api/v1/cycles/{slug}/unmask").json()
    sums = mask_sums_compute(bundle, private_key=private_key)
    for key, mask_sum in sums.sums.items():
        response = ana.post(
            f"/api/v1/cycles/{slug}/unmask/mask-sums",
            {"cohort": key, "mask_sum": base64.b64encode(mask_sum.astype("<u8").tobytes()).decode()},
            format="json",
        )
        assert response.status_code == 201, response.content
    with capture(execute=True):
        started = ana.post(f"/api/v1/cycles/{slug}/unmask/start")
    assert started.status_code == 200, started.content
    return bundle


def test_each_cohort_unmasks_to_the_exact_sum_of_its_members_vectors(
    world, populated_cycle, office_private_key, django_capture_on_commit_callbacks
):
    pop = populated_cycle(20)
    _close(world, pop.cycle)
    bundle = _office_round(world, "2026", office_private_key, django_capture_on_commit_callbacks)
    pop.cycle.refresh_from_db()
    assert pop.cycle.state == "unmasked"
    aggregates = cohort_aggregates(cycle=pop.cycle)
    assert set(aggregates) == {c["key"] for c in bundle["cohorts"]} and "all" in aggregates
    for cohort in bundle["cohorts"]:
        expected = _plain_sum(pop.vectors, cohort["members"])
        assert np.array_equal(aggregates[cohort["key"]].elements, expected), cohort["key"]
        assert aggregates[cohort["key"]].scalar("submissions") == len(cohort["members"])
    job = UnmaskJob.objects.get()
    assert (job.state, job.processed, job.total) == ("done", 20, 20)


def test_the_office_downloads_seeds_and_memberships_only_under_1kb_per_employer(
    world, populated_cycle
):
    pop = populated_cycle(20)
    _close(world, pop.cycle)
    raw = world.client("ana").get("/api/v1/cycles/2026/unmask").content
    assert len(raw) / 20 < 1024
    bundle = json.loads(raw)
    assert set(bundle["submissions"][0]) == {"employer", "version", "masked_sha256", "sealed_seed"}
    from employers.models import SealedSubmission

    for s in SealedSubmission.objects.all():
        from compact.at_rest import open_at_rest
        from employers.services.submissions import blob_context

        masked = open_at_rest(bytes(s.masked_vector), context=blob_context("2026", s.employer_id, s.version, "masked"))
        assert base64.b64encode(masked[:48]).decode()[:60] not in raw.decode()


def test_the_office_client_refuses_a_curious_service_asking_for_all_but_one(
    world, populated_cycle, office_private_key
):
    pop = populated_cycle(20)
    _close(world, pop.cycle)
    world.client("ana").get("/api/v1/cycles/2026/unmask")
    job = UnmaskJob.objects.get()
    everyone = sorted(pop.vectors)
    # The curious service rewrites its request: "all" and "all but the first employer".
    job.cohorts = [
        {"key": "all", "kind": "all", "value": None, "members": everyone},
        {"key": "industry:IT", "kind": "industry", "value": "IT", "members": everyone[1:]},
    ]
    job.save()
    bundle = world.client("ana").get("/api/v1/cycles/2026/unmask").json()
    with pytest.raises(UnmaskRefused, match="1 employer\\(s\\) isolated"):
        mask_sums_compute(bundle, private_key=office_private_key)
    job.cohorts = [{"key": "size:1-49", "kind": "size", "value": "1-49", "members": everyone[:1]}]
    job.save()
    bundle = world.client("ana").get("/api/v1/cycles/2026/unmask").json()
    with pytest.raises(UnmaskRefused, match="has 1 employer\\(s\\); the minimum is 8"):
        mask_sums_compute(bundle, private_key=office_private_key)


def test_the_office_client_refuses_a_lower_minimum_than_its_own(world, populated_cycle, office_private_key):
    pop = populated_cycle(20)
    _close(world, pop.cycle)
    bundle = world.client("ana").get("/api/v1/cycles/2026/unmask").json()
    bundle["min_cohort_employers"] = 1
    with pytest.raises(UnmaskRefused):
        mask_sums_compute(bundle, private_key=office_private_key, min_cohort_employers=11)


def test_a_swapped_binding_makes_the_office_refuse(world, populated_cycle, office_private_key):
    from aggregation.office.unmask_client import SeedsUnopened

    pop = populated_cycle(20)
    _close(world, pop.cycle)
    bundle = world.client("ana").get("/api/v1/cycles/2026/unmask").json()
    bundle["submissions"][0]["version"] = 2
    with pytest.raises(SeedsUnopened, match="does not open under its binding") as refused:
        mask_sums_compute(bundle, private_key=office_private_key)
    assert [(u.employer, u.version) for u in refused.value.unopened] == [(bundle["submissions"][0]["employer"], 2)]


def test_an_interrupted_run_resumes_from_its_checkpoint_with_the_right_result(
    world, populated_cycle, office_private_key, django_capture_on_commit_callbacks, monkeypatch
):
    pop = populated_cycle(20)
    _close(world, pop.cycle)
    monkeypatch.setenv("TALENT_UNMASK_CHECKPOINT_EVERY", "4")
    calls = {"n": 0}

    def crash_on_the_tenth():
        calls["n"] += 1
        if calls["n"] == 10:
            raise SystemExit("worker killed")

    monkeypatch.setattr(unmask_service, "_pause", crash_on_the_tenth)
    with pytest.raises(SystemExit):
        _office_round(world, "2026", office_private_key, django_capture_on_commit_callbacks)
    job = UnmaskJob.objects.get()
    assert job.state == "running" and job.checkpoint_index == 8
    assert CohortAggregate.objects.count() == 0  # nothing half-written
    assert Cycle.objects.get(pk=pop.cycle.pk).state == "closed"
    assert unmask_service.unmask_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert job.resumed_from == 8 and job.attempts == 2
    aggregates = cohort_aggregates(cycle=pop.cycle)
    assert np.array_equal(aggregates["all"].elements, _plain_sum(pop.vectors, pop.vectors))
    # A duplicate delivery after success changes nothing.
    assert unmask_service.unmask_run(job_id=job.pk) == "done"
    assert CohortAggregate.objects.count() == len(job.cohorts)


def test_mask_sums_that_do_not_match_fail_the_job_and_store_nothing(
    world, populated_cycle, django_capture_on_commit_callbacks
):
    pop = populated_cycle(20)
    _close(world, pop.cycle)
    ana = world.client("ana")
    bundle = ana.get("/api/v1/cycles/2026/unmask").json()
    zeros = base64.b64encode(bytes(bundle["elements"] * 8)).decode()
    for cohort in bundle["cohorts"]:
        ana.post("/api/v1/cycles/2026/unmask/mask-sums", {"cohort": cohort["key"], "mask_sum": zeros}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        ana.post("/api/v1/cycles/2026/unmask/start")
    status = ana.get("/api/v1/cycles/2026/unmask/status").json()
    assert status["state"] == "failed" and "do not match the submissions" in status["error"]
    assert CohortAggregate.objects.count() == 0
    assert Cycle.objects.get(pk=pop.cycle.pk).state == "closed"


def test_unmask_requests_are_checked(world, populated_cycle, make_cycle):
    ana = world.client("ana")
    pop = populated_cycle(20)
    response = ana.get("/api/v1/cycles/2026/unmask")
    assert response.status_code == 409 and "only a closed cycle" in response.json()["detail"]
    _close(world, pop.cycle)
    ana.get("/api/v1/cycles/2026/unmask")
    early = ana.post("/api/v1/cycles/2026/unmask/start")
    assert early.status_code == 409 and "Mask sums are missing" in early.json()["detail"]
    wrong = ana.post("/api/v1/cycles/2026/unmask/mask-sums", {"cohort": "industry:Mining", "mask_sum": "AAAA"}, format="json")
    assert wrong.status_code == 400 and "not part of this unmask" in wrong.json()["detail"]
    short = ana.post("/api/v1/cycles/2026/unmask/mask-sums", {"cohort": "all", "mask_sum": "AAAA"}, format="json")
    assert short.status_code == 400 and "got 3" in short.json()["detail"]
    assert world.client("alice").get("/api/v1/cycles/2026/unmask").status_code == 403
    small = make_cycle("tiny", state="closed")
    too_few = ana.get("/api/v1/cycles/tiny/unmask")
    assert too_few.status_code == 409 and "needs at least 8" in too_few.json()["detail"]
    assert small.state == "closed"
