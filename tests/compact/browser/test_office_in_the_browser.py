"""The office's cycle page in headless Chromium, as an analyst uses it: invite (warned when the
code would expire before the deadline), filter and download the participation, close only after
the confirmation page."""

from __future__ import annotations

import pytest

from compact.models import Cycle
from tests.a11y import assert_accessible

pytestmark = pytest.mark.browser


def test_the_office_invites_filters_downloads_and_closes_after_confirming(signed_in, make_cycle, world):
    make_cycle(state="open", enrol=("acme",), days=30)
    page = signed_in("ana")
    page.goto("/office/cycles/2026/")
    assert "0 of 1" in page.locator("p.summary").inner_text()
    # An invitation valid for 5 days expires before the deadline: the office is told at once.
    page.select_option("#id_employer", label="Birch Hospital")
    page.fill("#id_valid_days", "5")
    page.get_by_role("button", name="Create invitation").click()
    warning = page.locator(".messages .message.warning")
    assert "before the cycle's deadline" in warning.inner_text()
    # And the invitations section keeps saying so while the invitation is outstanding.
    assert "1 outstanding invitation expires before the cycle's deadline" in page.locator("#invitations ~ .message.warning").inner_text()
    assert page.locator("text=before the deadline").count() == 1
    # Filter and download the participation.
    page.select_option("#show", "not_enrolled")
    page.get_by_role("button", name="Filter").click()
    assert "Birch Hospital" in page.locator("table").first.inner_text()
    assert "Acme Analytics" not in page.locator("table").first.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the table (CSV)").click()
    assert download.value.suggested_filename == "participation-2026.csv"
    assert "Birch Hospital" in open(download.value.path(), encoding="utf-8").read()
    # Close: the first click only asks; Cancel changes nothing; the confirmation closes.
    page.get_by_role("link", name="Close the cycle now…").click()
    assert page.get_by_role("heading", name="Close cycle 2026 now?").is_visible()
    assert "0 of 1 enrolled employers have submitted" in page.locator("main").inner_text()
    page.get_by_role("link", name="Cancel, nothing changes").click()
    assert Cycle.objects.get(slug="2026").state == "open"
    page.get_by_role("link", name="Close the cycle now…").click()
    page.get_by_role("button", name="Close cycle 2026").click()
    assert "The cycle is closed and its submissions are frozen." in page.locator(".messages").inner_text()
    assert Cycle.objects.get(slug="2026").state == "closed"
    # An unknown cycle is the styled not-found page, with a way back.
    page.goto("/office/cycles/nope/")
    assert page.get_by_role("heading", name="Page not found").is_visible()
    page.get_by_role("link", name="Go to your start page").click()
    assert page.url.endswith("/office/cycles/")


