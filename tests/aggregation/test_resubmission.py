"""Before the unmask the office can let one employer submit again after close (DESIGN §2.7)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from aggregation.models import UnmaskJob
from aggregation.office.unmask_client import unmask_remote
from aggregation.selectors import cohort_aggregates, submissions_counted
from compact.access import principal_for_user
from compact.errors import Conflict
from compact.models import AuditEvent, Cycle
from compact.services.cycles import cycle_close
from employers.models import EmployerMember, ResubmissionWindow
from employers.services.submissions import submission_accept
from protocol.layout import layout_for
from protocol.sealing import ring_add, seal
from tests.aggregation.test_exclusions import office_api
from tests.factories import random_vector

URL = "/api/v1/cycles/2026/resubmission-windows"


def _sealed(employer, version, elements, office_private_key, *, flip_seed=False) -> dict:
    doc = seal(elements=elements, public_key=office_private_key.public_key(), cycle="2026", employer=employer.pk,
               version=version, taxonomy="compact-2026", layout=layout_for().layout_id)
    if flip_seed:
        seed = bytearray(base64.b64decode(doc["sealed_seed"]))
        seed[40] ^= 0x01
        doc["sealed_seed"] = base64.b64encode(bytes(seed)).decode()
    return doc


def _submit(employer, doc, cycle):
    user = EmployerMember.objects.get(employer=employer).user
    return submission_accept(principal=principal_for_user(user), cycle=cycle, document=doc, received_via="test",
                             body_bytes=len(json.dumps(doc)))


def _grant(world, employer, *, hours=48, reason="Its seed did not open; it seals again"):
    until = (timezone.now() + timedelta(hours=hours)).isoformat()
    return world.client("ana").post(URL, {"employer": employer.pk, "until": until, "reason": reason}, format="json")


@pytest.fixture
def spoiled_closed(world, populated_cycle, office_private_key):
    """20 employers; the first resubmitted before close with one byte of its sealed seed flipped."""
    pop = populated_cycle(20)
    spoiled = pop.employers[0]
    _submit(spoiled, _sealed(spoiled, 2, random_vector(layout_for(), np.random.default_rng(5)), office_private_key,
                             flip_seed=True), pop.cycle)
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    pop.spoiled = spoiled
    return pop


def test_an_employer_in_a_window_replaces_its_spoiled_submission_and_everything_unmasks_exactly(
    world, spoiled_closed, office_private_key, django_capture_on_commit_callbacks
):
    pop, spoiled = spoiled_closed, spoiled_closed.spoiled
    response = _grant(world, spoiled)
    assert response.status_code == 201, response.content
    assert response.json()["open"] is True and response.json()["employer_name"] == spoiled.name
    fixed = random_vector(layout_for(), np.random.default_rng(6))
    _submit(spoiled, _sealed(spoiled, 3, fixed, office_private_key), pop.cycle)
    counted = {f.submission.employer_id: f.submission.version for f in submissions_counted(cycle=pop.cycle)}
    assert counted[spoiled.pk] == 3 and len(counted) == 20

    with django_capture_on_commit_callbacks(execute=True):
        unmask_remote(api=office_api(world), cycle="2026", private_key=office_private_key, say=lambda _: None)
    cycle = Cycle.objects.get(pk=pop.cycle.pk)
    assert cycle.state == "unmasked" and UnmaskJob.objects.get().total == 20
    vectors = {**pop.vectors, spoiled.pk: fixed}
    expected = np.zeros(layout_for().length, dtype=np.uint64)
    for vector in vectors.values():
        expected = ring_add(expected, vector)
    assert np.array_equal(cohort_aggregates(cycle=cycle)["all"].elements, expected)
    granted = AuditEvent.objects.get(action="submission.window_granted")
    assert (granted.actor, granted.employer, granted.details["reason"]) == (
        world.ana, spoiled, "Its seed did not open; it seals again")
    updated = AuditEvent.objects.get(action="submission.set_updated")
    assert (updated.employer, updated.details["version"], updated.details["replaces_version"]) == (spoiled, 3, 2)


def test_only_the_employer_with_an_open_window_may_submit_after_close(world, spoiled_closed, office_private_key):
    pop, spoiled = spoiled_closed, spoiled_closed.spoiled
    other = pop.employers[1]
    _grant(world, spoiled)
    with pytest.raises(Conflict, match="Cycle 2026 closed on .*; it accepts no submissions"):
        _submit(other, _sealed(other, 2, random_vector(layout_for(), np.random.default_rng(7)), office_private_key),
                pop.cycle)
    ResubmissionWindow.objects.filter(employer=spoiled).update(until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict, match="your resubmission window ended on"):
        _submit(spoiled, _sealed(spoiled, 3, random_vector(layout_for(), np.random.default_rng(8)),
                                 office_private_key), pop.cycle)
    counted = {f.submission.employer_id: f.submission.version for f in submissions_counted(cycle=pop.cycle)}
    assert counted[spoiled.pk] == 2 and counted[other.pk] == 1


def test_the_unmask_request_ends_every_window_and_no_window_is_granted_after_it(
    world, spoiled_closed, office_private_key
):
    pop, spoiled = spoiled_closed, spoiled_closed.spoiled
    assert _grant(world, spoiled).status_code == 201
    ana = world.client("ana")
    assert ana.get("/api/v1/cycles/2026/unmask").status_code == 200
    window = ResubmissionWindow.objects.get()
    assert window.ended_at is not None and not window.is_open()
    with pytest.raises(Conflict, match="resubmission window ended"):
        _submit(spoiled, _sealed(spoiled, 3, random_vector(layout_for(), np.random.default_rng(9)),
                                 office_private_key), pop.cycle)
    again = _grant(world, pop.employers[2])
    assert again.status_code == 409 and again.json()["code"] == "unmask_requested"
    listed = ana.get(URL).json()
    assert [(w["employer"], w["open"]) for w in listed] == [(spoiled.pk, False)]


def test_an_employer_that_missed_the_deadline_joins_the_set_through_a_window(
    world, populated_cycle, office_private_key
):
    pop = populated_cycle(19)
    late = pop.employers[0]
    # Its only submission is removed as if it had never submitted: a fresh employer would need
    # an invitation; here the enrolled employer simply sends nothing before close.
    from employers.models import SealedSubmission

    SealedSubmission.objects.filter(employer=late).delete()
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    assert late.pk not in {f.submission.employer_id for f in submissions_counted(cycle=pop.cycle)}
    assert _grant(world, late, reason="Missed the deadline by an hour").status_code == 201
    _submit(late, _sealed(late, 1, pop.vectors[late.pk], office_private_key), pop.cycle)
    counted = {f.submission.employer_id: f.submission.version for f in submissions_counted(cycle=pop.cycle)}
    assert counted[late.pk] == 1 and len(counted) == 19
    assert AuditEvent.objects.get(action="submission.set_updated").details["replaces_version"] is None


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"until": "past"}, 400, "until: "),
        ({"until": "far"}, 400, "until: a window lasts at most 14 days"),
        ({"until": "next Tuesday"}, 400, "until"),
        ({"reason": "   "}, 400, "reason"),
        ({"employer": 999999}, 400, "employer: no employer 999999 is enrolled"),
        ({"employer": "x"}, 400, "employer"),
    ],
)
def test_a_grant_is_checked_field_by_field_and_nothing_is_recorded(world, spoiled_closed, change, status, field):
    body = {"employer": spoiled_closed.spoiled.pk, "until": (timezone.now() + timedelta(days=2)).isoformat(),
            "reason": "seals again"}
    moments = {"past": timezone.now() - timedelta(hours=1), "far": timezone.now() + timedelta(days=15)}
    if change.get("until") in moments:
        change = {"until": moments[change["until"]].isoformat()}
    response = world.client("ana").post(URL, {**body, **change}, format="json")
    assert response.status_code == status, response.content
    assert field in json.dumps(response.json())
    assert ResubmissionWindow.objects.count() == 0
    assert not AuditEvent.objects.filter(action="submission.window_granted").exists()


def test_a_window_is_only_for_a_closed_cycle_and_only_the_office_grants_it(world, populated_cycle):
    pop = populated_cycle(20)
    body = {"employer": pop.employers[0].pk, "until": (timezone.now() + timedelta(days=2)).isoformat(),
            "reason": "seals again"}
    still_open = world.client("ana").post(URL, body, format="json")
    assert still_open.status_code == 409 and "employers can still submit" in still_open.json()["detail"]
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    assert world.client("alice").post(URL, body, format="json").status_code == 403
    assert world.client(None).post(URL, body, format="json").status_code in (401, 403)
    assert ResubmissionWindow.objects.count() == 0
    assert world.client("ana").post(URL, body, format="json").status_code == 201
    moved = {**body, "until": (timezone.now() + timedelta(days=5)).isoformat()}
    assert world.client("ana").post(URL, moved, format="json").status_code == 201
    assert ResubmissionWindow.objects.count() == 1
    assert AuditEvent.objects.filter(action="submission.window_granted").count() == 2


def test_the_office_grants_a_window_on_the_cycle_page_and_the_employer_sees_it(world, spoiled_closed):
    pop, spoiled = spoiled_closed, spoiled_closed.spoiled
    ana = world.client("ana")
    page = ana.get("/office/cycles/2026/").content.decode()
    assert 'id="resubmission"' in page and "Let this employer submit again" in page
    until = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    bad = ana.post("/office/cycles/2026/resubmission-windows/new",
                   {"employer": spoiled.pk, "until": until, "reason": ""}, follow=True)
    assert "Why: This field is required." in bad.content.decode() and ResubmissionWindow.objects.count() == 0
    done = ana.post("/office/cycles/2026/resubmission-windows/new",
                    {"employer": spoiled.pk, "until": until, "reason": "Seed did not open"}, follow=True)
    text = done.content.decode()
    assert f"{spoiled.name} may submit again until" in text and "Seed did not open" in text
    def page_of(employer, url="/employer/cycles/2026/"):
        client = APIClient()
        client.force_login(EmployerMember.objects.get(employer=employer).user)
        return client.get(url).content.decode()

    for url, submit_control in (("/employer/cycles/2026/", "Submit sealed file"),
                                ("/employer/cycles/2026/browser", 'id="next-version"')):
        seen = page_of(spoiled, url)
        assert 'id="window-message"' in seen and submit_control in seen, url
    assert 'id="window-message"' not in page_of(pop.employers[1])
    assert "Submit sealed file" not in page_of(pop.employers[1])
