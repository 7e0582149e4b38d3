"""Bulk invitations from a CSV of (employer, email): every row checked before anything is
stored, each problem naming its row and column; each code emailed and valid until the
cycle's deadline; warnings about invitations that expire before it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from compact.models import AuditEvent, Invitation
from compact.services import invitations
from compact.services.invitations import BulkRefused, invitation_rows_read, invitations_create_bulk


@pytest.fixture
def cycle(make_cycle):
    return make_cycle(state="open", enrol=())


def office(world) -> Client:
    client = Client()
    client.force_login(world.ana)
    return client


def _create(world, cycle, text: str):
    rows = invitation_rows_read(text.encode())
    return invitations_create_bulk(principal=world.principal("ana"), cycle=cycle, rows=rows,
                                   enrol_url="http://testserver/employer/")


def test_a_file_with_a_header_invites_each_employer_and_emails_its_code(world, cycle, mailoutbox,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = _create(world, cycle, "Employer,Email\nAcme Analytics,hr@acme.example\nbirch hospital , pay@birch.example\n")
    assert [m.invitation.employer for m in made] == [world.acme, world.birch]
    assert all(m.invitation.expires_at == cycle.deadline for m in made)
    assert [m.to for m in mailoutbox] == [["hr@acme.example"], ["pay@birch.example"]]
    assert made[0].code in mailoutbox[0].body and "Acme Analytics" in mailoutbox[0].body
    assert "http://testserver/employer/" in mailoutbox[0].body
    events = AuditEvent.objects.filter(action="invitation.created", details__bulk=True)
    assert events.count() == 2 and {e.details["email"] for e in events} == {"hr@acme.example", "pay@birch.example"}


def test_a_file_without_a_header_is_read_from_its_first_row(world, cycle):
    made = _create(world, cycle, "Acme Analytics,hr@acme.example\n")
    assert made[0].invitation.email == "hr@acme.example"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("employer,email\nNobody Ltd,x@y.example\n", 'Row 2, column employer: no employer named "Nobody Ltd"'),
        ("employer,email\nAcme Analytics,a@acme.example\nAcme Analytics,b@acme.example\n",
         "Row 3, column employer: Acme Analytics is also on row 2"),
        ("employer,email\nAcme Analytics,not-an-address\n", 'Row 2, column email: "not-an-address" is not an email'),
        ("employer,email\nAcme Analytics,\n", "Row 2, column email: empty"),
        ("employer,email\n,a@acme.example\n", "Row 2, column employer: empty"),
        ("employer,email\nAcme Analytics,a@acme.example\n\nBirch Hospital,b@birch.example\n", "Row 3 is empty"),
        ("employer,email\nAcme Analytics,a@acme.example,extra\n", "Row 2 has 3 columns; expected 2"),
        ("employer,email\nAcme Analytics\n", "Row 2 has 1 column; expected 2"),
        ("employer,email\n", "has a header but no rows"),
        ("", "is empty"),
    ],
)
def test_each_bad_row_is_named_and_nothing_is_stored(world, cycle, mailoutbox, text, expected,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BulkRefused) as info:
        _create(world, cycle, text)
    assert any(expected in p for p in info.value.problems), info.value.problems
    assert Invitation.objects.filter(cycle=cycle).count() == 0
    assert mailoutbox == []


def test_one_upload_lists_problems_of_shape_and_of_content_together_in_row_order(world, cycle):
    data = b"employer,email\nGhost,g@x.example\n\nAcme Analytics,a@acme.example,extra\nBirch Hospital,nope\n"
    with pytest.raises(BulkRefused) as info:
        invitations.invitations_create_from_csv(principal=world.principal("ana"), cycle=cycle, data=data,
                                                name="list.csv", enrol_url="x")
    assert [p.split(":")[0].split(" is")[0].split(" has")[0] for p in info.value.problems] == [
        "Row 2, column employer", "Row 3", "Row 4", "Row 5, column email"]
    assert not Invitation.objects.filter(cycle=cycle).exists()


def test_one_bad_row_among_good_ones_stores_none_and_lists_every_problem(world, cycle):
    text = "employer,email\nAcme Analytics,hr@acme.example\nBirch Hospital,nope\nGhost Inc,g@ghost.example\n"
    with pytest.raises(BulkRefused) as info:
        _create(world, cycle, text)
    assert [p.split(":")[0] for p in info.value.problems] == ["Row 3, column email", "Row 4, column employer"]
    assert info.value.details["problems"] == info.value.problems
    assert not Invitation.objects.filter(cycle=cycle).exists()


def test_non_utf8_is_refused_with_the_row_and_character(world, cycle):
    data = b"employer,email\nAcme Analytics,hr@acme.example\nCaf" + b"\xe9,x@y.example\n"
    with pytest.raises(BulkRefused) as info:
        invitation_rows_read(data, name="list.csv")
    assert info.value.problems == ['Row 3, character 4: list.csv is not UTF-8 text (byte 0xE9). Save it as "CSV UTF-8".']


def test_too_many_rows_and_too_large_files_are_refused(world, cycle):
    rows = "".join(f"Employer {i},e{i}@x.example\n" for i in range(invitations.BULK_MAX_ROWS + 1))
    with pytest.raises(BulkRefused, match="501 rows; at most 500"):
        invitation_rows_read(rows.encode())
    with pytest.raises(BulkRefused, match="the limit is 262,144 bytes"):
        invitation_rows_read(b"a" * (invitations.BULK_MAX_BYTES + 1))


def test_an_employer_enrolled_or_holding_a_working_invitation_is_refused(world, make_cycle):
    cycle = make_cycle(state="open", enrol=("acme",))
    invitations.invitation_create(principal=world.principal("ana"), cycle=cycle, employer=world.birch)
    with pytest.raises(BulkRefused) as info:
        _create(world, cycle, "Acme Analytics,a@acme.example\nBirch Hospital,b@birch.example\n")
    assert "Row 1, column employer: Acme Analytics is already enrolled in cycle 2026." in info.value.problems
    assert any(p.startswith("Row 2, column employer: Birch Hospital already has an invitation") for p in info.value.problems)


def test_bulk_invitations_need_the_office_and_an_enrollable_cycle(world, make_cycle):
    from compact.errors import Conflict, NotAllowed

    closed = make_cycle(slug="2025", state="closed", enrol=())
    rows = invitation_rows_read(b"Acme Analytics,a@acme.example\n")
    with pytest.raises(NotAllowed):
        invitations_create_bulk(principal=world.principal("alice"), cycle=closed, rows=rows, enrol_url="x")
    with pytest.raises(Conflict, match="can no longer be sent"):
        invitations_create_bulk(principal=world.principal("ana"), cycle=closed, rows=rows, enrol_url="x")


# --- the page -------------------------------------------------------------------------------


def test_the_page_documents_the_columns_and_offers_an_example(world, cycle):
    page = office(world).get("/office/cycles/2026/").content.decode()
    assert "Invite in bulk" in page and "<code>employer</code>" in page and "<code>email</code>" in page
    example = office(world).get("/office/cycles/2026/invitations/example.csv")
    assert example["Content-Type"].startswith("text/csv")
    rows = invitation_rows_read(example.content)
    assert [r.email for r in rows] == ["hr@acme.example", "payroll@birch.example"]


def test_uploading_invites_shows_the_codes_once_and_emails_them(world, cycle, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    client = office(world)
    upload = SimpleUploadedFile("list.csv", b"employer,email\nAcme Analytics,hr@acme.example\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/office/cycles/2026/invitations/bulk", {"invitations": upload}, follow=True)
    page = response.content.decode()
    assert "1 invitation created and emailed, each valid until the cycle" in page
    code = mailoutbox[0].body.split("Your invitation code: ")[1].split()[0]
    assert code in page and "hr@acme.example" in page
    assert code not in client.get("/office/cycles/2026/").content.decode()


def test_a_bad_upload_lists_each_problem_on_the_page_and_sends_nothing(world, cycle, mailoutbox):
    upload = SimpleUploadedFile("list.csv", b"employer,email\nAcme Analytics,nope\nGhost,g@x.example\n", "text/csv")
    page = office(world).post("/office/cycles/2026/invitations/bulk", {"invitations": upload}, follow=True).content.decode()
    assert "Nothing was sent: list.csv has 2 problems" in page
    assert "Row 2, column email: &quot;nope&quot; is not an email address." in page
    assert "Row 3, column employer: no employer named &quot;Ghost&quot;" in page
    assert mailoutbox == [] and not Invitation.objects.filter(cycle=cycle).exists()


def test_an_upload_without_a_file_is_told_to_choose_one(world, cycle):
    page = office(world).post("/office/cycles/2026/invitations/bulk", {}, follow=True).content.decode()
    assert "Choose a CSV file of employer,email rows" in page


def test_the_page_warns_about_invitations_that_expire_before_the_deadline(world, cycle):
    early, _ = invitations.invitation_create(principal=world.principal("ana"), cycle=cycle, employer=world.acme,
                                             valid_days=3)
    invitations.invitation_create(principal=world.principal("ana"), cycle=cycle, employer=world.birch, valid_days=60)
    page = office(world).get("/office/cycles/2026/").content.decode()
    assert "1 outstanding invitation expires before the cycle's deadline" in page
    assert f"…{early.hint} (Acme Analytics" in page


# --- the API --------------------------------------------------------------------------------


def test_the_api_invites_in_bulk_and_answers_with_each_code(world, cycle, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("ana").post("/api/v1/cycles/2026/invitations/bulk", {"invitations": [
            {"employer": "Acme Analytics", "email": "hr@acme.example"}]}, format="json")
    assert response.status_code == 201, response.content
    [item] = response.json()
    assert item["employer"] == "Acme Analytics" and item["email"] == "hr@acme.example"
    assert item["code"] in mailoutbox[0].body


def test_the_api_refuses_a_bad_item_naming_it_and_stores_nothing(world, cycle, mailoutbox):
    response = world.client("ana").post("/api/v1/cycles/2026/invitations/bulk", {"invitations": [
        {"employer": "Acme Analytics", "email": "hr@acme.example"}, {"employer": "Ghost", "email": "x"}]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bulk_invalid"
    assert body["details"]["problems"] == [
        'Row 2, column employer: no employer named "Ghost" is registered; add it on the Employers page, or check '
        "the spelling.",
        'Row 2, column email: "x" is not an email address.',
    ]
    assert mailoutbox == [] and not Invitation.objects.filter(cycle=cycle).exists()


class RefusingBackend:
    """An email backend whose mail server refuses every message."""

    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPException("relay refused")


def test_a_refusing_mail_server_is_logged_and_the_codes_still_show_once(world, cycle, settings, caplog,
                                                                        django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.compact.test_bulk_invitations.RefusingBackend"
    upload = SimpleUploadedFile("list.csv", b"Acme Analytics,hr@acme.example\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = office(world).post("/office/cycles/2026/invitations/bulk", {"invitations": upload}, follow=True)
    assert response.status_code == 200 and "hr@acme.example" in response.content.decode()
    assert "Could not send 1 email(s)" in caplog.text
    assert Invitation.objects.filter(cycle=cycle, email="hr@acme.example").exists()


def test_when_the_mail_server_refuses_the_page_says_the_codes_were_not_emailed(world, cycle, settings,
                                                                               transactional_db):
    # Outside a test transaction the emails go at the service's commit, before the page is drawn,
    # as in production.
    settings.EMAIL_BACKEND = "tests.compact.test_bulk_invitations.RefusingBackend"
    upload = SimpleUploadedFile("list.csv", b"Acme Analytics,hr@acme.example\n", "text/csv")
    page = office(world).post("/office/cycles/2026/invitations/bulk", {"invitations": upload}, follow=True)
    html = page.content.decode()
    assert "1 invitation created, but the mail server did not take the emails" in html
    assert "created and emailed" not in html and "hr@acme.example" in html
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    upload = SimpleUploadedFile("list.csv", b"Birch Hospital,pay@birch.example\n", "text/csv")
    page = office(world).post("/office/cycles/2026/invitations/bulk", {"invitations": upload}, follow=True)
    assert "1 invitation created and emailed" in page.content.decode()
