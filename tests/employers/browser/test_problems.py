"""The page's account of a file's problems: grouped by kind with counts, every problem in a CSV
download, the column chooser keeping what it found, no command-line advice, and suggestions
only for near misses."""

from __future__ import annotations

import csv
import io

from employers.client.check import check_extract
from employers.client.issues import write_issues_csv
from tests.employers.browser.conftest import wait_until
from tests.employers.browser.test_page import choose, choose_csv, open_page
from tests.employers.client.samples import HEADER, ROWS, csv_text


def many_errors(tmp_path):
    """4,048 errors: 3,333 unknown genders and 715 pay cells that are not numbers."""
    rows = []
    for k in range(4_100):
        gender = "Robot" if k < 3_333 else "Female"
        pay = "n/a" if 3_333 <= k < 3_333 + 715 else "50000"
        rows.append([f"E{k}", "2 Professionals", "White", gender, pay, "", "12", ""])
    path = tmp_path / "payroll.csv"
    path.write_text(csv_text(rows))
    return path


def test_thousands_of_errors_are_summarised_one_line_per_kind_with_counts(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    choose(page, many_errors(tmp_path))
    assert page.inner_text("#error-summary-text") == "4,048 errors of 2 kinds must be fixed before sealing:"
    items = page.locator("#error-summary-list li").all_inner_texts()
    assert items == ["Gender: unknown value: 3,333 rows (first: row 2, found 'Robot')",
                     "Annual Compensation: not a number: 715 rows (first: row 3335, found 'n/a')"]
    kinds = page.inner_text("#kinds-table")
    assert "error\tGender: unknown value\t3,333 rows" in kinds and "error\tAnnual Compensation: not a number\t715 rows" in kinds
    # Each line leads to its kind's first row in the table.
    page.locator("#error-summary-list a").nth(1).click()
    focused = page.evaluate("document.activeElement.id")
    assert "3335" in page.locator(f"#{focused}").inner_text().replace(",", "")


def test_the_whole_list_of_problems_downloads_as_csv_though_the_table_stops(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    choose(page, many_errors(tmp_path))
    assert page.locator("#issues-table tbody tr").count() == 400  # 200 of each kind
    assert "4,048 problems in all; the first 400 are listed" in page.inner_text("#issues-note")
    with page.expect_download() as download:
        page.click("#issues-download")
    assert download.value.suggested_filename == "problems-payroll.csv"
    text = open(download.value.path(), encoding="utf-8-sig").read()
    records = list(csv.DictReader(io.StringIO(text)))
    assert len(records) == 4_048
    assert sum(r["code"] == "unknown_category" for r in records) == 3_333
    assert {r["row"] for r in records if r["code"] == "not_a_number"} == {str(k + 2) for k in range(3_333, 4_048)}
    assert records[-1]["message"].startswith("payroll.csv, row 4049, column 'Annual Compensation'")


def test_the_full_list_has_the_bytes_the_clients_issues_csv_has_when_nothing_is_capped(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    rows = [r[:] for r in ROWS]
    rows[0][3] = "=1+1"
    rows[1][4] = "85,000.123"
    rows[2][2] = "Martian"
    path = choose_csv(page, tmp_path, rows=rows)
    with page.expect_download() as download:
        page.click("#issues-download")
    expected = tmp_path / "expected.csv"
    write_issues_csv(check_extract(path).issues, expected)
    assert open(download.value.path(), "rb").read() == expected.read_bytes()


def test_with_one_column_missing_the_chooser_keeps_the_columns_it_found(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    header = [h if h != "Annual Compensation" else "Base Salary 2026" for h in HEADER]
    choose_csv(page, tmp_path, header=header)
    assert page.locator("#columns-block").evaluate("d => d.open")
    shown = {field: page.locator(f"#column-{field} option").first.inner_text()
             for field in ("employee_id", "gender", "tenure_months", "hours", "compensation")}
    assert shown == {"employee_id": "Found: Employee ID", "gender": "Found: Gender",
                     "tenure_months": "Found: Tenure (months)", "hours": "Found: Annual Hours",
                     "compensation": "Not found: choose its column"}
    summary = page.inner_text("#error-summary")
    assert "expected a column for Annual Compensation" in summary and "--map" not in summary
    assert "Choose which column is which, below" in summary
    assert "closest header in the file: 'Base Salary 2026'" in summary
    assert page.is_hidden("#kinds-table") and page.is_hidden("#issues-download")
    page.select_option("#column-compensation", "Base Salary 2026")
    done = int(page.evaluate("document.body.dataset.checks"))
    page.click("#columns-button")
    wait_until(page, "(done) => Number(document.body.dataset.checks) > done", done)
    assert "no errors" in page.inner_text("#check-summary")


def test_only_near_misses_are_offered_a_correction(signed_in, make_cycle, tmp_path):
    make_cycle(state="open")
    page = open_page(signed_in)
    rows = [r[:] for r in ROWS]
    rows[0][2] = "Martian"
    rows[1][2] = "Whte"
    choose_csv(page, tmp_path, rows=rows)
    table = page.inner_text("#issues-table")
    martian = next(line for line in table.splitlines() if "'Martian'" in line)
    assert "did you mean" not in martian
    assert "did you mean 'White'?" in next(line for line in table.splitlines() if "'Whte'" in line)


def test_the_employers_pages_fit_a_390_pixel_screen(signed_in, make_cycle, tmp_path):
    from tests.employers.browser.test_page import submit

    make_cycle(state="open")
    page = open_page(signed_in)
    page.set_viewport_size({"width": 390, "height": 800})
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    choose(page, many_errors(tmp_path))
    assert page.evaluate(fits), "the page with problems scrolls sideways"
    header = [h if h != "Annual Compensation" else "Base Salary 2026" for h in HEADER]
    choose_csv(page, tmp_path, header=header, name="missing.csv")
    assert page.evaluate(fits), "the column chooser scrolls sideways"
    choose_csv(page, tmp_path)
    submit(page)
    assert page.evaluate(fits), "the receipt scrolls sideways"
    page.goto("/employer/cycles/2026/")
    assert page.evaluate(fits), "the cycle page scrolls sideways"
