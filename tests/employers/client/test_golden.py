"""Golden tests: the same four people in every supported shape give the vector worked out by hand.

The people (tests/employers/client/conftest.py):
  A1     2 Professionals, White, Female,    $85,000.00, bonus 1,000.00, 24 months,   2,080 h
  A2     2 Professionals, White, Female,    $90,000.50, no bonus,       36.5 months, hours blank
  Zoë-3  1.1 Executives,  Asian, Male,     $120,000.00, bonus 0,        120 months,  2,000 h
  A4     9 Service,       Hispanic, Nonbinary, $40,000, bonus 500.25,   6 months,    1,000.5 h
Cell index = (job * 9 + race) * 3 + gender, taxonomy order.
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction

import numpy as np
import pytest

from employers.client.check import check_extract
from employers.client.vector import vector_from
from protocol.layout import Aggregate, layout_for
from protocol.taxonomy import load
from tests.employers.client.samples import HEADER, ROWS, csv_text

LAYOUT = layout_for()
TAX = load()
PROF_WHITE_F = (2 * 9 + 1) * 3 + 0  # 57
EXEC_ASIAN_M = (0 * 9 + 4) * 3 + 1  # 13
SERV_HISP_NB = (9 * 9 + 0) * 3 + 2  # 245
PAY = {"A1": 8_500_000, "A2": 9_000_050, "Z3": 12_000_000, "A4": 4_000_000}


def _aggregate(path) -> Aggregate:
    result = check_extract(path)
    assert result.ok, [i.message for i in result.issues]
    assert result.summary.rows_read == 4 and result.summary.rows_used == 4
    return Aggregate(LAYOUT, vector_from(result, LAYOUT))


def assert_golden(agg: Aggregate) -> None:
    def cell_block(name):
        return agg.get(name).ravel()

    headcount = cell_block("headcount")
    assert headcount.sum() == 4
    assert headcount[PROF_WHITE_F] == 2 and headcount[EXEC_ASIAN_M] == 1 and headcount[SERV_HISP_NB] == 1
    assert cell_block("comp_sum")[PROF_WHITE_F] == 17_500_050
    assert cell_block("comp_sum")[EXEC_ASIAN_M] == 12_000_000
    assert cell_block("perf_sum")[PROF_WHITE_F] == 100_000
    assert cell_block("perf_sum")[SERV_HISP_NB] == 50_025
    assert cell_block("tenure_sum")[PROF_WHITE_F] == 2_400 + 3_650
    assert cell_block("perf_recipients")[PROF_WHITE_F] == 1 and cell_block("perf_recipients")[EXEC_ASIAN_M] == 0
    assert cell_block("hours_headcount")[PROF_WHITE_F] == 1
    assert cell_block("hours_sum")[PROF_WHITE_F] == 208_000
    assert cell_block("hours_sum")[SERV_HISP_NB] == 100_050
    assert cell_block("hours_comp_sum")[PROF_WHITE_F] == 8_500_000
    assert cell_block("comp_sumsq")[PROF_WHITE_F] == 8_500_000**2 + 9_000_050**2
    assert cell_block("tenure_sumsq")[PROF_WHITE_F] == 2_400**2 + 3_650**2
    assert cell_block("perf_sumsq")[SERV_HISP_NB] == 50_025**2
    for name in ("row_headcount", "row_comp_sum", "row_perf_sum", "row_tenure_sum"):
        assert (cell_block(name) == cell_block(name.replace("row_", "").replace("headcount", "headcount"))).all()
    assert agg.scalar("submissions") == 1 and agg.scalar("row_submissions") == 1
    assert agg.scalar("workbook_submissions") == 0
    # Table cells: J x G starts at 270; the grand total is the last of 440.
    employers, dominance = cell_block("employers"), cell_block("headcount_dominance")
    assert employers.sum() == 3 + 3 + 3 + 3 + 3 + 3 + 3 + 1 and employers[439] == 1
    assert dominance[270 + 2 * 3 + 0] == 4 and dominance[439] == 16
    total_pay = sum(PAY.values())
    assert cell_block("comp_dominance")[439] == total_pay**2
    assert cell_block("perf_dominance")[439] == (100_000 + 50_025) ** 2
    _assert_histograms(agg)
    _assert_quartiles(agg)
    _assert_regression(agg)


def _bin(dollars, edges) -> int:
    return bisect.bisect_right(edges, dollars) - 1


def _assert_histograms(agg: Aggregate) -> None:
    comp = agg.get("comp_hist")
    edges = TAX.compensation_bins_dollars
    prof_female = 2 * 3 + 0  # J x G hist cell
    white_female = 30 + 1 * 3 + 0  # R x G hist cell
    assert comp[prof_female, _bin(85_000, edges)] + comp[prof_female, _bin(90_000.50, edges)] == 2
    assert comp[prof_female].sum() == 2 and comp[white_female].sum() == 2
    assert comp.sum() == 8  # each person once in J x G and once in R x G
    perf = agg.get("perf_hist")
    assert perf.sum() == 4  # two recipients, twice each
    assert perf[prof_female, _bin(1_000, TAX.performance_pay_bins_dollars)] == 1


def _assert_quartiles(agg: Aggregate) -> None:
    # No ties: 40,000 < 85,000 < 90,000.50 < 120,000, one person per quarter.
    millis = agg.get("quartile_millis").ravel()
    expected = np.zeros(48, dtype=np.int64)
    expected[0 * 3 + 2] = expected[1 * 3 + 0] = expected[2 * 3 + 0] = expected[3 * 3 + 1] = 1000
    expected[12 + 0 * 9 + 0] = expected[12 + 1 * 9 + 1] = expected[12 + 2 * 9 + 1] = expected[12 + 3 * 9 + 4] = 1000
    assert millis.tolist() == expected.tolist()
    assert agg.get("quartile_employers").ravel().tolist() == (expected > 0).astype(int).tolist()
    assert agg.get("quartile_dominance").ravel().tolist() == (expected**2).tolist()


def _y(cents: int) -> int:
    return round(math.log(cents / 100) * 2**24)  # Python's round() is half-even


def _round_half_even(q: Fraction) -> int:
    return round(q)


def _assert_regression(agg: Aggregate) -> None:
    xtx = agg.get("reg_xtx")
    female = 0
    # Women: A1 (24 months) and A2 (36.5 -> 37 months), both in reference categories.
    assert xtx[female, 0] == 2  # intercept x intercept
    assert xtx[female, 18] == 24 + 37  # intercept x tenure (index 18 of 20)
    assert xtx[female, 207] == 24**2 + 37**2  # tenure x tenure
    assert xtx[female, 209] == 24**4 + 37**4  # tenure^2 x tenure^2
    y1, y2 = _y(PAY["A1"]), _y(PAY["A2"])
    assert agg.get("reg_xty")[female, 0] == y1 + y2
    assert agg.get("reg_xty")[female, 19] == 24**2 * y1 + 37**2 * y2
    assert agg.get("reg_yty")[female, 0] == y1**2 + y2**2
    assert agg.scalar("within_n") == 4 and agg.scalar("within_employers") == 1
    # Within-employer moments computed row by row with exact fractions (independent of the code).
    names = ["gender:female", "gender:nonbinary"] + [f"race:{c}" for c in
             ("hispanic", "black", "nhpi", "asian", "mena", "aian", "two_or_more", "unreported")] + \
            [f"job:{c}" for c in ("1.1", "1.2", "3", "4", "5", "6", "7", "8", "9")] + ["m", "m2"]
    people = [("female", "white", "2", 24, PAY["A1"]), ("female", "white", "2", 37, PAY["A2"]),
              ("male", "asian", "1.1", 120, PAY["Z3"]), ("nonbinary", "hispanic", "9", 6, PAY["A4"])]
    z = [[int(n in (f"gender:{g}", f"race:{r}", f"job:{j}")) for n in names[:-2]] + [m, m * m] for g, r, j, m, _ in people]
    y = [_y(p[4]) for p in people]
    n = len(people)
    mean = [Fraction(sum(row[k] for row in z), n) for k in range(21)]
    ybar = Fraction(sum(y), n)
    ztz = agg.get("within_ztz").ravel()
    pos = 0
    for i in range(21):
        for k in range(i, 21):
            exact = sum((row[i] - mean[i]) * (row[k] - mean[k]) for row in z)
            assert ztz[pos] == _round_half_even(exact * 2**24), (names[i], names[k])
            pos += 1
    zty = agg.get("within_zty").ravel()
    for i in range(21):
        exact = sum((row[i] - mean[i]) * (yy - ybar) for row, yy in zip(z, y, strict=True))
        assert zty[i] == _round_half_even(exact * 2**24)
    assert agg.scalar("within_yty") == _round_half_even(sum((yy - ybar) ** 2 for yy in y))


def test_a_utf8_csv_gives_the_hand_computed_vector(write_csv):
    assert_golden(_aggregate(write_csv(csv_text())))


def test_a_utf8_csv_with_bom_gives_the_same_vector(write_csv):
    assert_golden(_aggregate(write_csv(csv_text(), encoding="utf-8-sig")))


def test_a_latin1_csv_gives_the_same_vector(write_csv):
    assert_golden(_aggregate(write_csv(csv_text(), encoding="cp1252")))


def test_a_semicolon_csv_with_decimal_commas_gives_the_same_vector(write_csv):
    rows = [[c.replace(",", "").replace(".", ",") if i >= 4 else c for i, c in enumerate(r)] for r in ROWS]
    rows[0][4] = "85.000,00"  # European grouping and decimal comma
    assert_golden(_aggregate(write_csv(csv_text(rows, delimiter=";"))))


def test_a_crlf_csv_with_title_rows_and_blank_lines_gives_the_same_vector(write_csv):
    text = "Payroll extract 2026\nAcme Corp,,\n\n" + csv_text() + "\n\n"
    path = write_csv(text, newline="\r\n")
    result = check_extract(path)
    assert result.summary.blank_rows == 2
    assert_golden(_aggregate(path))


def test_an_xlsx_with_title_rows_on_a_later_sheet_gives_the_same_vector(write_xlsx):
    numeric = [[r[0], r[1], r[2], r[3], 85000.0 if i == 0 else r[4], 1000 if i == 0 else r[5], float(r[6]), r[7]]
               for i, r in enumerate(ROWS)]
    path = write_xlsx([HEADER, *numeric], title_rows=("Acme payroll", "as of 2026-12-31"), sheets_before=("Read me",))
    result = check_extract(path)
    assert result.summary.sheet == "Data"
    assert_golden(_aggregate(path))


def test_row_numbers_in_messages_are_the_ones_excel_shows(write_xlsx):
    rows = [HEADER, *ROWS, ["A5", "2", "White", "Female", "abc", "0", "5", ""]]
    result = check_extract(write_xlsx(rows, title_rows=("title",)))
    (issue,) = result.errors
    assert issue.row == 7 and issue.column == "Annual Compensation" and issue.value == "'abc'"


@pytest.mark.parametrize("year", [2023, 2024])
def test_a_boston_workbook_fills_only_the_blocks_it_can(boston_workbook, year):
    race_col = {"2023": "Q", "2024": "T"}[str(year)]  # American Indian/Alaska Native, Female
    path = boston_workbook(year, {
        "1.Number of Employees": {"B7": 3, f"{race_col}9": 2},
        "2.Compensation": {"B7": 600000.50, f"{race_col}9": 200000},
        "3.Performance Pay": {"B7": 30000},
        "4.Tenure": {"B7": 120, f"{race_col}9": 24.5},
    })
    result = check_extract(path)
    assert result.ok and result.summary.layout == f"bwwc-{year}"
    agg = Aggregate(LAYOUT, vector_from(result, LAYOUT))
    exec_hisp_f = 0
    prof_aian_f = (2 * 9 + 6) * 3 + 0
    headcount = agg.get("headcount").ravel()
    assert headcount[exec_hisp_f] == 3 and headcount[prof_aian_f] == 2 and headcount.sum() == 5
    assert agg.get("comp_sum").ravel()[exec_hisp_f] == 60_000_050
    assert agg.get("perf_sum").ravel()[exec_hisp_f] == 3_000_000
    assert agg.get("tenure_sum").ravel()[prof_aian_f] == 2_450  # total months -> hundredths
    assert agg.scalar("submissions") == 1 and agg.scalar("workbook_submissions") == 1
    assert agg.scalar("row_submissions") == 0
    assert agg.get("headcount_dominance").ravel()[439] == 25
    assert agg.get("comp_dominance").ravel()[439] == (60_000_050 + 20_000_000) ** 2
    # Two cells share the gender Female: 2 cells in each table but G (1) and the total (1).
    assert agg.get("employers").ravel()[439] == 1 and agg.get("employers").sum() == 2 * 6 + 1 + 1
    rows_blocks = [b.name for b in LAYOUT.blocks if b.source == "rows"]
    for name in rows_blocks:
        assert not np.any(np.asarray(agg.get(name), dtype=object) != 0), name
