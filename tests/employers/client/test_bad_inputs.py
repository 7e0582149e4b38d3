"""The bad-input corpus: every kind of broken input is refused with a message that says where
and what is wrong, and nothing from the file reaches the message unescaped."""

from __future__ import annotations

import os
import time
import tracemalloc
import zipfile

import pytest

from employers.client.check import check_extract
from tests.employers.client.samples import HEADER, ROWS, csv_text


def only_issue(result):
    assert len(result.issues) == 1, [i.message for i in result.issues]
    return result.issues[0]


def errors_of(result, code):
    found = [i for i in result.errors if i.code == code]
    assert found, [i.message for i in result.issues]
    return found


def test_an_empty_file_is_unusable(write_csv):
    result = check_extract(write_csv(""))
    issue = only_issue(result)
    assert result.status == "unusable" and issue.code == "empty_file"
    assert "extract.csv" in issue.message and "0 bytes" in issue.message


def test_a_header_without_rows_is_unusable(write_csv):
    result = check_extract(write_csv(",".join(HEADER) + "\n"))
    issue = only_issue(result)
    assert result.status == "unusable" and issue.code == "no_rows"
    assert "header on row 1 and no data rows" in issue.message


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused(write_csv, tmp_path):
    path = tmp_path / "weird.csv"
    path.write_bytes(csv_text().encode() + b"A9,2,White,Female,1\x81\x8d,0,1,\n")
    issue = only_issue(check_extract(path))
    assert issue.code == "unknown_encoding" and "UTF-8 or Windows-1252" in issue.message
    assert issue.value == "byte 0x81 on line 6, column 20"


def test_an_undecodable_byte_is_placed_by_line_and_character_column(tmp_path):
    from employers.client.csvfile import first_undecodable

    # Columns count characters: 'Zoë' is three whether the line is UTF-8 or Windows-1252.
    assert first_undecodable(["Zoë,".encode() + b"\x81"]) == "byte 0x81 on line 1, column 5"
    assert first_undecodable([b"a\r\n", "Zoë,".encode("cp1252") + b"\x9d"]) == "byte 0x9d on line 2, column 5"
    assert first_undecodable([b"\xef\xbb\xbfab\x8f"]) == "byte 0x8f on line 1, column 3"  # a BOM is no column
    assert first_undecodable([b"x\n" * 3, b"y", b"z\n\n", b"ab\x90"]) == "byte 0x90 on line 6, column 3"
    assert first_undecodable([b"plain\n", "Latiné".encode("cp1252")]) is None


def test_an_undecodable_byte_beyond_the_first_64_kib_is_placed_too(tmp_path):
    rows = [[f"E{k}", "2", "White", "F", "50000", "", "12", ""] for k in range(3000)]
    path = tmp_path / "late.csv"
    body = csv_text(rows).encode("utf-8")
    assert len(body) > 64 * 1024
    path.write_bytes(body + b"E-x,2,White,F,5\x810000,,12,\n")
    issue = only_issue(check_extract(path, parallel=False))
    assert issue.value == "byte 0x81 on line 3,002, column 16"
    assert "late.csv: found byte 0x81 on line 3,002, column 16; expected text in UTF-8 or Windows-1252" in issue.message


def test_a_windows_1252_file_with_an_undefined_byte_later_on_is_refused_not_a_traceback(tmp_path):
    rows = [[f"Zoë-{k}", "2", "Latiné", "F", "50000", "", "12", ""] for k in range(3000)]
    path = tmp_path / "cp1252.csv"
    path.write_bytes(csv_text(rows).encode("cp1252") + "Zoë,2,White,F,1".encode("cp1252") + b"\x8d,,12,\n")
    issue = only_issue(check_extract(path, parallel=False))
    assert issue.code == "unknown_encoding" and issue.value == "byte 0x8d on line 3,002, column 16"


