"""The command line: exit codes, output and mappings."""

from __future__ import annotations

import json

from employers.client.cli import main
from tests.employers.client.samples import HEADER, ROWS, csv_text


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_a_clean_extract_exits_0_with_the_summary(capsys, write_csv):
    code, out = run(capsys, "check", str(write_csv(csv_text())))
    assert code == 0
    assert "Rows: 4 read, 4 used, 0 excluded" in out
    assert "2 Professionals" in out and "OK: no errors" in out


def test_errors_exit_1_and_are_listed_without_raw_escape_sequences(capsys, write_csv):
    rows = [r[:] for r in ROWS]
    rows[0][3] = "\x1b[31mFemme"
    code, out = run(capsys, "check", str(write_csv(csv_text(rows))))
    assert code == 1
    assert "\x1b" not in out and "\\x1b[31mFemme" in out
    assert "row 2, column 'Gender'" in out and "excluded: Gender: unknown value: 1" in out


def test_unusable_input_exits_2(capsys, write_csv):
    code, out = run(capsys, "check", str(write_csv("")))
    assert code == 2 and "cannot be checked" in out


def test_json_output_is_machine_readable(capsys, write_csv):
    code, out = run(capsys, "check", "--json", str(write_csv(csv_text())))
    document = json.loads(out)
    assert code == 0 and document["status"] == "ok" and document["summary"]["rows_used"] == 4


def test_a_column_can_be_mapped_by_hand_saved_and_reused(capsys, write_csv, tmp_path):
    header = [h if h != "Annual Compensation" else "Pay 2026" for h in HEADER]
    path = write_csv(csv_text(ROWS, header))
    code, _ = run(capsys, "check", str(path))
    assert code == 2
    saved = tmp_path / "mapping.json"
    code, out = run(capsys, "check", str(path), "--map", "compensation=Pay 2026", "--save-map", str(saved))
    assert code == 0 and "compensation <- 'Pay 2026'" in out
    assert json.loads(saved.read_text())["columns"]["compensation"] == "Pay 2026"
    code, _ = run(capsys, "check", str(path), "--mapping", str(saved))
    assert code == 0


def test_a_bad_map_option_names_the_known_fields(capsys, write_csv):
    code, out = run(capsys, "check", str(write_csv(csv_text())), "--map", "salary=Pay")
    assert code == 2 and "Unknown field 'salary'" in out and "compensation" in out


def test_the_issues_csv_is_written_for_spreadsheets(capsys, write_csv, tmp_path):
    rows = [r[:] for r in ROWS]
    rows[0][3] = "=1+1"
    out_csv = tmp_path / "issues.csv"
    code, _ = run(capsys, "check", str(write_csv(csv_text(rows))), "--issues-csv", str(out_csv))
    text = out_csv.read_text(encoding="utf-8-sig")
    assert code == 1 and "unknown_category" in text and "'=1+1'" in text


def test_layout_prints_the_layout_as_json(capsys):
    code, out = run(capsys, "layout")
    document = json.loads(out)
    assert code == 0 and document["layout_id"].startswith("compact-2026/")
    assert [b["name"] for b in document["blocks"]][:3] == ["submissions", "row_submissions", "workbook_submissions"]


def test_the_csv_template_is_a_header_and_a_readme(capsys, tmp_path):
    code, out = run(capsys, "template", "--format", "csv", "--out", str(tmp_path / "t.csv"))
    assert code == 0
    assert (tmp_path / "t.csv").read_text().strip() == ",".join(HEADER)
    assert "Example row" in (tmp_path / "t.README.txt").read_text()


def test_the_xlsx_template_filled_in_passes_the_check(capsys, tmp_path):
    import openpyxl

    path = tmp_path / "t.xlsx"
    assert run(capsys, "template", "--out", str(path))[0] == 0
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Instructions", "Employees", "Lists"]
    sheet = workbook["Employees"]
    assert [c.value for c in sheet[1]] == HEADER
    assert len(sheet.data_validations.dataValidation) == 7
    for row in ROWS:
        sheet.append(row)
    workbook.save(path)
    code, out = run(capsys, "check", str(path))
    assert code == 0 and "sheet 'Employees'" in out


def test_the_template_format_follows_the_file_name(capsys, tmp_path):
    code, out = run(capsys, "template", "--out", str(tmp_path / "mine.csv"))
    assert code == 0 and f"Wrote {tmp_path / 'mine.csv'}" in out
    assert (tmp_path / "mine.csv").read_text().strip() == ",".join(HEADER)  # text, not zip bytes
    assert (tmp_path / "mine.README.txt").exists()
    code, _ = run(capsys, "template", "--out", str(tmp_path / "MINE.XLSX"))
    assert code == 0 and (tmp_path / "MINE.XLSX").read_bytes()[:4] == b"PK\x03\x04"


def test_a_template_name_that_contradicts_the_format_is_refused(capsys, tmp_path):
    code, out = run(capsys, "template", "--format", "xlsx", "--out", str(tmp_path / "x.csv"))
    assert code == 2
    assert "--format xlsx but x.csv is named .csv; use --out x.xlsx, or leave out --format" in out
    assert not (tmp_path / "x.csv").exists()


def test_a_template_name_without_a_known_extension_is_refused(capsys, tmp_path):
    code, out = run(capsys, "template", "--out", str(tmp_path / "payroll.txt"))
    assert code == 2 and "payroll.txt has '.txt'; name the template .xlsx" in out and "--out payroll.xlsx" in out
    code, out = run(capsys, "template", "--format", "csv", "--out", str(tmp_path / "payroll"))
    assert code == 2 and "payroll has no extension" in out and "--out payroll.csv" in out
    assert list(tmp_path.iterdir()) == []


def test_the_template_format_alone_names_the_default_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "template", "--format", "csv")[0] == 0
    assert (tmp_path / "talent-compact-template.csv").read_text().startswith("Employee ID,")


def test_a_boston_workbook_is_summarised_and_an_empty_one_exits_1(capsys):
    from tests.employers.client.samples import TEMPLATES

    code, out = run(capsys, "check", str(TEMPLATES / "bwwc-2024-wage-gap-template.xlsx"))
    assert code == 1
    assert "Boston wage-gap workbook, bwwc-2024 layout; 0 people" in out
    assert "expected the number of employees in each cell" in out


def test_one_column_cannot_be_mapped_to_two_fields(capsys, write_csv):
    code, out = run(capsys, "check", str(write_csv(csv_text())), "--map", "gender=Gender",
                    "--map", "race_ethnicity=Gender")
    assert code == 2 and "column 'Gender' mapped to gender and race_ethnicity" in out
