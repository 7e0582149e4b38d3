"""Exact parsing of money, tenure and hours."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from employers.client.decimals import Status, parse_cells, parse_floats, parse_text


def parse_one(text: str) -> tuple[int, Status]:
    parsed = parse_text(np.array([text], dtype=object))
    return int(parsed.hundredths[0]), Status(parsed.status[0])


@pytest.mark.parametrize(("text", "cents"), [
    ("85000", 8_500_000), ("$85,000.00", 8_500_000), ("85,000.50", 8_500_050), (" 85000.5 ", 8_500_050),
    ("$ 1,234,567.8", 123_456_780), ("0.07", 7), (".5", 50), ("85000.", 8_500_000),
    ("85.000,50", 8_500_050), ("85 000,50", 8_500_050), ("85\u00a0000,50", 8_500_050), ("1,5", 150),
    ("1e5", 10_000_000), ("1.2E+05", 12_000_000), ("+5", 500), ("5e-1", 50),
])
def test_accepted_spellings_parse_to_exact_hundredths(text, cents):
    assert parse_one(text) == (cents, Status.OK)


@pytest.mark.parametrize(("text", "status"), [
    ("", Status.BLANK), ("   ", Status.BLANK), ("(1,200.00)", Status.NEGATIVE), ("-5", Status.NEGATIVE),
    ("5-", Status.NEGATIVE), ("85000.125", Status.TOO_MANY_DECIMALS), ("abc", Status.NOT_A_NUMBER),
    ("1e5x", Status.NOT_A_NUMBER), ("5e-3", Status.TOO_MANY_DECIMALS), ("1,2345", Status.NOT_A_NUMBER), ("12,34,567", Status.NOT_A_NUMBER),
    ("1,234.5.6", Status.NOT_A_NUMBER), ("$$5", Status.NOT_A_NUMBER), ("9" * 40, Status.NOT_A_NUMBER),
    ("99999999999999", Status.TOO_LARGE), ("\u0661\u0662", Status.NOT_A_NUMBER), ("--5", Status.NOT_A_NUMBER),
])
def test_refused_spellings_get_the_right_status(text, status):
    assert parse_one(text)[1] == status


@settings(max_examples=300)
@given(cents=st.integers(0, 10**12 - 1), style=st.sampled_from(["plain", "dollars", "european", "short"]))
def test_every_formatting_of_an_amount_parses_back_to_the_same_cents(cents, style):
    whole, frac = divmod(cents, 100)
    text = {
        "plain": f"{whole}.{frac:02d}",
        "dollars": f"${whole:,}.{frac:02d}",
        "european": f"{whole:,}".replace(",", ".") + f",{frac:02d}",
        "short": f"{whole}" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0"),
    }[style]
    assert parse_one(text) == (cents, Status.OK)


@settings(max_examples=300)
@given(cents=st.integers(0, 10**10))
def test_a_float_cell_holding_a_cent_amount_converts_exactly_like_its_decimal_repr(cents):
    x = cents / 100
    expected = int(Decimal(repr(x)) * 100)
    parsed = parse_floats(np.array([x]))
    assert parsed.status[0] == Status.OK and parsed.hundredths[0] == expected == cents


def test_float_noise_from_formulas_rounds_but_a_real_third_decimal_is_refused():
    parsed = parse_floats(np.array([93500.00000000001, 85000.125, 0.1 + 0.2, -1.0, np.nan, np.inf]))
    assert parsed.hundredths[:3].tolist() == [9_350_000, 0, 30]
    assert parsed.status.tolist() == [Status.OK, Status.TOO_MANY_DECIMALS, Status.OK, Status.NEGATIVE,
                                      Status.BLANK, Status.NOT_A_NUMBER]


def test_mixed_spreadsheet_cells_are_parsed_by_their_type():
    import datetime as dt

    cells = np.array(["$1,000.00", 2500, 12.5, None, dt.date(2024, 1, 1), True, ""], dtype=object)
    parsed = parse_cells(cells)
    assert parsed.hundredths[:3].tolist() == [100_000, 250_000, 1_250]
    assert parsed.status.tolist() == [0, 0, 0, Status.BLANK, Status.NOT_A_NUMBER, Status.NOT_A_NUMBER, Status.BLANK]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(
    st.integers(0, 10**10).map(lambda c: f"{c // 100}.{c % 100:02d}"),
    st.sampled_from(["12", "7.5", "0.125", "1e3", "+4", "85000.0000001", "85000.000000001", ""]),
), min_size=1, max_size=30))
def test_a_value_reads_the_same_in_a_plain_numeric_column_and_in_a_text_column(tmp_path, texts):
    from employers.client.check import check_extract
    from tests.employers.client.samples import HEADER

    rows = [[f"E{i}", "2", "White", "Female", "$1,000.00", t or "", "12", t] for i, t in enumerate(texts)]
    rows[0][7] = rows[0][7] + " h" if rows[0][7] else "x"  # the hours column becomes a text column
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n")
    result = check_extract(path, parallel=False)
    numeric = {i.row: i.code for i in result.issues if i.column == "Performance Pay"}
    text = {i.row: i.code for i in result.issues if i.column == "Annual Hours" and i.row != 2}
    assert {r: c for r, c in numeric.items() if r != 2} == text


def test_plain_numeric_csv_columns_arrive_as_numbers_and_keep_exact_cents(tmp_path):
    from employers.client.check import check_extract
    from tests.employers.client.samples import HEADER

    path = tmp_path / "plain.csv"
    path.write_text(",".join(HEADER) + "\nE1,2,White,Female,85000.07,0.1,24,2080\n")
    result = check_extract(path, parallel=False)
    assert result.ok and result.people.compensation.tolist() == [8_500_007]
    assert result.people.performance_pay.tolist() == [10]


SPACES = " \t\u00a0\u2007\u2009\u202f"


def reference_parse(text: str) -> tuple[int, Status]:
    """The grammar of decimals.py written out plainly, one character at a time."""
    if not text.strip(SPACES):
        return 0, Status.BLANK
    c = "".join(ch for ch in text if ch not in SPACES)
    if any(ch not in "0123456789.,$-()" for ch in c) or not any(ch.isdigit() for ch in c):
        return 0, Status.NOT_A_NUMBER
    minus, lpar, rpar = c.count("-"), c.count("("), c.count(")")
    signed = minus + lpar + rpar > 0
    minus_form = minus == 1 and lpar + rpar == 0 and (c[0] == "-" or c[-1] == "-")
    paren_form = minus == 0 and lpar == 1 and rpar == 1 and c[0] == "(" and c[-1] == ")"
    first_digit = next(i for i, ch in enumerate(c) if ch.isdigit())
    dollar_ok = c.count("$") == 0 or (c.count("$") == 1 and c.index("$") < first_digit)

    def digits_after(i: int) -> int:
        return sum(ch.isdigit() for ch in c[i + 1 :])

    dots, commas = c.count("."), c.count(",")
    last_dot, last_comma = c.rfind("."), c.rfind(",")
    if dots and (not commas or last_dot > last_comma):
        mark, group, ok = ".", ",", dots == 1
    elif dots and commas:
        mark, group, ok = ",", ".", commas == 1
    elif commas == 1 and digits_after(last_comma) in (1, 2):
        mark, group, ok = ",", None, True
    else:
        mark, group, ok = None, ",", True
    frac = digits_after(c.rfind(mark)) if mark else 0
    rights = [digits_after(i) - frac for i, ch in enumerate(c) if ch == group]
    g = len(rights)
    grouping_ok = all(r > 0 and r % 3 == 0 for r in rights) and max(rights, default=0) == 3 * g \
        and sum(rights) == 3 * g * (g + 1) // 2
    if not (ok and dollar_ok and grouping_ok and (not signed or minus_form or paren_form)):
        return 0, Status.NOT_A_NUMBER
    if signed:
        return 0, Status.NEGATIVE
    if frac > 2:
        return 0, Status.TOO_MANY_DECIMALS
    digits = "".join(ch for ch in c if ch.isdigit())
    integer = int(digits[: len(digits) - frac] or "0")
    if integer >= 10**12:
        return 0, Status.TOO_LARGE
    return int(digits) * 10 ** (2 - frac), Status.OK


@settings(max_examples=1500, deadline=None)
@given(texts=st.lists(st.text(alphabet="0123456789.,$-() \u00a0", min_size=0, max_size=16), min_size=1, max_size=40))
def test_the_vectorised_parser_agrees_with_a_plain_reading_of_its_grammar(texts):
    parsed = parse_text(np.array(texts, dtype=object))
    for text, cents, status in zip(texts, parsed.hundredths, parsed.status, strict=True):
        assert (int(cents), Status(status)) == reference_parse(text), repr(text)


@pytest.mark.parametrize("text", ["18446744073709551716", "00000000000000000000000000000005"])
def test_digit_strings_longer_than_int64_are_refused_or_read_exactly(text):
    # 2^64 + 100 once wrapped around to 100 cents in a 64-bit accumulator.
    expected = (0, Status.TOO_LARGE) if int(text) >= 10**12 else (int(text) * 100, Status.OK)
    assert parse_one(text) == expected
