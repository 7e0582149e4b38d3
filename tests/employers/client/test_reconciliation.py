"""Reconciliation totals: exact sums of the people who count, per gender and in all, in the
check's summary, its JSON and the terminal report."""

from __future__ import annotations

import shutil
from decimal import Decimal

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from employers.client.check import check_extract, check_frame
from employers.client.cli import main
from employers.client.reconciliation import grouped_dollars, hundredths_text
from tests.employers.client.samples import HEADER, ROWS, TEMPLATES, csv_text

GENDERS = ["Female", "Male", "Nonbinary"]


def test_the_golden_extract_totals_are_worked_out_by_hand(write_csv):
    totals = check_extract(write_csv(csv_text())).summary.as_dict()["totals"]
    assert totals["total"] == {"label": "Total", "people": 4, "compensation": "335000.50", "performance_pay": "1500.25",
                               "performance_pay_recipients": 2, "tenure_months": "186.50"}
    assert [line["label"] for line in totals["by_gender"]] == GENDERS
    assert totals["by_gender"][0]["compensation"] == "175000.50" and totals["by_gender"][0]["people"] == 2


def test_rows_left_out_are_in_no_total(write_csv):
    rows = [r[:] for r in ROWS] + [["A5", "2 Professionals", "Martian", "Female", "50000", "0", "1", ""],
                                   ["A6", "2 Professionals", "White", "Female", "0", "0", "1", ""]]
    result = check_extract(write_csv(csv_text(rows)))
    assert result.summary.rows_excluded == 2
    assert result.summary.totals.total.people == 4 and result.summary.totals.total.compensation == 33_500_050


amounts = st.integers(min_value=1, max_value=100_000_000_00)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(GENDERS), amounts, st.integers(0, 10_000_000_00), st.integers(0, 120_000)),
                min_size=1, max_size=40))
def test_totals_are_the_exact_decimal_sums_and_genders_add_up_to_the_total(people):
    frame = pd.DataFrame({
        "Employee ID": [f"E{k}" for k in range(len(people))],
        "Job Category": "2 Professionals", "Race/Ethnicity": "Asian",
        "Gender": [g for g, *_ in people],
        "Annual Compensation": [hundredths_text(c) for _, c, _, _ in people],
        "Performance Pay": [hundredths_text(p) for _, _, p, _ in people],
        "Tenure (months)": [hundredths_text(t) for *_, t in people],
    })
    totals = check_frame(frame).summary.totals
    assert totals.total.compensation == sum(c for _, c, _, _ in people)
    assert Decimal(totals.total.as_dict()["compensation"]) == sum(Decimal(c) / 100 for _, c, _, _ in people)
    assert totals.total.recipients == sum(1 for _, _, p, _ in people if p > 0)
    for field in ("people", "compensation", "performance_pay", "recipients", "tenure"):
        assert sum(getattr(line, field) for line in totals.by_gender) == getattr(totals.total, field)


def test_a_boston_workbook_totals_come_from_its_data_sheets(tmp_path):
    path = tmp_path / "bwwc-2024.xlsx"
    shutil.copy(TEMPLATES / "bwwc-2024-wage-gap-template.xlsx", path)
    workbook = openpyxl.load_workbook(path)
    for sheet, value in (("1.Number of Employees", 12), ("2.Compensation", 1_020_000.5), ("3.Performance Pay", 7),
                         ("4.Tenure", 480)):
        workbook[sheet]["E10"] = value
    workbook.save(path)
    totals = check_extract(path).summary.as_dict()["totals"]["total"]
    assert totals == {"label": "Total", "people": 12, "compensation": "1020000.50", "performance_pay": "7.00",
                      "performance_pay_recipients": None, "tenure_months": "480.00"}


def test_check_prints_the_totals_for_reconciliation(capsys, write_csv):
    assert main(["check", str(write_csv(csv_text()))]) == 0
    out = capsys.readouterr().out
    assert "Totals to reconcile with payroll (the people used; rows left out are not in them):" in out
    total = next(line for line in out.splitlines() if line.strip().startswith("Total ") and "$" in line)
    assert total.split() == ["Total", "4", "$335,000.50", "$1,500.25", "2", "186.50"]
    assert "Receiving it" in out and HEADER[0] not in total


def test_money_is_grouped_without_rounding():
    assert grouped_dollars(5_000_000 * 100_000_000_00 - 1) == "$499,999,999,999,999.99"
    assert hundredths_text(5) == "0.05" and hundredths_text(-250) == "-2.50"
