"""The browser page end to end, in headless Chromium against the live service: the happy path
(CSV and XLSX), a bad file, a resubmission, a closed cycle; what travels over the network;
keyboard use and labels; and a full submit -> close -> unmask round trip that gives back
exactly the vector the Python client computes for the same file."""

from __future__ import annotations

import base64
import json

import numpy as np
import openpyxl
import pytest

from compact.models import Cycle
from employers.client.check import check_extract
from employers.client.synthetic import synthetic_employees
from employers.client.vector import vector_from
from employers.models import SealedSubmission
from employers.services.submissions import receipt_verify
from protocol.layout import layout_for
from tests.employers.browser.conftest import wait_until
from tests.employers.client.samples import HEADER, ROWS, csv_text

LAYOUT = layout_for()
PLANTED_PAY = "987654.32"
PLANTED_ID = "PLANTED-ID-4242"
PLANTED_NAME = "Zelda Quimby-Okonkwo"


def open_page(signed_in, who="alice", slug="2026"):
    page = signed_in(who)
    network = []
    page.on("request", lambda request: network.append(request))
    page.goto(f"/employer/cycles/{slug}/browser")
    page.wait_for_selector("body[data-ready=true]")
    page.network = network
    return page


def choose(page, path):
    """Pick a file and wait until the page has checked it (body[data-checks] counts checks)."""
    done = int(page.evaluate("document.body.dataset.checks || 0"))
    page.set_input_files("#extract", str(path))
    wait_until(page, "(done) => Number(document.body.dataset.checks || 0) > done", done)


def choose_csv(page, tmp_path, rows=ROWS, header=HEADER, name="extract.csv"):
    path = tmp_path / name
    path.write_text(csv_text(rows, header))
    choose(page, path)
    return path


def submit(page):
    """Seal and submit; the page then opens the version's confirmation page (its receipt)."""
    page.check("#fingerprint-ok")
    page.click("#submit-button")
    page.wait_for_url("**/submissions/*/?received=1")


def posted_envelopes(page) -> list[dict]:
    return [json.loads(r.post_data) for r in page.network if r.method == "POST" and r.url.endswith("/submissions")]


def planted_extract(tmp_path):
    """A realistic extract with one recognisable person and a name column the page ignores."""
    frame = synthetic_employees(n=60, seed=11)
    frame["Employee ID"] = [f"E-{k:04d}" for k in range(len(frame))]
    frame.loc[0, "Employee ID"] = PLANTED_ID
    frame.loc[0, "Annual Compensation"] = float(PLANTED_PAY)
    frame.insert(1, "Full Name", [f"Person {k}" for k in range(len(frame))])
    frame.loc[0, "Full Name"] = PLANTED_NAME
    path = tmp_path / "payroll.csv"
    frame.to_csv(path, index=False)
    return path


def test_happy_path_csv_checks_seals_submits_and_offers_the_receipt(signed_in, make_cycle, tmp_path, world):
    make_cycle(state="open")
    page = open_page(signed_in)
    choose_csv(page, tmp_path)
    assert "no errors" in page.inner_text("#check-summary")
    preview = page.inner_text("#preview-table")
    assert "2 Professionals\t2\t0\t0\t2" in preview and "9 Service Workers\t0\t0\t1\t1" in preview
    assert page.is_hidden("#error-summary")
    assert page.inner_text("#fingerprint") == page.inner_text("#fingerprint")  # shown before sealing
    submit(page)
    assert page.url.endswith("/employer/cycles/2026/submissions/1/?received=1")
    assert "Version 1 is received" in page.inner_text("#confirmation")
    assert page.inner_text("#receipt-title") == "Receipt: version 1 of Acme Analytics"
    assert "Submitted through the web page" in page.inner_text(".receipt")
    with page.expect_download() as download:
        page.click("#receipt-json")
    receipt = json.loads(open(download.value.path()).read())
    assert receipt["version"] == 1 and receipt_verify(receipt)
    stored = SealedSubmission.objects.get(employer=world.acme)
    assert stored.received_via == "session" and stored.masked_sha256 == receipt["masked_sha256"]
    assert stored.masked_sha256 in page.inner_text(".receipt")
    (envelope,) = posted_envelopes(page)
    assert envelope["employer"] == world.acme.pk and envelope["layout"] == LAYOUT.layout_id