@pytest.mark.slow
@pytest.mark.auto_release
def test_the_office_whole_path_invite_in_bulk_watch_close_unmask_review_publish(
        signed_in, world, populated_cycle, office_private_key, mailoutbox, tmp_path):
    import base64
    import csv

    from aggregation.office.unmask_client import mask_sums_compute
    from tests.employers.browser.conftest import wait_until
    from tests.factories import synthetic_vectors

    populated_cycle(10, vectors=synthetic_vectors(10), industries=("IT",), sizes=("200-499",))
    page = signed_in("ana")
    page.goto("/office/cycles/2026/")
    assert "10 of 10" in page.locator("p.summary").inner_text()
    assert_accessible(page)

    # Invite in bulk: the example downloads; a bad file lists its problems and sends nothing.
    with page.expect_download() as example:
        page.get_by_role("link", name="Download an example (CSV)").click()
    assert example.value.suggested_filename == "invitations-example.csv"
    page.set_input_files("#bulk-file", files=[{"name": "list.csv", "mimeType": "text/csv",
                                               "buffer": b"employer,email\nAcme Analytics,nope\nGhost Ltd,g@x.example\n"}])
    page.get_by_role("button", name="Create and email the invitations").click()
    problems = page.locator(".error-summary").inner_text()
    assert "Row 2, column email" in problems and "Row 3, column employer" in problems and mailoutbox == []
    assert_accessible(page)
    page.set_input_files("#bulk-file", files=[{"name": "list.csv", "mimeType": "text/csv",
                                               "buffer": b"employer,email\nAcme Analytics,hr@acme.example\n"
                                                         b"Birch Hospital,pay@birch.example\n"}])
    page.get_by_role("button", name="Create and email the invitations").click()
    assert "2 invitations created and emailed" in page.locator(".messages").inner_text()
    assert sorted(m.to[0] for m in mailoutbox) == ["hr@acme.example", "pay@birch.example"]
    assert "2 invited but not enrolled" in page.locator("p.summary").inner_text()

    # Watch: filter to those who have not submitted, remind one after confirming.
    page.select_option("#show", "not_submitted")
    page.get_by_role("button", name="Filter").click()
    table = page.locator("#participation ~ form table").inner_text()
    assert "Acme Analytics" in table and "Birch Hospital" in table and "Employer 2026-000" not in table
    page.get_by_label("Remind Birch Hospital").check()
    page.get_by_role("button", name="Remind the ticked employers…").click()
    assert page.get_by_role("heading", name="Send 1 reminder?").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send 1 reminder").click()
    assert "Reminder emailed to 1 employer." in page.locator(".messages").inner_text()
    assert mailoutbox[-1].to == ["bob@example.org", "pay@birch.example"] and "Reminder" in mailoutbox[-1].subject

    # Close, after the confirmation page.
    page.get_by_role("link", name="Close the cycle now…").click()
    page.get_by_role("button", name="Close cycle 2026").click()
    assert "The cycle is closed" in page.locator(".messages").inner_text()

    # Unmask: the office client (here, the API) fetches the seeds; the page follows the job by itself.
    ana = world.client("ana")
    bundle = ana.get("/api/v1/cycles/2026/unmask").json()
    page.reload()
    status = page.locator("[data-job-status]")
    assert "Waiting for the office's mask sums" in status.inner_text()
    assert status.get_attribute("aria-live") == "polite"
    assert_accessible(page)
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key).sums.items():
        ana.post("/api/v1/cycles/2026/unmask/mask-sums",
                 {"cohort": key, "mask_sum": base64.b64encode(mask_sum.astype("<u8").tobytes()).decode()}, format="json")
    assert ana.post("/api/v1/cycles/2026/unmask/start").status_code == 200
    wait_until(page, "() => !document.querySelector('[data-job-done]').hidden", timeout=120)
    assert "Unmask: Done" in status.inner_text() and "Release 1 is built: it passed its audit." in status.inner_text()
    page.get_by_role("link", name="The job has finished: show the result").click()
    page.get_by_role("link", name="Review the draft release").click()

    # Review: the drill-down in plain words, suppressed cells hidden on request, and its CSV.
    page.select_option("#dims", label="Job category × race/ethnicity × gender")
    page.get_by_role("button", name="Show").click()
    headers = page.locator("#drill ~ .table-wrap thead").inner_text()
    assert "Job category" in headers and "Race/ethnicity" in headers and "Raceethnicity" not in headers
    assert page.locator("td.suppressed").count() > 0
    assert_accessible(page)
    page.get_by_label("Hide suppressed cells").check()
    page.get_by_role("button", name="Show").click()
    assert page.locator("td.suppressed").count() == 0 and "(not shown)" in page.locator("main").inner_text()
    page.get_by_label("Hide suppressed cells").uncheck()
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as table_csv:
        page.get_by_role("link", name="Download this table (CSV)").click()
    rows = list(csv.DictReader(open(table_csv.value.path(), encoding="utf-8")))
    assert rows and {"Job category", "Race/ethnicity", "Gender", "Status"} <= set(rows[0])
    assert any(r["Status"] == "suppressed" and r["Mean pay"] == "" for r in rows)

    # Publish, after the confirmation page.
    page.get_by_role("link", name="Publish release 1…").click()
    page.get_by_role("button", name="Publish release 1").click()
    assert "Published. The report is public now." in page.locator(".messages").inner_text()
    assert_accessible(page)
    assert Cycle.objects.get(slug="2026").state == "published"
