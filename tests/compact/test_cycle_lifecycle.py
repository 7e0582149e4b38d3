"""Every allowed and every forbidden cycle transition, through the services and the API."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from compact.errors import Conflict, DomainError
from compact.models import AuditEvent, Cycle, CycleState
from compact.services import cycles

STATES = [s.value for s in CycleState]


def _force_state(cycle: Cycle, state: str) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(state=state)
    cycle.refresh_from_db()
    return cycle


@pytest.mark.parametrize(("start", "target"), list(itertools.product(STATES, STATES)))
def test_only_the_next_state_in_the_lifecycle_is_allowed(world, make_cycle, start, target):
    cycle = _force_state(make_cycle(state="draft"), start)
    allowed = cycles.ALLOWED.get(start) == target
    before = AuditEvent.objects.count()
    if allowed:
        moved = cycles.cycle_transition(principal=world.principal("ana"), cycle=cycle, to=target)
        assert moved.state == target
        assert getattr(moved, cycles.STAMPS[target]) is not None
        assert AuditEvent.objects.count() == before + 1
    else:
        with pytest.raises(Conflict) as info:
            cycles.cycle_transition(principal=world.principal("ana"), cycle=cycle, to=target)
        assert f"is {start} and cannot be" in info.value.message
        cycle.refresh_from_db()
        assert cycle.state == start
        assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("start", ["open", "closed", "unmasked", "published"])
def test_reopening_answers_409_with_a_clear_message_not_a_500(world, make_cycle, start):
    cycle = _force_state(make_cycle(state="draft"), start)
    response = world.client("ana").post(f"/api/v1/cycles/{cycle.slug}/open")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert f"Cycle 2026 is {start} and cannot be opened" in body["detail"]


def test_a_cycle_cannot_open_without_the_office_key(world):
    cycle = cycles.cycle_create(
        principal=world.principal("ana"), slug="nokey", name="x", deadline=timezone.now() + timedelta(days=3)
    )
    with pytest.raises(Conflict, match="Register the equity office's public key"):
        cycles.cycle_open(principal=world.principal("ana"), cycle=cycle)


def test_a_cycle_cannot_open_after_its_deadline(world, make_cycle):
    cycle = make_cycle(state="draft")
    Cycle.objects.filter(pk=cycle.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    cycle.refresh_from_db()
    with pytest.raises(DomainError, match="already passed"):
        cycles.cycle_open(principal=world.principal("ana"), cycle=cycle)


def test_closing_freezes_the_latest_submission_of_each_enrolled_employer(world, make_cycle):
    cycle = make_cycle(state="closed")
    assert cycle.submission_set.members.count() == 0  # nobody submitted
    assert cycle.closed_at is not None


def test_the_deadline_task_closes_only_overdue_open_cycles(world, make_cycle):
    from compact.tasks import close_overdue_cycles

    overdue = make_cycle("old", state="open")
    make_cycle("new", state="open")
    draft = make_cycle("draft", state="draft", enrol=())
    past = timezone.now() - timedelta(minutes=5)
    Cycle.objects.filter(pk__in=[overdue.pk, draft.pk]).update(deadline=past)
    assert close_overdue_cycles.delay().get() == ["old"]
    states = dict(Cycle.objects.values_list("slug", "state"))
    assert states == {"old": "closed", "new": "open", "draft": "draft"}
    event = AuditEvent.objects.get(action="cycle.closed")
    assert event.actor_label == "system" and event.details == {"reason": "deadline"}
    assert close_overdue_cycles.delay().get() == []  # idempotent


def test_policy_settings_are_validated(world):
    with pytest.raises(DomainError, match="min_employers must be a whole number from 3"):
        cycles.cycle_create(
            principal=world.principal("ana"),
            slug="p",
            name="p",
            deadline=timezone.now() + timedelta(days=3),
            policy={"min_employers": 2},
        )
    with pytest.raises(DomainError, match="Unknown policy setting 'p_percent'"):
        cycles.policy_validate({"p_percent": 5})


def test_the_policy_is_fixed_once_a_cycle_opens(world, make_cycle):
    cycle = make_cycle(state="open")
    response = world.client("ana").patch(
        f"/api/v1/cycles/{cycle.slug}/", {"policy": {"min_employees": 20}}, format="json"
    )
    assert response.status_code == 409 and "fixed once a cycle opens" in response.json()["detail"]


def test_the_office_key_is_fixed_once_a_cycle_opens(world, make_cycle, office_key_document):
    import json

    cycle = make_cycle(state="open")
    response = world.client("ana").put(
        f"/api/v1/cycles/{cycle.slug}/office-key", {"public_key": json.dumps(office_key_document)}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "key_fixed"


def test_a_duplicate_slug_and_a_past_deadline_are_refused(world, make_cycle):
    make_cycle(state="draft", enrol=())
    client = world.client("ana")
    dup = client.post(
        "/api/v1/cycles/",
        {"slug": "2026", "name": "x", "deadline": (timezone.now() + timedelta(days=2)).isoformat()},
        format="json",
    )
    assert dup.status_code == 409 and "already exists" in dup.json()["detail"]
    past = client.post(
        "/api/v1/cycles/",
        {"slug": "past", "name": "x", "deadline": (timezone.now() - timedelta(days=2)).isoformat()},
        format="json",
    )
    assert past.status_code == 400 and "already passed" in past.json()["detail"]
    bad = client.post("/api/v1/cycles/", {"slug": "has space", "name": "", "deadline": "soon"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"slug", "name", "deadline"}
