"""Releases: built after the unmask, refused unless audited, public once published."""

from __future__ import annotations

import base64

import pytest

from aggregation.models import Release, ReleaseState
from aggregation.office.unmask_client import mask_sums_compute
from aggregation.selectors import release_latest
from aggregation.services import releases
from compact.models import Cycle
from compact.services.cycles import cycle_close
from tests.factories import synthetic_vectors


@pytest.fixture
def unmasked(world, populated_cycle, office_private_key, django_capture_on_commit_callbacks):
    """Ten realistic employers, closed and unmasked through the API; the release is built."""
    pop = populated_cycle(10, vectors=synthetic_vectors(10), industries=("IT",), sizes=("200-499",))
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana = world.client("ana")
    bundle = ana.get("/api/v1/cycles/2026/unmask").json()
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key).sums.items():
        ana.post("/api/v1/cycles/2026/unmask/mask-sums",
                 {"cohort": key, "mask_sum": base64.b64encode(mask_sum.astype("<u8").tobytes()).decode()}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        ana.post("/api/v1/cycles/2026/unmask/start")
    return pop


@pytest.mark.auto_release
def test_the_unmask_builds_an_audited_draft_in_the_contract_format(world, unmasked):
    release = Release.objects.get()
    assert release.state == ReleaseState.DRAFT and release.passed
    doc = release.document
    assert doc["format"] == "talent-compact-release/1" and doc["cycle"] == "2026"
    assert doc["taxonomy"] == "compact-2026" and doc["participants"] == 10
    assert set(doc["policy"]) >= {"version", "min_employees", "min_employers", "rounding"}
    assert doc["audit"]["exact_disclosures"] == 0
    assert "p_percent" not in str(doc["policy"])
    dims = {tuple(t["dimensions"]) for t in doc["tables"]}
    assert ("job_category", "gender") in dims and () in dims and len(dims) == 8
    for t in doc["tables"]:
        for cell in t["cells"]:
            if cell["status"] == "suppressed":
                assert set(cell) == set(t["dimensions"]) | {"status"}
            else:
                assert cell["headcount"] % 5 == 0
    total = next(t for t in doc["tables"] if t["dimensions"] == [])["cells"][0]
    assert total["status"] == "published" and total["headcount"] > 1000
    metrics = doc["metrics"]
    assert metrics["cohorts"]["all"]["gender"]["compensation_mean"]["gap"] > 0
    assert metrics["rows"]["basis"]["employers_with_rows"] == 10


@pytest.mark.auto_release
def test_only_the_office_sees_the_draft_and_everyone_sees_the_published_release(world, unmasked):
    anonymous = world.client(None)
    assert anonymous.get("/api/v1/cycles/2026/release").status_code == 404
    assert world.client("alice").get("/api/v1/cycles/2026/release/latest").status_code == 403
    assert world.client("ana").get("/api/v1/cycles/2026/release/latest").json()["state"] == "draft"
    assert world.client("alice").post("/api/v1/cycles/2026/release/publish").status_code == 403
    published = world.client("ana").post("/api/v1/cycles/2026/release/publish")
    assert published.status_code == 200
    assert Cycle.objects.get(slug="2026").state == "published"
    doc = anonymous.get("/api/v1/cycles/2026/release").json()
    assert doc["format"] == "talent-compact-release/1"
    csv = anonymous.get("/api/v1/cycles/2026/release.csv")
    assert csv.status_code == 200 and csv.content.decode().startswith("cohort_kind,")
    again = world.client("ana").post("/api/v1/cycles/2026/release/publish")
    assert again.status_code == 409 and "already published" in again.json()["detail"]


def test_with_the_automatic_build_off_the_unmask_queues_no_release(world, unmasked):
    assert Cycle.objects.get(slug="2026").state == "unmasked"
    assert not Release.objects.exists()
    release = releases.release_build_for_cycle(cycle=Cycle.objects.get(slug="2026"))
    assert release.number == 1 and release.state == ReleaseState.DRAFT, release.error


def test_a_build_that_fails_is_recorded_and_the_office_can_build_again(
    world, monkeypatch, unmasked, django_capture_on_commit_callbacks
):
    from aggregation.disclosure.lp import SolverError

    cycle = Cycle.objects.get(slug="2026")

    def stalls(**kwargs):
        raise SolverError("HiGHS stopped with status Time limit reached.")

    with monkeypatch.context() as m:
        m.setattr("aggregation.services.releases.release_build", stalls)
        failed = releases.release_build_for_cycle(cycle=cycle)
    assert failed.state == ReleaseState.FAILED and failed.document is None
    assert "could not be built" in failed.error and "Time limit" in failed.error
    office = world.client("ana")
    assert office.post("/api/v1/cycles/2026/release/publish").json()["code"] == "audit_failed"
    latest = office.get("/api/v1/cycles/2026/release/latest").json()
    assert latest["state"] == "failed" and "Time limit" in latest["error"]

    from django.test import Client

    page = Client()
    page.force_login(world.ana)
    review = page.get("/office/cycles/2026/review/").content.decode()
    assert "not built" in review and "Build the release again" in review

    assert world.client("alice").post("/api/v1/cycles/2026/release/build").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert office.post("/api/v1/cycles/2026/release/build").status_code == 202  # eager: built now
    rebuilt = release_latest(cycle=cycle)
    assert rebuilt.number == 2 and rebuilt.state == ReleaseState.DRAFT and rebuilt.passed
    again = office.post("/api/v1/cycles/2026/release/build")
    assert again.status_code == 409 and "draft awaiting review" in again.json()["detail"]
    from_page = page.post("/office/cycles/2026/review/build", follow=True)
    assert from_page.status_code == 200 and "draft awaiting review" in from_page.content.decode()
    assert release_latest(cycle=cycle).number == 2


@pytest.mark.auto_release
def test_a_release_the_audit_refused_cannot_be_published(world, unmasked):
    release = Release.objects.get()
    Release.objects.filter(pk=release.pk).update(
        state=ReleaseState.REFUSED, document=None, certificate={**release.certificate, "passed": False},
        error="3 cell(s) short of the protection margin",
    )
    response = world.client("ana").post("/api/v1/cycles/2026/release/publish")
    assert response.status_code == 409 and response.json()["code"] == "audit_failed"
    assert Cycle.objects.get(slug="2026").state == "unmasked"


@pytest.mark.auto_release
def test_a_correction_is_audited_against_the_published_release(world, unmasked):
    releases.release_publish(principal=world.principal("ana"), cycle=unmasked.cycle)
    cycle = Cycle.objects.get(slug="2026")
    Cycle.objects.filter(pk=cycle.pk).update(state="unmasked")  # a correction run over the same set
    cycle.refresh_from_db()
    correction = releases.release_build_for_cycle(cycle=cycle)
    assert correction.number == 2 and correction.certificate["previous_releases"] == 1, correction.error
    assert correction.state == ReleaseState.DRAFT, correction.error
    first = Release.objects.get(number=1).document
    hidden_before = {(str(t["cohort"]), tuple(t["dimensions"]), tuple(c.get(d) for d in t["dimensions"]))
                     for t in first["tables"] for c in t["cells"] if c["status"] == "suppressed"}
    shown_now = {(str(t["cohort"]), tuple(t["dimensions"]), tuple(c.get(d) for d in t["dimensions"]))
                 for t in correction.document["tables"] for c in t["cells"] if c["status"] == "published"}
    assert not hidden_before & shown_now  # nothing suppressed before is revealed by the correction


@pytest.mark.auto_release
def test_the_public_report_and_the_office_review_pages(world, unmasked):
    from django.test import Client

    office = Client()
    office.force_login(world.ana)
    review = office.get("/office/cycles/2026/review/").content.decode()
    assert "Audit certificate" in review and "passed" in review and "Publish release 1" in review
    margin = releases.policy_for(Cycle.objects.get(slug="2026")).margin
    assert f"the policy requires at least {100 * margin:.0f}%" in review
    assert review.count("<svg") == 3 and "Data table: Mean pay gap by job category" in review
    drill = office.get("/office/cycles/2026/review/?cohort=all&dims=job_category,race_ethnicity,gender").content.decode()
    assert "suppressed" in drill
    # Publishing asks first: the review links to a confirmation page that says what becomes
    # public; a GET or a POST without the confirmation publishes nothing.
    assert 'href="/office/cycles/2026/review/publish"' in review
    confirm = office.get("/office/cycles/2026/review/publish").content.decode()
    assert "Publish release 1 of cycle 2026?" in confirm and "cannot be withdrawn" in confirm
    assert 'name="confirm" value="yes"' in confirm and 'name="release" value="1"' in confirm
    assert office.post("/office/cycles/2026/review/publish").status_code == 200
    assert Client().get("/releases/2026/").status_code == 404
    stale = office.post("/office/cycles/2026/review/publish", {"confirm": "yes", "release": "7"}, follow=True)
    assert "The draft changed while you were deciding" in stale.content.decode()
    assert Client().get("/releases/2026/").status_code == 404
    office.post("/office/cycles/2026/review/publish", {"confirm": "yes", "release": "1"})
    page = Client().get("/releases/2026/")
    assert page.status_code == 200 and b"Pay gaps in the Talent Compact, 2026" in page.content
    # The report is one self-contained file with its charts' styles inline; never a script.
    policy = page["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self';" in policy
    assert b"<script" not in page.content
    pdf = Client().get("/releases/2026/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert Client().get("/office/cycles/2026/review/").status_code == 302  # sign-in first


@pytest.mark.auto_release
def test_the_review_says_at_least_when_the_worst_ratio_is_only_a_bound(world, unmasked):
    from django.test import Client

    office = Client()
    office.force_login(world.ana)
    release = Release.objects.get(cycle__slug="2026", number=1)
    ratio = release.certificate["worst_protection_ratio"]
    for exact in (True, False):
        release.certificate["worst_ratio_exact"] = exact
        release.save(update_fields=["certificate"])
        review = office.get("/office/cycles/2026/review/").content.decode()
        bounded = "a guaranteed lower bound" in review
        assert bounded is not exact
        assert ("closest anyone can narrow" in review) is exact
    assert ratio is not None


@pytest.mark.auto_release
def test_the_review_shows_earlier_cycles_year_over_year(world, unmasked):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    current = Release.objects.get()
    earlier = Cycle.objects.create(slug="2025", name="Pay 2025", deadline=timezone.now() - timedelta(days=365),
                                   state="published")
    Release.objects.create(cycle=earlier, number=1, state=ReleaseState.PUBLISHED, document=current.document,
                           certificate=current.certificate, policy_version="x", published_at=timezone.now())
    office = Client()
    office.force_login(world.ana)
    page = office.get("/office/cycles/2026/review/").content.decode()
    assert "Year over year" in page and "2025" in page


@pytest.mark.auto_release
def test_the_drill_down_reads_in_plain_words_with_separated_money_and_can_hide_suppressed(world, unmasked):
    import re

    from django.test import Client

    office = Client()
    office.force_login(world.ana)
    path = "/office/cycles/2026/review/?cohort=all&dims=job_category,race_ethnicity,gender"
    page = office.get(path).content.decode()
    assert "Jobcategory" not in page and "Raceethnicity" not in page
    assert ">Job category × race/ethnicity × gender</option>" in page and ">Job category × gender</option>" in page
    assert '<th scope="col">Job category</th><th scope="col">Race/ethnicity</th><th scope="col">Gender</th>' in page
    means = re.findall(r'<td class="num">\$([0-9,]+)</td>', page)
    assert means and all(re.fullmatch(r"\d{1,3}(,\d{3})*", m) for m in means)
    assert any("," in m for m in means)  # means above $999 carry a separator
    shown = office.get(path + "&hide=suppressed").content.decode()
    assert 'class="suppressed"' in page and 'class="suppressed"' not in shown
    assert "(not shown)" in shown


@pytest.mark.auto_release
def test_the_drill_down_downloads_as_csv_with_suppressed_cells_marked_and_never_their_values(world, unmasked):
    import csv
    import io

    from django.test import Client

    office = Client()
    office.force_login(world.ana)
    query = "cohort=all&dims=job_category,race_ethnicity,gender"
    page = office.get(f"/office/cycles/2026/review/?{query}").content.decode()
    assert f'href="/office/cycles/2026/review/drill-down.csv?{query.replace("&", "&amp;")}"' in page
    response = office.get(f"/office/cycles/2026/review/drill-down.csv?{query}")
    assert response["Content-Type"].startswith("text/csv")
    assert "drill-down-2026-r1-all-job_category-race_ethnicity-gender.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0])[:4] == ["Job category", "Race/ethnicity", "Gender", "People"]
    document = Release.objects.get().release_document()
    cohort = next(c for c in document.cohorts() if c.key == "all")
    cells = document.cells(cohort=cohort, dims=["job_category", "race_ethnicity", "gender"])
    assert len(rows) == len(cells)
    suppressed = [r for r in rows if r["Status"] == "suppressed"]
    assert suppressed and all(r["People"] == r["Mean pay"] == r["Median pay"] == "" for r in suppressed)
    published = [r for r in rows if r["Status"] == "published"]
    for row in published:
        cell = cells[(row["Job category"], row["Race/ethnicity"], row["Gender"])]
        assert (float(row["Mean pay"]) if row["Mean pay"] else None) == cell.figure("compensation_mean")
    assert any(r["Mean pay"] for r in published)
    hidden = office.get(f"/office/cycles/2026/review/drill-down.csv?{query}&hide=suppressed").content.decode()
    assert ",suppressed" not in hidden and len(list(csv.DictReader(io.StringIO(hidden)))) == len(rows) - len(suppressed)


def test_the_drill_down_csv_is_the_offices_and_needs_a_release(world, make_cycle):
    from django.test import Client

    make_cycle(state="open")
    for who, status in (("alice", 404), ("olga", 404), ("ana", 404)):
        client = Client()
        client.force_login(getattr(world, who))
        assert client.get("/office/cycles/2026/review/drill-down.csv").status_code == status, who
    assert Client().get("/office/cycles/2026/review/drill-down.csv").status_code == 302


def test_the_pages_follow_a_running_job_with_the_status_script_and_a_refresh_link(world, populated_cycle):
    from django.test import Client

    from aggregation.models import UnmaskJob

    pop = populated_cycle(10, industries=("IT",), sizes=("200-499",))
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    office = Client()
    office.force_login(world.ana)
    before = office.get("/office/cycles/2026/").content.decode()
    assert "When the office client starts the unmask" in before and "job-status.js" not in before
    office.get("/api/v1/cycles/2026/unmask")  # the office client asks for the seeds: the job waits for its sums
    page = office.get("/office/cycles/2026/").content.decode()
    assert 'data-job-status="/api/v1/cycles/2026/unmask/status" data-running="yes"' in page
    assert "/static/compact/job-status.js" in page and ">Refresh</a>" in page
    assert "Waiting for the office&#x27;s mask sums" in page
    UnmaskJob.objects.filter(cycle=pop.cycle).update(state="done")
    done = office.get("/office/cycles/2026/").content.decode()
    assert "job-status.js" not in done and 'data-running="yes"' not in done


def test_the_participation_filter_shows_the_employers_excluded_from_the_unmask(world, populated_cycle):
    from django.test import Client

    from aggregation.services.exclusions import ExclusionRequest, unmask_exclude

    pop = populated_cycle(12, industries=("IT",), sizes=("200-499",))
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    office = Client()
    office.force_login(world.ana)
    office.get("/api/v1/cycles/2026/unmask")
    left_out = pop.employers[3]
    unmask_exclude(principal=world.principal("ana"), cycle=pop.cycle,
                   exclusions=[ExclusionRequest(left_out.pk, 1, "does not open")])
    page = office.get("/office/cycles/2026/?show=excluded").content.decode()
    table = page[page.index('id="participation"'):page.index('id="invitations"')]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    names = [e.name for e in pop.employers if e.name in table]
    assert names == [left_out.name] and 'class="late">excluded</span>' in table
