"""The Boston workbook's own rules, on one copy of the real 2024 template with planted flaws.

Loading and saving the real template with openpyxl takes seconds, so the flaws share one
workbook; each sits in its own cell and each test looks at its own kind of issue.
"""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from employers.client.check import check_extract
from employers.client.workbook import workbook_sheets
from tests.employers.client.samples import TEMPLATES


@pytest.fixture(scope="module")
def flawed(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "flawed.xlsx"
    shutil.copy(TEMPLATES / "bwwc-2024-wage-gap-template.xlsx", path)
    workbook = openpyxl.load_workbook(path)
    workbook["2.Compensation"]["D9"] = None  # blank cell
    workbook["2.Compensation"]["C8"] = 55000  # pay where there is nobody
    workbook["1.Number of Employees"]["E10"] = 4  # people without pay
    workbook["4.Tenure"]["E10"] = 40
    workbook["1.Number of Employees"]["F11"] = 2.5  # a fraction of a person
    workbook["2.Compensation"]["F11"] = 1
    workbook["4.Tenure"]["F11"] = 1
    workbook["1.Number of Employees"]["Q12"] = 3  # MENA women: the template's Totals Check omits them
    workbook["2.Compensation"]["Q12"] = 7_500_000  # $2.5M average: above the soft maximum
    workbook["4.Tenure"]["Q12"] = 30
    workbook["Totals Check"]["B6"] = 4  # a cached total that leaves MENA out
    workbook["1.Number of Employees"]["G12"] = "three"  # text where a number belongs
    workbook.save(path)
    return check_extract(path)


def of_code(result, code):
    found = [i for i in result.issues if i.code == code]
    assert found, [i.message for i in result.issues]
    return found


def test_a_blank_required_workbook_cell_is_an_error_at_that_cell(flawed):
    (issue,) = of_code(flawed, "blank")
    assert issue.sheet == "2.Compensation" and issue.cell == "D9" and issue.row == 9
    assert issue.column == "Hispanic/Latinx / Nonbinary" and "0, not a blank cell" in issue.message


def test_headcount_zero_with_pay_fails_the_matching_check(flawed):
    issue = next(i for i in of_code(flawed, "matching_check") if i.cell == "C8")
    assert issue.sheet == "2.Compensation" and "55,000.00" in issue.message and "has nobody" in issue.message


def test_people_without_pay_fail_the_matching_check(flawed):
    issue = next(i for i in of_code(flawed, "matching_check") if i.cell == "E10")
    assert issue.sheet == "2.Compensation" and "above 0, since there are 4 people" in issue.message


def test_a_fraction_of_a_person_is_an_error(flawed):
    (issue,) = of_code(flawed, "fractional_headcount")
    assert issue.cell == "F11" and "'2.5'" in issue.message


def test_text_in_a_number_cell_is_an_error(flawed):
    (issue,) = of_code(flawed, "not_a_number")
    assert issue.sheet == "1.Number of Employees" and issue.cell == "G12" and "'three'" in issue.message


def test_totals_are_computed_from_the_data_sheets_not_the_totals_check_sheet(flawed):
    (issue,) = of_code(flawed, "totals_check_differs")
    assert issue.severity == "warning" and issue.sheet == "Totals Check" and issue.column == "Female"
    assert "expected 7," in issue.message  # 4 + 3 MENA women from '1.Number of Employees'
    assert flawed.summary.headcount_by_job_gender[5][0] == 3  # MENA women counted


def test_a_high_average_is_a_warning_not_an_error(flawed):
    (issue,) = of_code(flawed, "above_soft_maximum")
    assert issue.severity == "warning" and issue.cell == "Q12" and "$2,500,000.00" in issue.message


def test_a_flawed_workbook_cannot_be_sealed(flawed):
    from employers.client.vector import NotSealable, vector_from
    from protocol.layout import layout_for

    assert flawed.status == "errors"
    with pytest.raises(NotSealable, match="error"):
        vector_from(flawed, layout_for())


def test_data_sheets_are_found_by_name_whatever_their_number_or_case():
    found = workbook_sheets(["Intro", "1 - NUMBER OF EMPLOYEES", "Compensation", "3.performance pay", "Tenure"])
    assert found == {"headcount": "1 - NUMBER OF EMPLOYEES", "compensation": "Compensation",
                     "performance_pay": "3.performance pay", "tenure": "Tenure"}


@pytest.mark.parametrize("year", [2023, 2024])
def test_the_empty_template_is_read_but_cannot_be_sealed(year):
    result = check_extract(TEMPLATES / f"bwwc-{year}-wage-gap-template.xlsx")
    assert result.summary.layout == f"bwwc-{year}" and result.status == "errors"
    assert [i.code for i in result.errors] == ["no_people"]
