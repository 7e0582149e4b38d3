"""The employer's whole path in the browser, as HR staff walk it: the template from the page,
filled in and checked, a mistake found by row and column and fixed, the file sealed and
submitted, the receipt, and after publication the comparison with the release, whose
figures are the command-line benchmark's for the same file.

Publication itself (close, unmask, disclosure control) is the office's path; here the cycle is
marked published and the release is a fixture that follows the contract (DESIGN §6), served at
the URL the page asks for.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from compact.models import Cycle
from employers.client.synthetic import synthetic_employees
from employers.models import SealedSubmission
from tests.a11y import assert_accessible
from tests.employers.browser.test_compare import (
    DEMO_LIKE,
    _cli_model,
    _page_model,
    compare,
    serve_release,
)
from tests.employers.browser.test_page import choose, open_page, submit


@pytest.mark.slow
def test_template_check_fix_seal_receipt_and_compare(signed_in, make_cycle, tmp_path, world):
    cycle = make_cycle(state="open")
    type(world.acme).objects.filter(pk=world.acme.pk).update(industry="Nonprofit", size_band="50-199")
    page = open_page(signed_in)

    # The template, from the link on the page.
    with page.expect_download() as download:
        page.click("a[href$='/template.csv']")
    header = next(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    frame = synthetic_employees(n=150, seed=21)
    assert header == list(frame.columns)

    # Filled in with one mistake: a pay that is not a number, on the file's line 8.
    bad = frame.copy()
    bad["Annual Compensation"] = bad["Annual Compensation"].astype(object)
    bad.loc[6, "Annual Compensation"] = "ninety thousand"
    path = tmp_path / "payroll.csv"
    bad.to_csv(path, index=False)
    choose(page, path)
    assert page.is_visible("#error-summary")
    issues = page.inner_text("#issues-table")
    assert "ninety thousand" in issues and "Annual Compensation" in issues
    assert page.locator("#submit-button").count() == 1 and not page.is_visible("#seal-section")
    assert_accessible(page)

    # Fixed (saved under a new name, as one keeps the old file), checked again, sealed and
    # submitted; the receipt is the confirmation page.
    path = tmp_path / "payroll-fixed.csv"
    frame.to_csv(path, index=False)
    choose(page, path)
    assert "no errors" in page.inner_text("#check-summary") and page.is_hidden("#error-summary")
    submit(page)
    assert "Version 1 is received" in page.inner_text("#confirmation")
    assert page.inner_text("#receipt-title") == "Receipt: version 1 of Acme Analytics"
    assert_accessible(page)
    assert SealedSubmission.objects.filter(employer=world.acme, version=1).exists()

    # After publication: the comparison, in the page, from the same file.
    Cycle.objects.filter(pk=cycle.pk).update(state="published")
    page = open_page(signed_in)
    serve_release(page, body=DEMO_LIKE.read_text())
    choose(page, path)
    compare(page)
    assert page.locator("#compare-output svg[role=img]:visible").count() == 2
    assert_accessible(page)
    with page.expect_download() as download:
        page.click("#compare-download")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) >= 20 and {r["compared with"] for r in rows} >= {"Industry: Nonprofit", "All employers"}
    cli_tables, cli_gaps, cli_statements = _cli_model(path, DEMO_LIKE, "Nonprofit", "50-199")
    page_tables, page_gaps, page_statements = _page_model(page)
    assert (page_tables, page_gaps, page_statements) == (cli_tables, cli_gaps, cli_statements)