def test_the_page_shows_the_totals_to_reconcile_with_payroll(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    rows = [r[:] for r in ROWS] + [["A5", "2 Professionals", "White", "Female", "0", "", "3", ""]]
    choose_csv(page, tmp_path, rows=rows)
    table = page.inner_text("#totals-table")
    assert "Total\t4\t$335,000.50\t$1,500.25\t2\t186.50" in table
    assert "Female\t2\t$175,000.50" in table
    assert "1 row left out is not in these totals" in page.inner_text("#totals-note")


def opened(envelope: dict, office_private_key) -> np.ndarray:
    """What the office gets back from a posted envelope: the masked vector plus its mask."""
    from protocol.sealing import envelope_parse, mask_expand, ring_add, seed_open

    parsed = envelope_parse(envelope)
    seed = seed_open(binding=parsed.binding, sealed_seed=parsed.sealed_seed, private_key=office_private_key)
    masked = np.frombuffer(parsed.masked_bytes, dtype="<u8").astype(np.uint64)
    return ring_add(masked, mask_expand(seed, LAYOUT.length))


def test_happy_path_xlsx(signed_in, make_cycle, tmp_path, office_private_key):
    make_cycle(state="open")
    page = open_page(signed_in)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Acme payroll, December 31"])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    path = tmp_path / "extract.xlsx"
    workbook.save(path)
    choose(page, path)
    assert "4 people will count" in page.inner_text("#check-summary")
    submit(page)
    (envelope,) = posted_envelopes(page)
    assert SealedSubmission.objects.count() == 1
    assert np.array_equal(opened(envelope, office_private_key), vector_from(check_extract(path), LAYOUT))


@pytest.mark.slow  # saving a copy of the real template takes seconds
def test_a_boston_workbook_is_submitted_from_the_page(signed_in, make_cycle, tmp_path, office_private_key):
    import shutil

    from tests.employers.client.samples import TEMPLATES

    make_cycle(state="open")
    page = open_page(signed_in)
    path = tmp_path / "bwwc-2024.xlsx"
    shutil.copy(TEMPLATES / "bwwc-2024-wage-gap-template.xlsx", path)
    workbook = openpyxl.load_workbook(path)
    for sheet, value in (("1.Number of Employees", 12), ("2.Compensation", 1_020_000), ("3.Performance Pay", 0),
                         ("4.Tenure", 480)):
        workbook[sheet]["E10"] = value
    workbook.save(path)
    choose(page, path)
    assert "Boston workbook (bwwc-2024)" in page.inner_text("#check-facts")
    assert "12 people will count" in page.inner_text("#check-summary")
    submit(page)
    (envelope,) = posted_envelopes(page)
    assert np.array_equal(opened(envelope, office_private_key), vector_from(check_extract(path), LAYOUT))


def test_a_bad_file_lists_errors_by_row_and_column_and_nothing_is_submitted(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    rows = [list(r) for r in ROWS]
    rows[1][4] = "-90000"
    rows[2][3] = "Mael"
    rows[3][0] = "A1"
    choose_csv(page, tmp_path, rows)
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # focus moves to the summary
    items = page.locator("#error-summary-list li").all_inner_texts()
    assert any("row 3, column 'Annual Compensation': found '-90000'" in t for t in items)
    assert any("row 4, column 'Gender': found 'Mael'" in t and "did you mean 'Male'?" in t for t in items)
    assert any("row 5, column 'Employee ID'" in t and "the same ID is on row 2" in t for t in items)
    # Each summary item links to its row in the table of problems, which takes the focus.
    page.locator("#error-summary-list a").first.click()
    focused = page.evaluate("document.activeElement.id")
    assert focused.startswith("issue-") and page.locator(f"#{focused}").inner_text().startswith("error")
    table = page.inner_text("#issues-table")
    assert "Annual Compensation" in table and "Gender" in table
    assert page.is_hidden("#seal-section")
    assert not posted_envelopes(page) and SealedSubmission.objects.count() == 0


def test_a_resubmission_is_version_2_and_both_receipts_are_listed(signed_in, make_cycle, tmp_path, world):
    make_cycle(state="open")
    page = open_page(signed_in)
    choose_csv(page, tmp_path)
    submit(page)
    assert "Version 1 is received" in page.inner_text("#confirmation")
    page.click("text=Submit a corrected version in the browser")
    page.wait_for_selector("body[data-ready=true]")
    assert page.inner_text("#next-version") == "2"
    rows = [list(r) for r in ROWS]
    rows[0][4] = "86000"
    path = choose_csv(page, tmp_path, rows, name="extract-corrected.csv")
    assert "no errors" in page.inner_text("#check-summary")
    # The file edited after it was chosen: the browser will not read it again, the page says so
    # and empties the input, so that choosing the same file again is a change.
    rows[0][4] = "87000"
    path.write_text(csv_text(rows))
    page.click("#check-button")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert "it changed after you chose it" in page.inner_text("#error-summary")
    choose(page, path)
    assert page.is_hidden("#error-summary") and "no errors" in page.inner_text("#check-summary")
    submit(page)
    assert "Version 2 is received" in page.inner_text("#confirmation")
    assert "your latest version, the one that counts" in page.inner_text(".receipt")
    assert [e["version"] for e in posted_envelopes(page)] == [1, 2]
    assert sorted(SealedSubmission.objects.filter(employer=world.acme).values_list("version", flat=True)) == [1, 2]
    page.goto("/employer/cycles/2026/submissions/1/")
    assert "replaced by version 2, which counts" in page.inner_text(".receipt")
    assert page.locator("#confirmation").count() == 0  # opened later: the receipt, not "is received"
    page.goto("/employer/cycles/2026/browser")
    history = page.inner_text("#history")
    assert "receipt v2" in history and "receipt v1" in history and "session" not in history


@pytest.mark.parametrize("state", ["closed", "draft"])
def test_a_cycle_that_is_not_open_says_so_and_offers_no_submission(signed_in, make_cycle, tmp_path, state):
    make_cycle(state=state)
    page = open_page(signed_in)
    message = page.inner_text("#closed-message")
    assert ("submissions are no longer accepted" if state == "closed" else "not open yet") in message
    assert page.locator("#seal-section").count() == 0 and page.locator("#submit-button").count() == 0
    path = tmp_path / "extract.csv"
    path.write_text(csv_text())
    choose(page, path)  # checking still works
    assert "no errors" in page.inner_text("#check-summary")
    assert not [r for r in page.network if r.method != "GET"]


def test_the_service_refusing_a_submission_is_shown_in_the_error_summary(signed_in, make_cycle, tmp_path):
    cycle = make_cycle(state="open")
    page = open_page(signed_in)
    choose_csv(page, tmp_path)
    Cycle.objects.filter(pk=cycle.pk).update(state="closed")  # closed while the page was open
    page.check("#fingerprint-ok")
    page.click("#submit-button")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert "accepts no submissions" in page.inner_text("#error-summary")
    assert SealedSubmission.objects.count() == 0
    page.console_errors.clear()  # the refused POST is logged by Chromium as a failed resource


def test_nothing_readable_from_the_extract_leaves_the_page(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    path = planted_extract(tmp_path)
    choose(page, path)
    submit(page)
    cents = int(PLANTED_PAY.replace(".", ""))
    vector = vector_from(check_extract(path), LAYOUT)
    forbidden = {PLANTED_PAY.encode(), str(cents).encode(), cents.to_bytes(8, "little"), PLANTED_ID.encode(),
                 PLANTED_NAME.encode(), b"987,654", b"Person 1"}
    for value in vector.tolist():  # every distinctive figure of the vector, as it would appear in clear
        if value >= 1 << 24:
            forbidden |= {int(value).to_bytes(8, "little"), str(value).encode()}
    sent = []
    for request in page.network:
        assert request.url.startswith(page.url.split("/employer/")[0]), request.url  # only this origin
        sent.append(request.url.encode())
        sent.append(json.dumps(request.headers).encode())
        body = request.post_data_buffer or b""
        sent.append(body)
        if body.startswith(b"{"):
            doc = json.loads(body)
            sent += [base64.b64decode(doc["masked_vector"]), base64.b64decode(doc["sealed_seed"])]
    assert len(posted_envelopes(page)) == 1
    everything = b"\x00".join(sent)
    for pattern in forbidden:
        assert pattern not in everything, pattern


@pytest.mark.slow
def test_submit_close_unmask_gives_back_the_python_clients_vector(signed_in, make_cycle, tmp_path, world,
                                                                 office_private_key):
    from aggregation.office.unmask_client import mask_sums_compute
    from aggregation.selectors import cohort_aggregates
    from aggregation.services import unmask as unmask_service
    from compact.access import principal_for_user
    from compact.services.cycles import cycle_close
    from employers.services.submissions import submission_accept
    from protocol.sealing import seal

    cycle = make_cycle(state="open")
    # Two employers only: let the office unmask cohorts of one for this test.
    Cycle.objects.filter(pk=cycle.pk).update(policy={**cycle.policy, "min_cohort_employers": 1})
    page = open_page(signed_in)
    path = planted_extract(tmp_path)
    choose(page, path)
    submit(page)
    frame = synthetic_employees(n=80, seed=12)
    bob_path = tmp_path / "birch.csv"
    frame.to_csv(bob_path, index=False)
    bob_vector = vector_from(check_extract(bob_path), LAYOUT)
    doc = seal(elements=bob_vector, public_key=office_private_key.public_key(), cycle="2026", employer=world.birch.pk,
               version=1, taxonomy="compact-2026", layout=LAYOUT.layout_id)
    submission_accept(principal=principal_for_user(world.bob), cycle=cycle, document=doc, received_via="test", body_bytes=1)
    analyst = world.principal("ana")
    cycle = cycle_close(principal=analyst, cycle=Cycle.objects.get(pk=cycle.pk))
    bundle = unmask_service.unmask_bundle(principal=analyst, cycle=cycle)
    sums = mask_sums_compute(bundle, private_key=office_private_key, min_cohort_employers=1).sums
    for key, mask_sum in sums.items():
        unmask_service.unmask_mask_sum_store(principal=analyst, cycle=cycle, cohort_key=key,
                                             mask_sum=mask_sum.astype("<u8").tobytes())
    job = unmask_service.unmask_start(principal=analyst, cycle=cycle)
    assert unmask_service.unmask_run(job_id=job.pk) == "done"
    aggregates = cohort_aggregates(cycle=cycle)
    alice_vector = vector_from(check_extract(path), LAYOUT)
    assert np.array_equal(aggregates["all"].elements, alice_vector + bob_vector)
    acme_only = next(k for k in aggregates if k != "all" and np.array_equal(aggregates[k].elements, alice_vector))
    assert acme_only  # a cohort of Acme alone unmasks to exactly the page's vector


def test_every_control_has_a_label_and_the_page_works_from_the_keyboard(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('main input, main select, main textarea, main button')]
        .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
        .map((c) => c.id || c.outerHTML)""")
    assert unlabelled == []
    path = tmp_path / "extract.csv"
    path.write_text(csv_text())
    # Tab from the top of the page to the file input and open it with the keyboard.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "extract":
            break
    assert page.evaluate("document.activeElement.id") == "extract"
    # The file dialog itself is the browser's own (Space or Enter opens it); headless Chromium
    # does not open it reliably from a synthetic key, so the file is handed to the input.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "check-button"
    page.keyboard.press("Enter")  # no file yet: the error summary says so and takes the focus
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "Choose a file to check" in page.inner_text("#error-summary")
    page.set_input_files("#extract", str(path))
    page.wait_for_selector("#seal-section:not([hidden])")
    assert page.is_hidden("#error-summary")
    assert page.evaluate("document.activeElement.id") == "step-seal"  # focus follows the flow
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "fingerprint-ok"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "submit-button"
    page.keyboard.press("Enter")
    page.wait_for_url("**/submissions/1/?received=1")
    assert page.get_by_role("status").inner_text().startswith("Version 1 is received")
    assert len(posted_envelopes(page)) == 1


def test_submitting_without_confirming_the_fingerprint_is_refused_in_the_summary(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    choose_csv(page, tmp_path)
    page.click("#submit-button")
    assert "Confirm that you compared the fingerprint" in page.inner_text("#error-summary")
    assert not posted_envelopes(page)


def test_the_page_is_for_the_cycles_employers_only(signed_in, make_cycle, live_server):
    make_cycle(state="open", enrol=("birch",))
    page = signed_in("olga")
    response = page.goto("/employer/cycles/2026/browser")
    assert response.status == 404
    page.console_errors.clear()


def test_the_rule_files_are_served_exactly_as_the_python_client_reads_them(client):
    from protocol.taxonomy import TAXONOMY_DIR

    for part, name in (("taxonomy", "compact-2026.json"), ("aliases", "_aliases-compact-2026.json"),
                       ("checks", "_checks-compact-2026.json")):
        response = client.get(f"/taxonomy/compact-2026/{part}.json")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == (TAXONOMY_DIR / name).read_bytes()
    assert client.get("/taxonomy/compact-2026/secrets.json").status_code == 404
    assert client.get("/taxonomy/..%2Fsettings/taxonomy.json").status_code == 404


def test_a_column_the_headers_do_not_name_can_be_chosen_in_the_page(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    choose_csv(page, tmp_path, header=HEADER[:4] + ["Base Pai"] + HEADER[5:])
    assert "missing_column" not in page.inner_text("#error-summary")  # the message, not the code
    assert "a column for Annual Compensation" in page.inner_text("#error-summary")
    page.get_by_role("link", name="Choose which column is which").click()
    assert page.evaluate("document.activeElement.id") == "columns-title"
    page.get_by_label("Annual Compensation").select_option("Base Pai")
    page.click("#columns-button")
    wait_until(page, "() => Number(document.body.dataset.checks) === 2")
    assert "4 people will count" in page.inner_text("#check-summary")
    assert "compensation ← 'Base Pai'" in page.inner_text("#check-facts")
    submit(page)
    (envelope,) = posted_envelopes(page)
    assert envelope["version"] == 1
