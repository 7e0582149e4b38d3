"""The publication plan in the product: shown with its reasons, previewed and overridden by the
office, applied by the next build, refused when the override names no cohort of the cycle."""

from __future__ import annotations

import base64

import pytest

from aggregation.models import Release, ReleaseState
from aggregation.office.unmask_client import mask_sums_compute
from aggregation.services import releases
from compact.errors import DomainError, NotAllowed
from compact.models import AuditEvent, Cycle
from compact.services.cycles import cycle_close
from tests.factories import synthetic_vectors


@pytest.fixture
def two_industries(world, populated_cycle, office_private_key, django_capture_on_commit_callbacks):
    """Sixteen employers in two industries, unmasked; the first release is built."""
    pop = populated_cycle(16, vectors=synthetic_vectors(16), industries=("IT", "Education"),
                          sizes=("200-499",))
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana = world.client("ana")
    bundle = ana.get("/api/v1/cycles/2026/unmask").json()
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key).sums.items():
        ana.post("/api/v1/cycles/2026/unmask/mask-sums",
                 {"cohort": key, "mask_sum": base64.b64encode(mask_sum.astype("<u8").tobytes()).decode()},
                 format="json")
    with django_capture_on_commit_callbacks(execute=True):
        ana.post("/api/v1/cycles/2026/unmask/start")
    release = releases.release_build_for_cycle(cycle=Cycle.objects.get(slug="2026"))
    assert release.state == ReleaseState.DRAFT, release.error
    return pop


def decisions(release: Release) -> dict[str, dict]:
    return {d["cohort"]: d for d in release.document["plan"]["decisions"]}


@pytest.mark.slow
def test_the_draft_carries_the_plan_and_the_utility_and_the_office_can_override_the_plan(
        world, two_industries, django_capture_on_commit_callbacks):
    cycle = Cycle.objects.get(slug="2026")
    first = Release.objects.get()
    plan = decisions(first)
    assert set(plan) == {"all", "industry:IT", "industry:Education"}
    assert all(d["reason"] for d in plan.values())
    utility = first.document["utility"]
    assert 0 < utility["safe_cells_published"] <= utility["safe_cells"]
    assert {c["cohort"] for c in utility["cohorts"]} == set(plan)

    page = world.client("ana").get("/office/cycles/2026/review/").content.decode()
    assert "Publication plan" in page and "Utility" in page and plan["industry:IT"]["reason"] in page

    preview = world.client("ana").get(
        "/office/cycles/2026/review/", {"preview": "1", "plan:industry:IT": "drop"}).content.decode()
    assert "Build the release with this plan" in preview and "the office left it out" in preview
    assert Release.objects.count() == 1, "a preview builds nothing"

    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("ana").post("/office/cycles/2026/review/plan",
                                            {"plan:industry:IT": "drop", "plan:industry:Education": "plan"})
    assert response.status_code == 302
    latest = Release.objects.order_by("-number").first()
    assert latest.number == 2 and latest.state == ReleaseState.DRAFT, latest.error
    it = decisions(latest)["industry:IT"]
    assert (it["action"], it["chosen_by"]) == ("drop", "office")
    tables = {(t["cohort"]["kind"], t["cohort"].get("value")) for t in latest.document["tables"]}
    assert ("industry", "IT") not in tables
    assert Cycle.objects.get(slug="2026").policy["plan_choices"] == {"industry:IT": "drop"}
    assert AuditEvent.objects.filter(action="release.plan_changed").count() == 1
    assert cycle.pk == latest.cycle_id


@pytest.mark.slow
def test_a_plan_override_that_names_no_cohort_or_no_action_is_refused_and_changes_nothing(
        world, two_industries):
    cycle = Cycle.objects.get(slug="2026")
    ana = world.principal("ana")
    with pytest.raises(DomainError, match="'industry:Retail' is not a cohort of this cycle"):
        releases.release_plan_set(principal=ana, cycle=cycle, choices={"industry:Retail": "drop"})
    with pytest.raises(DomainError, match="choose 'plan', 'publish' or 'drop', not 'hide'"):
        releases.release_plan_preview(principal=ana, cycle=cycle, choices={"industry:IT": "hide"})
    with pytest.raises(DomainError, match="not a cohort"):
        releases.release_plan_set(principal=ana, cycle=cycle, choices={"all": "drop"})
    with pytest.raises(NotAllowed):
        releases.release_plan_set(principal=world.principal("alice"), cycle=cycle,
                                  choices={"industry:IT": "drop"})
    assert "plan_choices" not in Cycle.objects.get(slug="2026").policy
    assert Release.objects.count() == 1
    page = world.client("ana").get(
        "/office/cycles/2026/review/", {"preview": "1", "plan:industry:IT": "hide"}).content.decode()
    assert "not &#x27;hide&#x27;" in page or "not 'hide'" in page
    forbidden = world.client("alice").post("/office/cycles/2026/review/plan", {"plan:industry:IT": "drop"})
    assert forbidden.status_code == 404, "office pages do not exist for others"
    assert Release.objects.count() == 1
