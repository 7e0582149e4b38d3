"""The HTML pages for each role: what they show, what they refuse, and that forms work."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client

from compact.models import Cycle, Invitation
from employers.models import ApiKey
from tests.conftest import PASSWORD


def signed_in(world, who) -> Client:
    client = Client()
    client.force_login(getattr(world, who))
    return client


def test_sign_in_page_works_and_sends_each_role_home(world):
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'<label for="id_username">' in page.content
    bad = client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    assert b"did not match" in bad.content
    client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
    assert client.get("/").url == "/office/cycles/"
    assert signed_in(world, "alice").get("/").url == "/employer/"
    assert signed_in(world, "olga").get("/").status_code == 200


@pytest.mark.parametrize("path", ["/office/cycles/", "/office/employers/", "/people/"])
@pytest.mark.parametrize("who", ["alice", "olga"])
def test_office_pages_are_hidden_from_everyone_else(world, who, path):
    assert signed_in(world, who).get(path).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(world):
    assert Client().get("/office/cycles/").url.startswith("/accounts/login/")


def test_the_office_creates_a_cycle_registers_the_key_and_invites(world, office_key_document):
    client = signed_in(world, "ana")
    created = client.post("/office/cycles/", {"slug": "2030", "name": "Pay 2030", "deadline": "2030-01-01T10:00"})
    assert created.url == "/office/cycles/2030/"
    upload = io.BytesIO(json.dumps(office_key_document).encode())
    upload.name = "office-public-key.json"
    client.post("/office/cycles/2030/office-key", {"public_key": upload})
    assert Cycle.objects.get(slug="2030").office_key_fingerprint == office_key_document["fingerprint"]
    client.post("/office/cycles/2030/invitations/new", {"employer": world.acme.pk, "note": "HR", "valid_days": 10})
    page = client.get("/office/cycles/2030/")
    assert Invitation.objects.get(cycle__slug="2030").hint.encode() in page.content
    # The fingerprint reads in groups, as the office compares it with employers.
    fp = office_key_document["fingerprint"].upper()
    assert f"{fp[:4]} {fp[4:8]} {fp[8:12]}".encode() in page.content
    assert b"copy it now" in page.content  # the code is shown once...
    assert b"copy it now" not in client.get("/office/cycles/2030/").content  # ...and only once
    client.post("/office/cycles/2030/open")
    assert Cycle.objects.get(slug="2030").state == "open"


def test_office_mistakes_show_a_message_not_an_error_page(world, make_cycle):
    make_cycle(state="open")
    client = signed_in(world, "ana")
    page = client.post("/office/cycles/2026/open", follow=True)
    assert b"is open and cannot be opened" in page.content
    bad_key = io.BytesIO(b'{"format": "nonsense"}')
    bad_key.name = "k.json"
    page = client.post("/office/cycles/2026/office-key", {"public_key": bad_key}, follow=True)
    assert b"fixed once it opens" in page.content
    page = client.post("/office/cycles/", {"slug": "", "name": "", "deadline": "soon"})
    assert b"Enter a valid date/time" in page.content


def test_the_cycle_page_shows_participation_but_no_figures(world, make_cycle):
    make_cycle(state="open")
    page = signed_in(world, "ana").get("/office/cycles/2026/").content.decode()
    assert "Acme Analytics" in page and "Birch Hospital" in page
    assert "nothing yet" in page


def test_the_employer_home_lists_its_cycles_and_enrols_with_a_code(world, make_cycle):
    from compact.services.invitations import invitation_create

    make_cycle("2026", state="open", enrol=("acme",))
    other = make_cycle("2027", state="open", enrol=())
    _, code = invitation_create(principal=world.principal("ana"), cycle=other)
    client = signed_in(world, "alice")
    home = client.get("/employer/").content.decode()
    assert "Pay gaps 2026" in home and "Pay gaps 2027" not in home
    page = client.post("/employer/enrol", {"cycle": "2027", "code": code}, follow=True).content.decode()
    assert "Acme Analytics is enrolled in cycle 2027" in page and "Pay gaps 2027" in page
    again = client.post("/employer/enrol", {"cycle": "2027", "code": code}, follow=True).content.decode()
    assert "already used" in again
    assert "There is no cycle called" in client.post(
        "/employer/enrol", {"cycle": "nope", "code": code}, follow=True
    ).content.decode()


def test_employer_keys_are_shown_once_and_revocable(world):
    client = signed_in(world, "alice")
    page = client.post("/employer/api-keys/new", {"name": "payroll"}, follow=True).content.decode()
    key = ApiKey.objects.get(employer=world.acme)
    assert f"tc_{key.prefix}_" in page
    assert f"tc_{key.prefix}_" in client.get("/employer/").content.decode()  # prefix is fine...
    assert "copy it now" not in client.get("/employer/").content.decode()  # ...the secret is gone
    client.post(f"/employer/api-keys/{key.pk}/revoke")
    key.refresh_from_db()
    assert key.revoked_at is not None
    bob_key = ApiKey.objects.create(employer=world.birch, name="b", prefix="bbbb", key_hash="0" * 64)
    assert client.post(f"/employer/api-keys/{bob_key.pk}/revoke").status_code == 404


def test_admin_adds_people_and_weak_passwords_are_refused(world):
    client = signed_in(world, "root")
    page = client.post(
        "/people/", {"username": "newbie", "email": "n@example.org", "password": "password", "role": "analyst"},
        follow=True,
    ).content.decode()
    assert "too common" in page
    client.post("/people/", {"username": "newbie", "email": "n@example.org", "password": "a much longer pass 9", "role": "analyst"})
    assert "newbie" in client.get("/people/").content.decode()


def test_every_form_field_has_a_label(world, make_cycle):
    import re

    make_cycle(state="draft", enrol=())
    pages = [signed_in(world, "ana").get("/office/cycles/2026/"), signed_in(world, "alice").get("/employer/"),
             signed_in(world, "root").get("/people/")]
    for page in pages:
        html = page.content.decode()
        ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
        for field_id in ids:
            assert f'for="{field_id}"' in html, field_id


# --- the public pages: landing, archive, report ------------------------------------------


@pytest.fixture
def publish(db):
    """A cycle with a stored release made from a real audited document: ``state`` is the
    release's (a draft leaves the cycle unmasked); ``shift`` moves its mean gap."""
    from datetime import timedelta

    from django.utils import timezone

    from aggregation.models import Release, ReleaseState
    from tests.factories import synthetic_release

    def make(slug: str, *, years_ago: int, participants: int = 10, shift: float = 0.0, state: str = "published",
             cohorts=(), number: int = 1) -> Cycle:
        doc = synthetic_release(10)[0]
        doc["cycle"], doc["participants"] = slug, participants
        doc["metrics"]["cohorts"]["all"]["gender"]["compensation_mean"]["gap"] += shift
        doc["tables"] += [{**doc["tables"][0], "cohort": cohort} for cohort in cohorts]
        when = timezone.now() - timedelta(days=365 * years_ago)
        cycle, _ = Cycle.objects.get_or_create(slug=slug, defaults={
            "name": f"Pay gaps {slug}", "deadline": when - timedelta(days=30),
            "state": "published" if state == "published" else "unmasked",
            "published_at": when if state == "published" else None})
        Release.objects.create(cycle=cycle, number=number, document=doc, certificate={"passed": True},
                               policy_version="test", state=ReleaseState.PUBLISHED if state == "published"
                               else ReleaseState.DRAFT, published_at=when if state == "published" else None)
        return cycle

    return make