def test_binary_junk_is_refused_as_not_text(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(os.urandom(4096))
    issue = only_issue(check_extract(path))
    assert issue.code == "binary_file" and "junk.csv" in issue.message


def test_a_60_mb_junk_file_is_refused_fast_and_without_reading_it_all(tmp_path):
    path = tmp_path / "big.csv"
    block = os.urandom(1 << 20)
    with path.open("wb") as handle:
        for _ in range(60):
            handle.write(block)
    tracemalloc.start()
    start = time.perf_counter()
    result = check_extract(path)
    elapsed = time.perf_counter() - start
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert only_issue(result).code == "binary_file"
    assert elapsed < 1.0 and peak_mb < 5  # it read 64 KiB of 60 MiB


def test_a_60_mb_text_file_without_a_header_is_refused_after_its_first_rows(tmp_path):
    path = tmp_path / "lorem.csv"
    line = b"lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n"
    with path.open("wb") as handle:
        handle.write(line * (60 * (1 << 20) // len(line)))
    start = time.perf_counter()
    issue = only_issue(check_extract(path))
    assert issue.code == "no_header" and "Employee ID" in issue.message
    assert time.perf_counter() - start < 1.0


def test_formula_injection_is_reported_but_never_echoed_raw(write_csv, tmp_path):
    rows = [r[:] for r in ROWS]
    rows[0][3] = '=HYPERLINK("http://evil","x")'
    rows[1][1] = "+cmd|' /C calc'!A0"
    rows[2][4] = "@SUM(1+1)"
    result = check_extract(write_csv(csv_text(rows)))
    gender = errors_of(result, "unknown_category")
    assert any(i.column == "Gender" and i.row == 2 for i in gender)
    from employers.client.issues import write_issues_csv

    out = tmp_path / "issues.csv"
    write_issues_csv(result.issues, out)
    cells = [c for line in out.read_text(encoding="utf-8-sig").splitlines()[1:] for c in line.split(",")]
    for cell in cells:
        stripped = cell.strip('"').lstrip(" ")
        assert not stripped.startswith(("=", "+", "-", "@")), cell


def test_ansi_escapes_in_a_value_are_shown_escaped(write_csv):
    rows = [r[:] for r in ROWS]
    rows[0][3] = "\x1b[2J\x1b[31mFemale\u202e"
    result = check_extract(write_csv(csv_text(rows)))
    (issue,) = errors_of(result, "unknown_category")
    assert "\x1b" not in issue.message and "\u202e" not in issue.message
    assert "\\x1b[2J" in issue.message and "\\u202e" in issue.message


def test_a_workbook_of_the_wrong_layout_names_the_closest_layout_and_the_difference(tmp_path):
    import openpyxl

    from tests.employers.client.samples import TEMPLATES

    workbook = openpyxl.load_workbook(TEMPLATES / "bwwc-2024-wage-gap-template.xlsx")
    workbook["2.Compensation"]["N5"] = "Other Asian group"  # the Asian column header is gone
    del workbook["4.Tenure"]
    path = tmp_path / "changed.xlsx"
    workbook.save(path)
    issue = only_issue(check_extract(path))
    assert issue.code == "wrong_workbook_layout"
    assert "closest layout is 2024" in issue.message
    assert "no sheet '4.Tenure'" in issue.message
    assert "sheet '2.Compensation' has no column for Asian" in issue.message


def test_a_random_workbook_is_neither_an_extract_nor_the_boston_workbook(write_xlsx):
    path = write_xlsx([["Quarter", "Revenue"], ["Q1", 100]], sheet="Sales")
    issue = only_issue(check_extract(path))
    assert issue.code == "unrecognised_workbook" and "'Sales'" in issue.message
    assert "1.Number of Employees" in issue.message


def test_duplicate_employee_ids_name_the_first_row(write_csv):
    rows = [r[:] for r in ROWS] + [["A1", "2", "White", "Female", "1", "0", "1", ""]]
    result = check_extract(write_csv(csv_text(rows)))
    (issue,) = errors_of(result, "duplicate_id")
    assert issue.row == 6 and "same ID is on row 2" in issue.message
    assert result.summary.rows_used == 4 and result.summary.excluded == {"Employee ID: duplicate": 1}


@pytest.mark.parametrize("pay", ["-85000", "(1,200.00)"])
def test_negative_pay_is_an_error(write_csv, pay):
    rows = [r[:] for r in ROWS]
    rows[1][4] = pay
    (issue,) = errors_of(check_extract(write_csv(csv_text(rows))), "negative")
    assert issue.row == 3 and issue.column == "Annual Compensation" and "0 or more" in issue.message


def test_pay_beyond_the_ring_bound_is_an_error(write_csv):
    rows = [r[:] for r in ROWS]
    rows[0][4] = "100000000.01"
    (issue,) = errors_of(check_extract(write_csv(csv_text(rows))), "beyond_bounds")
    assert "$100,000,000" in issue.message and issue.row == 2


def test_an_unknown_category_suggests_the_closest_label(write_csv):
    rows = [r[:] for r in ROWS]
    rows[0][2] = "Hispanc"
    rows[1][1] = "Profesionals"
    result = check_extract(write_csv(csv_text(rows)))
    by_column = {i.column: i for i in errors_of(result, "unknown_category")}
    assert "did you mean 'Hispanic or Latino'?" in by_column["Race/Ethnicity"].message
    assert "did you mean '2 Professionals'?" in by_column["Job Category"].message


def test_a_missing_required_column_suggests_the_closest_header(write_csv):
    header = [h if h != "Annual Compensation" else "Anual Compensaton" for h in HEADER]
    issue = only_issue(check_extract(write_csv(csv_text(ROWS, header))))
    assert issue.code == "missing_column" and "closest header in the file: 'Anual Compensaton'" in issue.message
    assert "--map" not in issue.message  # the message serves the browser too; the CLI adds its own hint


def test_the_closest_header_offered_is_never_another_fields_column(write_csv, capsys):
    from employers.client.cli import main

    header = [h if h != "Annual Compensation" else "Base Salary 2026" for h in HEADER]
    path = write_csv(csv_text(ROWS, header))
    issue = only_issue(check_extract(path))
    assert "closest header in the file: 'Base Salary 2026'" in issue.message  # not 'Annual Hours'
    assert main(["check", str(path)]) == 2
    assert 'Say which column it is with --map compensation="HEADER"' in capsys.readouterr().out


def test_two_columns_for_one_field_are_refused_and_the_cli_says_how_to_choose(write_csv, capsys):
    from employers.client.cli import main

    path = write_csv(csv_text([r + ["1"] for r in ROWS], HEADER + ["Salary"]))
    issue = only_issue(check_extract(path))
    assert issue.code == "ambiguous_column" and issue.detail == "say which one to use"
    assert main(["check", str(path)]) == 2
    assert 'Say which column it is with --map compensation="HEADER"' in capsys.readouterr().out


def test_a_hire_date_column_explains_that_tenure_in_months_is_needed(write_csv):
    header = [h if h != "Tenure (months)" else "Hire Date" for h in HEADER]
    issue = only_issue(check_extract(write_csv(csv_text(ROWS, header))))
    assert issue.code == "missing_column" and "needs tenure in months, not a hire date" in issue.message


def test_more_than_two_decimals_in_money_is_an_error(write_csv):
    rows = [r[:] for r in ROWS]
    rows[3][5] = "500.255"
    (issue,) = errors_of(check_extract(write_csv(csv_text(rows))), "too_many_decimals")
    assert issue.column == "Performance Pay" and issue.row == 5 and "'500.255'" in issue.message


def test_tenure_beyond_the_bound_is_an_error_and_a_long_one_a_warning(write_csv):
    rows = [r[:] for r in ROWS]
    rows[0][6] = "1201"
    rows[1][6] = "700"
    result = check_extract(write_csv(csv_text(rows)))
    (error,) = errors_of(result, "beyond_bounds")
    assert error.column == "Tenure (months)" and "1,200 months" in error.message
    (warning,) = [w for w in result.warnings if w.code == "above_soft_maximum"]
    assert warning.row == 3 and "600 months" in warning.message


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "extract.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    issue = only_issue(check_extract(path))
    assert issue.code == "zip_not_xlsx" and "no xl/workbook.xml" in issue.message


def test_a_csv_renamed_to_xlsx_is_refused_with_the_reason(write_csv):
    issue = only_issue(check_extract(write_csv(csv_text(), name="extract.xlsx")))
    assert issue.code == "misnamed_file" and "rename it to .csv" in issue.message


def test_a_legacy_xls_file_is_refused(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert only_issue(check_extract(path)).code == "legacy_xls"


@pytest.mark.parametrize("line", [2, 6])
def test_a_row_with_more_fields_than_the_header_is_refused(write_csv, line):
    lines = csv_text().splitlines()
    lines.insert(line - 1, "A9,2,White,Female,85000,0,1,2080,surplus")
    issue = only_issue(check_extract(write_csv("\n".join(lines) + "\n")))
    assert issue.code == "malformed_csv" and f"line {line}" in issue.message


def test_blank_required_cells_are_errors_but_a_blank_race_counts_as_unreported(write_csv):
    rows = [r[:] for r in ROWS]
    rows[0][3] = ""
    rows[1][2] = ""
    rows[2][6] = ""
    result = check_extract(write_csv(csv_text(rows)))
    blanks = {i.column: i for i in errors_of(result, "blank")}
    assert set(blanks) == {"Gender", "Tenure (months)"}
    (warning,) = [w for w in result.warnings if w.code == "blank_category"]
    assert warning.row == 3 and "counted as Unreported" in warning.message
    assert result.summary.rows_used == 2


def test_zero_pay_is_a_warning_and_the_row_is_left_out(write_csv):
    rows = [r[:] for r in ROWS]
    rows[3][4] = "0"
    result = check_extract(write_csv(csv_text(rows)))
    assert result.ok and result.summary.rows_used == 3
    assert result.summary.excluded == {"Annual Compensation: 0, row left out": 1}


def test_more_rows_than_the_per_employer_bound_are_refused(write_csv, monkeypatch):
    from employers.client.aliases import aliases_for

    monkeypatch.setitem(aliases_for().taxonomy.bounds, "max_employees_per_employer", 3)
    issue = only_issue(check_extract(write_csv(csv_text())))
    assert issue.code == "too_many_rows" and "at most 3 employees" in issue.message


def test_an_extract_whose_every_row_is_left_out_cannot_be_sealed(write_csv):
    rows = [r[:] for r in ROWS]
    for row in rows:
        row[4] = "0"
    result = check_extract(write_csv(csv_text(rows)))
    (issue,) = errors_of(result, "no_rows_used")
    assert result.status == "errors" and "4 rows, every one left out" in issue.message


NEAR_MISSES = [("gender", "Mael", "Male"), ("gender", "Femlae", "Female"), ("race_ethnicity", "Whtie", "White"),
               ("race_ethnicity", "Hispnaic", "Hispanic or Latino"), ("job_category", "Techincians", "3 Technicians")]
NOT_SPELLINGS = [("race_ethnicity", "Martian"), ("race_ethnicity", "Mixed"), ("gender", "Agender"), ("gender", "Robot"),
                 ("job_category", "Engineer"), ("race_ethnicity", "Klingon")]


@pytest.mark.parametrize(("dimension", "text", "label"), NEAR_MISSES)
def test_a_near_miss_is_offered_its_category(dimension, text, label):
    from employers.client.aliases import aliases_for

    assert aliases_for().suggest_value(dimension, text) == label


@pytest.mark.parametrize(("dimension", "text"), NOT_SPELLINGS)
def test_a_word_that_spells_no_category_is_offered_nothing(dimension, text):
    from employers.client.aliases import aliases_for

    assert aliases_for().suggest_value(dimension, text) is None
