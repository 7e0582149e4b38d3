"""Reminders from the participation table: to the invited employers that have not submitted
(all, or the ticked ones), after a confirmation page, by email, each in the audit log, and not
twice within a day without saying so; and the table's filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from compact.models import AuditEvent
from compact.services import invitations, reminders
from tests.employers.test_submissions import post, sealed_for


@pytest.fixture
def open_cycle(world, make_cycle):
    """Cycle 2026, open: Acme submitted, Birch enrolled and has not; a third employer invited."""
    from employers.models import Employer

    cycle = make_cycle(state="open")
    alice = world.client("alice")
    assert post(alice, sealed_for(alice)).status_code == 201
    cedar = Employer.objects.create(name="Cedar Foods", industry="IT", size_band="1-49")
    invitations.invitations_create_bulk(
        principal=world.principal("ana"), cycle=cycle, enrol_url="x",
        rows=invitations.invitation_rows_read(b"Cedar Foods,hr@cedar.example\n"))
    return cycle, cedar


def office(world) -> Client:
    client = Client()
    client.force_login(world.ana)
    return client


def test_reminding_everyone_asks_first_then_emails_those_who_have_not_submitted(
        world, open_cycle, mailoutbox, django_capture_on_commit_callbacks):
    client = office(world)
    asked = client.post("/office/cycles/2026/reminders", {"scope": "all"})
    page = asked.content.decode()
    assert "Send 2 reminders?" in page and "Birch Hospital, Cedar Foods" in page and "Acme" not in page
    assert mailoutbox == [] and not AuditEvent.objects.filter(action="reminder.sent").exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/office/cycles/2026/reminders", {"scope": "all", "confirm": "yes"}, follow=True)
    assert "Reminder emailed to 2 employers." in done.content.decode()
    assert sorted(m.to[0] for m in mailoutbox) == ["bob@example.org", "hr@cedar.example"]
    cedar_mail = next(m for m in mailoutbox if m.to == ["hr@cedar.example"])
    assert "enrol with the invitation code" in cedar_mail.body and "The deadline is" in cedar_mail.body
    events = AuditEvent.objects.filter(action="reminder.sent", cycle=open_cycle[0])
    assert sorted(e.employer.name for e in events) == ["Birch Hospital", "Cedar Foods"]


def test_only_the_ticked_employers_are_reminded(world, open_cycle, mailoutbox, django_capture_on_commit_callbacks):
    client = office(world)
    page = client.post("/office/cycles/2026/reminders", {"scope": "selected", "employer": [world.birch.pk]}).content.decode()
    assert "Send 1 reminder?" in page and f'name="employers" value="{world.birch.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/office/cycles/2026/reminders", {"employers": str(world.birch.pk), "confirm": "yes"})
    assert [m.to for m in mailoutbox] == [["bob@example.org"]]


def test_a_second_reminder_within_a_day_leaves_them_out_and_says_so(world, open_cycle, mailoutbox, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    client = office(world)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/office/cycles/2026/reminders", {"employer": [world.birch.pk], "confirm": "yes"})
    page = client.post("/office/cycles/2026/reminders", {"scope": "all"}).content.decode()
    assert "Send 1 reminder?" in page and "Birch Hospital is left out: reminded at" in page
    again = client.post("/office/cycles/2026/reminders", {"employer": [world.birch.pk]}, follow=True).content.decode()
    assert "Nobody to remind now: Birch Hospital is left out" in again
    # Once the quiet period is over (here: made to end at once), they can be reminded again.
    monkeypatch.setattr(reminders, "REMINDER_QUIET", timedelta(0))
    assert "Send 1 reminder?" in client.post("/office/cycles/2026/reminders", {"employer": [world.birch.pk]}).content.decode()


def test_ticking_nobody_or_a_submitted_employer_is_refused(world, open_cycle):
    client = office(world)
    none = client.post("/office/cycles/2026/reminders", {"scope": "selected"}, follow=True).content.decode()
    assert "Tick at least one employer" in none
    done = client.post("/office/cycles/2026/reminders", {"employer": [world.acme.pk]}, follow=True).content.decode()
    assert "have submitted already or are not invited" in done
    bad = client.post("/office/cycles/2026/reminders", {"employers": "1,x"}, follow=True).content.decode()
    assert "not valid" in bad


@pytest.mark.parametrize(("state", "told"), [("closed", "nothing to remind anyone of"), ("draft", "not open yet")])
def test_only_an_open_cycle_has_reminders(world, make_cycle, state, told):
    make_cycle(state=state)
    client = office(world)
    page = client.get("/office/cycles/2026/").content.decode()
    assert "Remind everyone" not in page
    refused = client.post("/office/cycles/2026/reminders", {"scope": "all"}, follow=True).content.decode()
    assert told in refused


def test_reminders_are_the_offices(world, open_cycle):
    for who in ("alice", "olga"):
        client = Client()
        client.force_login(getattr(world, who))
        assert client.post("/office/cycles/2026/reminders", {"scope": "all"}).status_code == 404


@pytest.mark.parametrize(
    ("show", "listed"),
    [
        ("all", ["Acme Analytics", "Birch Hospital", "Cedar Foods"]),
        ("submitted", ["Acme Analytics"]),
        ("not_submitted", ["Birch Hospital", "Cedar Foods"]),
        ("waiting", ["Birch Hospital"]),
        ("not_enrolled", ["Cedar Foods"]),
        ("excluded", []),
        ("bogus", ["Acme Analytics", "Birch Hospital", "Cedar Foods"]),
    ],
)
def test_the_participation_filter_is_a_get_parameter(world, open_cycle, show, listed):
    page = office(world).get(f"/office/cycles/2026/?show={show}").content.decode()
    table = page[page.index('id="participation"'):page.index('id="invitations"')]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    assert [n for n in ("Acme Analytics", "Birch Hospital", "Cedar Foods") if n in table] == listed
    assert "1 of 2</strong> enrolled employers submitted" in page


def test_the_participation_csv_follows_the_filter(world, open_cycle):
    import csv
    import io

    client = office(world)
    page = client.get("/office/cycles/2026/?show=not_submitted").content.decode()
    assert 'href="/office/cycles/2026/participation.csv?show=not_submitted"' in page
    rows = list(csv.DictReader(io.StringIO(client.get("/office/cycles/2026/participation.csv?show=not_submitted")
                                           .content.decode())))
    assert [r["employer"] for r in rows] == ["Birch Hospital", "Cedar Foods"]
    everyone = client.get("/office/cycles/2026/participation.csv").content.decode()
    assert "Acme Analytics" in everyone


def test_a_reminder_the_mail_server_refused_is_said_and_does_not_count_as_sent(world, open_cycle, settings, mailoutbox,
                                                                              transactional_db):
    settings.EMAIL_BACKEND = "tests.compact.test_bulk_invitations.RefusingBackend"
    client = office(world)
    done = client.post("/office/cycles/2026/reminders", {"employers": str(world.birch.pk), "confirm": "yes"},
                       follow=True).content.decode()
    assert "The mail server did not take the reminders to 1 employer; nothing was emailed" in done
    assert "Reminder emailed" not in done
    assert AuditEvent.objects.filter(action="reminder.failed", employer=world.birch).count() == 1
    # Not "reminded less than a day ago": the office can try again at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page = client.post("/office/cycles/2026/reminders", {"employers": str(world.birch.pk)}).content.decode()
    assert "Send 1 reminder?" in page and "left out" not in page
    again = client.post("/office/cycles/2026/reminders", {"employers": str(world.birch.pk), "confirm": "yes"},
                        follow=True).content.decode()
    assert "Reminder emailed to 1 employer." in again
    assert [m.to for m in mailoutbox if "Reminder" in m.subject] == [["bob@example.org"]]