def _mean_gap_of(cycle) -> float:
    return cycle.releases.get(number=1).document["metrics"]["cohorts"]["all"]["gender"]["compensation_mean"]["gap"]


def test_visitors_get_the_landing_page_at_the_root_with_the_latest_report(world, publish):
    older = publish("2025", years_ago=1, participants=8, shift=0.02)
    latest = publish("2026", years_ago=0, participants=10)
    page = Client().get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "The city's pay-equity compact" in html and "secure aggregation" in html
    assert 'href="/releases/2026/"' in html and 'href="/releases/2026/report.pdf"' in html
    assert f"{100 * _mean_gap_of(latest):.1f}%" in html and f"{100 * _mean_gap_of(older):.1f}%" not in html
    # Who takes part: how many employers in each published report, never which.
    assert re.search(r"Pay gaps 2026</a></td><td class=\"num\">10<", html)
    assert re.search(r"Pay gaps 2025</a></td><td class=\"num\">8<", html)
    assert world.acme.name not in html and world.birch.name not in html
    assert "How an employer joins" in html and "Contact the city's equity office" in html
    # The same page is at /about/ for people who are signed in; / still sends them to their work.
    assert signed_in(world, "ana").get("/").url == "/office/cycles/"
    assert "How an employer joins" in signed_in(world, "ana").get("/about/").content.decode()


