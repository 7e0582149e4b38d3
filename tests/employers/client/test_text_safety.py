"""Sanitisers and the alias tables."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from employers.client.aliases import _parse, alias_key, aliases_for
from employers.client.sanitise import for_csv_cell, for_path, for_terminal
from protocol.taxonomy import TAXONOMY_DIR, load


def test_terminal_text_has_control_and_bidi_characters_escaped():
    shown = for_terminal("ok\x1b[31mred\x07\u202egnp.exe\u200b\n")
    assert shown == "ok\\x1b[31mred\\x07\\u202egnp.exe\\u200b\\n"
    assert for_terminal(shown) == shown  # idempotent


def test_terminal_text_is_cut_to_a_readable_length():
    assert for_terminal("x" * 500) == "x" * 80 + "\u2026"


LONG_DIR = "/home/payroll/shared/Human Resources/Compensation/2026 pay-equity compact/december/"


def test_a_long_path_is_shortened_in_its_directory_never_in_the_file_name():
    path = LONG_DIR + "acme-payroll-extract-final-v3.csv"
    assert for_path(path) == "\u2026/2026 pay-equity compact/december/acme-payroll-extract-final-v3.csv"
    assert for_path("C:\\Users\\hr\\" + "x" * 70 + "\\payroll.csv") == "\u2026\\payroll.csv"
    assert for_path("/tmp/payroll.csv") == "/tmp/payroll.csv"
    name = "payroll-" + "very-long-" * 12 + "name.csv"
    assert for_path(name) == name and for_path("/data/" + name) == "\u2026/" + name
    assert for_path("/d/\x1b[2Jx" + "y" * 90 + ".csv").startswith("\u2026/\\x1b[2Jx")  # still escaped


@given(st.lists(st.text(st.characters(blacklist_characters="/\\", blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs")),
                        min_size=1, max_size=30), min_size=1, max_size=8))
def test_a_shortened_path_ends_with_the_whole_file_name_and_fits_unless_the_name_alone_does_not(parts):
    path = "/".join(parts)
    shown = for_path(path)
    assert shown.endswith(parts[-1])
    if len(path) <= 80:
        assert shown == path
    else:
        assert shown.startswith("\u2026")
        assert len(shown) <= max(81, len(parts[-1]) + 2)
        assert path.endswith(shown[1:])  # a true tail of the path, starting at a separator (or the name)


def test_a_message_about_a_file_deep_in_folders_names_the_whole_file(tmp_path, capsys):
    from employers.client.cli import main

    deep = tmp_path / ("quarterly-reports-" * 3) / "human-resources-compensation"
    deep.mkdir(parents=True)
    path = deep / "acme-december-payroll-extract.csv"
    path.write_text("")
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert len(str(path)) > 80 and "/acme-december-payroll-extract.csv: cannot be checked." in out
    assert "acme-december-payroll-extract.csv: found an empty file" in out


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
