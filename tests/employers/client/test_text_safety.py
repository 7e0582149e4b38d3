"""Sanitisers and the alias tables."""

from __future__ import annotations

import json

import pytest

from employers.client.aliases import _parse, alias_key, aliases_for
from employers.client.sanitise import for_csv_cell, for_terminal
from protocol.taxonomy import TAXONOMY_DIR, load


def test_terminal_text_has_control_and_bidi_characters_escaped():
    shown = for_terminal("ok\x1b[31mred\x07\u202egnp.exe\u200b\n")
    assert shown == "ok\\x1b[31mred\\x07\\u202egnp.exe\\u200b\\n"
    assert for_terminal(shown) == shown  # idempotent


def test_terminal_text_is_cut_to_a_readable_length():
    assert for_terminal("x" * 500) == "x" * 80 + "\u2026"


@pytest.mark.parametrize("text", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "  =HYPERLINK(1)"])
def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote_prefix(text):
    cell = for_csv_cell(text)
    assert cell.startswith("'") and "\t" not in cell and "\r" not in cell


def test_plain_csv_cells_are_left_alone():
    assert for_csv_cell("Annual Compensation") == "Annual Compensation"


def test_matching_ignores_case_accents_spaces_and_punctuation():
    aliases = aliases_for()
    assert alias_key("EEO-1  Category") == alias_key("eeo1category")
    assert aliases.field_of_header(" w-2 box 1 ") == "compensation"
    assert aliases.value_index("race_ethnicity", "two or more races (not hispanic or latinx)") == 7
    assert aliases.value_index("race_ethnicity", "LATINÉ") == 0
    assert aliases.value_index("job_category", "1.2") == aliases.value_index("job_category", "EEO-1 1.2") == 1
    assert aliases.value_index("gender", "W") == aliases.value_index("gender", "woman") == 0


def test_every_boston_workbook_spelling_is_understood():
    aliases = aliases_for()
    for spelling in ["Hispanic/Latinx", "Black/African American", "Native Hawaiian or Pacific Islander",
                     "American Indian/Alaska Native", "Two or More Races (Not Hispanic or Latinx)",
                     "Middle Eastern/North African", "Unreported"]:
        assert aliases.value_index("race_ethnicity", spelling) is not None, spelling
    for category in load().job_category:
        name = category.label.split(" ", 1)[1]
        assert aliases.value_index("job_category", name) == load().index_of("job_category", category.code)


def _raw():
    return json.loads((TAXONOMY_DIR / "_aliases-compact-2026.json").read_text(encoding="utf-8"))


def test_an_alias_shared_by_two_values_is_refused_when_loading():
    raw = _raw()
    raw["values"]["gender"]["male"].append("W")
    with pytest.raises(ValueError, match="also belongs"):
        _parse(load(), raw)


def test_a_table_missing_a_category_code_is_refused_when_loading():
    raw = _raw()
    raw["values"]["job_category"]["1.1"].remove("1.1")
    with pytest.raises(ValueError, match="lack '1.1'"):
        _parse(load(), raw)