def test_the_landing_page_names_only_the_groups_the_latest_release_publishes(world, publish):
    publish("2025", years_ago=1, cohorts=[{"kind": "industry", "value": "Education"}])
    publish("2026", years_ago=0, cohorts=[{"kind": "size", "value": "500+"}, {"kind": "industry", "value": "IT"}])
    html = Client().get("/").content.decode()
    who = html[html.index('id="who"'):html.index('id="join"')]
    assert "<strong>Industries:</strong> IT</li>" in who and "500+" in who and "Education" not in who


def test_the_landing_page_before_anything_is_published_and_with_a_contact(world, settings):
    html = Client().get("/").content.decode()
    assert "No report is published yet" in html and "/releases/" in html
    settings.EQUITY_OFFICE_CONTACT = "equity.office@city.example"
    assert 'href="mailto:equity.office@city.example"' in Client().get("/").content.decode()


def test_the_archive_lists_each_published_cycle_with_its_date_employers_gaps_and_downloads(world, publish):
    publish("2025", years_ago=1, participants=8, shift=0.02)
    latest = publish("2026", years_ago=0, participants=10)
    publish("2026", years_ago=0, participants=11, number=2)  # a correction: the latest release counts
    publish("2027", years_ago=-1, state="draft")  # built, not published
    html = Client().get("/releases/").content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, flags=re.S)
    assert [re.sub(r"<.*?>|\s+", " ", r).split()[2] for r in rows] == ["2026", "2025"]
    newest = rows[0]
    assert "corrected, release 2" in newest and ">11<" in newest
    assert f"{100 * _mean_gap_of(latest):.1f}%" in newest
    assert 'href="/releases/2026/"' in newest and 'href="/releases/2026/report.pdf"' in newest
    assert latest.releases.get(number=2).published_at.strftime("%Y") in newest
    assert "2027" not in html


def test_the_public_report_compares_with_the_published_cycle_before_it_only(world, publish):
    publish("2024", years_ago=2, participants=7, shift=0.03)
    publish("2025", years_ago=1, state="draft")  # never published: not "the year before"
    current = publish("2026", years_ago=0, participants=10)
    publish("2027", years_ago=-1, participants=12)  # published later: not earlier
    html = Client().get("/releases/2026/").content.decode()
    section = html[html.index('id="year-over-year"'):html.index('id="jobs"')]
    assert "Compared with 2024" in section and "2025" not in section and "2027" not in section
    assert "3 more than the 7 of 2024" in section
    assert f"down 3.0 points from {100 * (_mean_gap_of(current) + 0.03):.1f}% in 2024" in section
    first = Client().get("/releases/2024/").content.decode()
    assert 'id="year-over-year"' not in first
    assert Client().get("/releases/2025/").status_code == 404


def test_the_office_draft_preview_compares_with_the_year_before_as_the_public_will_see(world, publish):
    publish("2025", years_ago=1, participants=8)
    publish("2026", years_ago=0, participants=10, state="draft")
    html = signed_in(world, "ana").get("/office/cycles/2026/review/report").content.decode()
    assert "Draft release 1" in html
    section = html[html.index('id="year-over-year"'):html.index('id="jobs"')]
    assert "Compared with 2025" in section and "2 more than the 8 of 2025" in section
    assert Client().get("/releases/2026/").status_code == 404
