"""The office's cycle page in headless Chromium, as an analyst uses it: invite (warned when the
code would expire before the deadline), filter and download the participation, close only after
the confirmation page."""

from __future__ import annotations

import pytest

from compact.models import Cycle

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
    warning = page.locator(".message.warning")
    assert "before the cycle's deadline" in warning.inner_text()
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
