"""A submission that cannot be opened is excluded with a trail, and the rest unmask exactly (DESIGN §2.7)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from aggregation.cohort_guard import Cohort, family_check
from aggregation.models import SubmissionExclusion, UnmaskJob
from aggregation.office.unmask_client import (
    OfficeApi,
    SeedsUnopened,
    mask_sums_compute,
    unmask_remote,
)
from aggregation.selectors import cohort_aggregates
from aggregation.services.exclusions import ExclusionRequest, unmask_exclude
from compact.access import principal_for_user
from compact.errors import Conflict, DomainError
from compact.models import AuditEvent, Cycle
from compact.services.cycles import cycle_close
from employers.models import EmployerMember
from employers.services.submissions import submission_accept
from protocol.layout import layout_for
from protocol.sealing import ring_add, seal
from tests.factories import random_vector


class _Response:
    def __init__(self, response):
        self.status_code = response.status_code
        self.text = response.content.decode()
        self._response = response

    def json(self):
        return self._response.json()


class _Session:
    """What OfficeApi needs of requests.Session, answered by the test client of an office person."""

    def __init__(self, client):
        self.client = client
        self.headers: dict = {}

    def get(self, url, timeout=None):
        return _Response(self.client.get(url.removeprefix("http://testserver")))

    def post(self, url, json=None, timeout=None):
        return _Response(self.client.post(url.removeprefix("http://testserver"), json, format="json"))


def office_api(world) -> OfficeApi:
    api = OfficeApi("http://testserver", "unused")
    api.session = _Session(world.client("ana"))
    return api


def _submit(employer, doc, cycle):
    user = EmployerMember.objects.get(employer=employer).user
    return submission_accept(principal=principal_for_user(user), cycle=cycle, document=doc, received_via="test",
                             body_bytes=len(json.dumps(doc)))


@pytest.fixture
def spoiled(world, populated_cycle, office_private_key):
    """22 employers; the first resubmits with one byte of its sealed seed flipped, the second
    with its version edited after sealing. Both are accepted: the service cannot tell."""
    pop = populated_cycle(22)
    layout = layout_for()
    rng = np.random.default_rng(99)
    flipped, edited = pop.employers[0], pop.employers[1]
    doc = seal(elements=random_vector(layout, rng), public_key=office_private_key.public_key(), cycle="2026",
               employer=flipped.pk, version=2, taxonomy="compact-2026", layout=layout.layout_id)
    seed = bytearray(base64.b64decode(doc["sealed_seed"]))
    seed[40] ^= 0x01
    doc["sealed_seed"] = base64.b64encode(bytes(seed)).decode()
    _submit(flipped, doc, pop.cycle)
    doc = seal(elements=random_vector(layout, rng), public_key=office_private_key.public_key(), cycle="2026",
               employer=edited.pk, version=2, taxonomy="compact-2026", layout=layout.layout_id)
    doc["version"] = 3
    _submit(edited, doc, pop.cycle)
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    pop.honest = {e: v for e, v in pop.vectors.items() if e not in (flipped.pk, edited.pk)}
    pop.spoiled = (flipped, edited)
    return pop


def _plain_sum(vectors, members) -> np.ndarray:
    total = np.zeros(layout_for().length, dtype=np.uint64)
    for employer in members:
        total = ring_add(total, vectors[employer])
    return total


def test_a_tampered_seed_and_an_edited_version_are_excluded_while_the_rest_unmask_exactly(
    world, spoiled, office_private_key, django_capture_on_commit_callbacks
):
    said = []
    with django_capture_on_commit_callbacks(execute=True):
        status = unmask_remote(api=office_api(world), cycle="2026", private_key=office_private_key, say=said.append)
    assert status["state"] in ("queued", "done")
    flipped, edited = spoiled.spoiled
    assert f"Excluding employer {flipped.pk} version 2: The seed of employer {flipped.pk} version 2 does not open" in said[1]
    assert f"Excluding employer {edited.pk} version 3: The seed of employer {edited.pk} version 3 does not open" in said[2]
    cycle = Cycle.objects.get(pk=spoiled.cycle.pk)
    assert cycle.state == "unmasked"
    job = UnmaskJob.objects.get()
    assert (job.state, job.total, job.processed) == ("done", 20, 20)
    aggregates = cohort_aggregates(cycle=cycle)
    assert np.array_equal(aggregates["all"].elements, _plain_sum(spoiled.honest, spoiled.honest))
    assert aggregates["all"].scalar("submissions") == 20
    for cohort in job.cohorts:
        assert flipped.pk not in cohort["members"] and edited.pk not in cohort["members"]
        assert np.array_equal(aggregates[cohort["key"]].elements, _plain_sum(spoiled.honest, cohort["members"]))
    # The trail: who excluded what and why, in the exclusions and in the audit log.
    exclusions = {e.submission.employer_id: e for e in SubmissionExclusion.objects.select_related("submission")}
    assert set(exclusions) == {flipped.pk, edited.pk}
    assert exclusions[edited.pk].submission.version == 3 and exclusions[edited.pk].excluded_by == world.ana
    assert "does not open under its binding" in exclusions[flipped.pk].reason
    events = AuditEvent.objects.filter(action="unmask.excluded").order_by("employer_id")
    assert [(e.actor, e.employer, e.details["version"]) for e in events] == [
        (world.ana, flipped, 2), (world.ana, edited, 3)
    ]
    assert events[0].details["employers_remaining"] == 20 and "does not open" in events[0].details["reason"]
    listed = world.client("ana").get("/api/v1/cycles/2026/unmask/exclusions").json()
    assert [(x["employer_name"], x["version"], x["excluded_by"]) for x in listed] == [
        (flipped.name, 2, "ana"), (edited.name, 3, "ana")
    ]


def test_the_request_after_an_exclusion_lists_neither_the_seed_nor_the_employer(world, spoiled, office_private_key):
    ana = world.client("ana")
    flipped, edited = spoiled.spoiled
    before = ana.get("/api/v1/cycles/2026/unmask").json()
    with pytest.raises(SeedsUnopened, match="2 seed\\(s\\) do not open") as refused:
        mask_sums_compute(before, private_key=office_private_key)
    assert [(u.employer, u.version) for u in refused.value.unopened] == [(flipped.pk, 2), (edited.pk, 3)]
    response = ana.post("/api/v1/cycles/2026/unmask/exclusions",
                        {"exclusions": [u.as_json() for u in refused.value.unopened]}, format="json")
    assert response.status_code == 201, response.content
    after = ana.get("/api/v1/cycles/2026/unmask").json()
    assert {s["employer"] for s in after["submissions"]} == set(spoiled.honest)
    assert [(x["employer"], x["version"]) for x in after["excluded"]] == [(flipped.pk, 2), (edited.pk, 3)]
    assert all(set(c["members"]) <= set(spoiled.honest) for c in after["cohorts"])
    assert mask_sums_compute(after, private_key=office_private_key).employers == 20


def test_the_cohort_guard_is_run_again_on_what_remains(world, populated_cycle):
    pop = populated_cycle(22)
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana = world.client("ana")
    first = ana.get("/api/v1/cycles/2026/unmask").json()
    assert "industry:IT" in {c["key"] for c in first["cohorts"]}
    it = [e for e in pop.employers if e.industry == "IT"][:4]  # IT falls from 11 to 7 employers
    unmask_exclude(principal=world.principal("ana"), cycle=pop.cycle,
                   exclusions=[ExclusionRequest(e.pk, 1, "does not open") for e in it])
    after = ana.get("/api/v1/cycles/2026/unmask").json()
    keys = {c["key"] for c in after["cohorts"]}
    # IT alone is too small, and "all" minus Education would single out the 7 IT employers.
    assert "industry:IT" not in keys and "industry:Education" not in keys and "all" in keys
    cohorts = [Cohort(c["kind"], c["value"], frozenset(c["members"])) for c in after["cohorts"]]
    assert family_check(cohorts, min_employers=8) == []
    assert UnmaskJob.objects.get().total == 18


@pytest.mark.parametrize(
    ("entry", "code", "message"),
    [
        ({"employer": 999999, "version": 1}, "not_in_unmask", "employer 999999 has no submission in the unmask"),
        ({"version": 2}, "not_in_unmask", "is version 1, not 2"),
    ],
)
def test_an_exclusion_must_name_a_counted_submission_and_a_reason(world, populated_cycle, entry, code, message):
    pop = populated_cycle(20)
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana = world.client("ana")
    ana.get("/api/v1/cycles/2026/unmask")
    item = {"employer": pop.employers[0].pk, "version": 1, "reason": "does not open", **entry}
    response = ana.post("/api/v1/cycles/2026/unmask/exclusions", {"exclusions": [item]}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and message in response.json()["detail"]
    assert response.json()["detail"].startswith(f"Exclusion 1 (employer {item['employer']}, version {item['version']})")
    assert SubmissionExclusion.objects.count() == 0


def test_exclusion_requests_are_checked(world, populated_cycle):
    pop = populated_cycle(20)
    ana = world.client("ana")
    one = {"employer": pop.employers[0].pk, "version": 1, "reason": "does not open"}
    assert ana.post("/api/v1/cycles/2026/unmask/exclusions", {"exclusions": [one]}, format="json").status_code == 404
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana.get("/api/v1/cycles/2026/unmask")
    url = "/api/v1/cycles/2026/unmask/exclusions"
    assert world.client("alice").post(url, {"exclusions": [one]}, format="json").status_code == 403
    assert world.client(None).post(url, {"exclusions": [one]}, format="json").status_code in (401, 403)
    empty = ana.post(url, {"exclusions": []}, format="json")
    assert empty.status_code == 400 and "exclusions" in empty.json()["fields"]
    twice = ana.post(url, {"exclusions": [one, one]}, format="json")
    assert twice.status_code == 400 and "named twice" in twice.json()["detail"]
    blank = ana.post(url, {"exclusions": [{**one, "reason": "  "}]}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()["fields"]["exclusions"]["0"]
    with pytest.raises(DomainError, match="give the reason"):
        unmask_exclude(principal=world.principal("ana"), cycle=pop.cycle,
                       exclusions=[ExclusionRequest(pop.employers[0].pk, 1, " ")])
    huge = ana.post(url, {"exclusions": [{**one, "version": 2**31}]}, format="json")
    assert huge.status_code == 400 and "version" in huge.json()["fields"]["exclusions"]["0"]
    # Excluding 13 of 20 leaves 7: fewer than the cycle's minimum of 8, so nothing is excluded.
    many = [{"employer": e.pk, "version": 1, "reason": "x"} for e in pop.employers[:13]]
    too_many = ana.post(url, {"exclusions": many}, format="json")
    assert too_many.status_code == 409 and "leaves 7 employer(s); unmasking needs at least 8" in too_many.json()["detail"]
    assert SubmissionExclusion.objects.count() == 0 and not AuditEvent.objects.filter(action="unmask.excluded").exists()
    assert ana.post(url, {"exclusions": [one]}, format="json").status_code == 201
    again = ana.post(url, {"exclusions": [one]}, format="json")
    assert again.status_code == 400 and "excluded already" in again.json()["detail"]


def test_no_exclusion_once_a_mask_sum_is_uploaded(world, populated_cycle):
    pop = populated_cycle(20)
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana = world.client("ana")
    bundle = ana.get("/api/v1/cycles/2026/unmask").json()
    zeros = base64.b64encode(bytes(bundle["elements"] * 8)).decode()
    ana.post("/api/v1/cycles/2026/unmask/mask-sums", {"cohort": "all", "mask_sum": zeros}, format="json")
    with pytest.raises(Conflict, match="only before the first mask sum"):
        unmask_exclude(principal=world.principal("ana"), cycle=pop.cycle,
                       exclusions=[ExclusionRequest(pop.employers[0].pk, 1, "does not open")])
    with pytest.raises(DomainError):
        unmask_exclude(principal=world.principal("alice"), cycle=pop.cycle,
                       exclusions=[ExclusionRequest(pop.employers[0].pk, 1, "does not open")])


@pytest.mark.auto_release
def test_the_release_states_participants_and_exclusions(
    world, populated_cycle, office_private_key, django_capture_on_commit_callbacks
):
    from aggregation.models import Release
    from aggregation.reports.render import report_html
    from tests.factories import synthetic_vectors

    vectors = synthetic_vectors(12)
    pop = populated_cycle(12, vectors=vectors, industries=("IT",), sizes=("200-499",))
    spoiled = pop.employers[0]
    doc = seal(elements=vectors[0], public_key=office_private_key.public_key(), cycle="2026",
               employer=spoiled.pk, version=2, taxonomy="compact-2026", layout=layout_for().layout_id)
    doc["version"] = 5
    _submit(spoiled, doc, pop.cycle)
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    with django_capture_on_commit_callbacks(execute=True):
        unmask_remote(api=office_api(world), cycle="2026", private_key=office_private_key, say=lambda _: None)
    release = Release.objects.get()
    assert release.state == "draft", release.error
    assert release.document["participants"] == 11 and release.document["excluded"] == 1
    from protocol.release import release_to_json

    written = release_to_json(release.release_document())  # PostgreSQL's jsonb keeps no key order
    assert list(written)[:6] == ["format", "cycle", "taxonomy", "participants", "excluded", "policy"]
    html = report_html(release.release_document())
    assert "11 employers took part. 1 more submitted, but their submissions could not be opened" in html
    from django.test import Client

    office = Client()
    office.force_login(world.ana)
    page = office.get("/office/cycles/2026/review/").content.decode()
    assert "Excluded submissions" in page and spoiled.name in page and "does not open under its binding" in page
