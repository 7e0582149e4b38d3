"""The release draft and its export: contract shape, no leaks in the format, CSV safety."""

import csv
import io
import json
from dataclasses import replace

import numpy as np
import pytest

from aggregation.disclosure import ReleaseRefused, release_document, release_to_csv
from aggregation.disclosure.export import csv_safe
from aggregation.disclosure.primary import CellStatus
from protocol.release import release_from_json
from protocol.taxonomy import DIMENSIONS

FIGURES = {"headcount", "compensation_mean", "performance_pay_mean", "tenure_mean_months",
           "compensation_median"}


def test_the_release_has_every_table_of_every_cohort_and_the_contract_fields(scenario):
    pop, draft, release = scenario
    doc = release.document
    assert doc["format"] == "talent-compact-release/1"
    assert (doc["cycle"], doc["taxonomy"], doc["participants"]) == ("2026", "compact-2026", 16)
    assert doc["policy"]["min_employees"] == 10 and doc["policy"]["min_employers"] == 5
    assert doc["policy"]["rounding"]["headcount"] == 5
    assert set(doc["audit"]) == {"worst_protection_ratio", "exact_disclosures", "narrowest_interval"}
    assert doc["audit"]["exact_disclosures"] == 0
    assert doc["metrics"] == {}
    cohorts = {(t["cohort"]["kind"], t["cohort"].get("value")) for t in doc["tables"]}
    assert cohorts == {c.key for c in draft.cohorts if c.published}
    published = {d["cohort"] for d in doc["plan"]["decisions"] if d["action"] == "publish"}
    assert len(published) == len(cohorts)
    assert doc["utility"]["safe_cells_published"] <= doc["utility"]["safe_cells"]
    assert len(doc["tables"]) == 8 * len(cohorts)
    for table in doc["tables"]:
        assert set(table["dimensions"]) <= set(DIMENSIONS)
        for cell in table["cells"]:
            assert set(cell) - FIGURES - {"status"} == set(table["dimensions"])
            if cell["status"] == "suppressed":
                assert not FIGURES & set(cell)
            else:
                assert cell["status"] == "published"
                assert cell["headcount"] % 5 == 0
    json.dumps(doc)  # serialisable


def test_published_cells_pass_the_thresholds_and_figures_are_rounded(scenario):
    pop, draft, release = scenario
    space = draft.space
    for g in np.flatnonzero(draft.status.ravel() == CellStatus.PUBLISHED):
        k, i = space.split(g)
        cohort = draft.cohorts[k]
        assert cohort.headcount[i] >= 10 and cohort.employers[i] >= 5
        assert draft.figures.means["compensation"][g] % 100 == 0
    assert draft.certificate.suppressed_primary > 0
    assert draft.certificate.suppressed_secondary > 0


def test_medians_appear_only_on_histogram_tables_with_twenty_people(scenario):
    pop, draft, release = scenario
    seen = 0
    for table in release.document["tables"]:
        for cell in table["cells"]:
            if "compensation_median" in cell:
                seen += 1
                assert set(table["dimensions"]) <= {"job_category", "gender"} or set(
                    table["dimensions"]) <= {"race_ethnicity", "gender"}
                assert cell["headcount"] >= 20
                assert cell["compensation_median"] % 100 == 0
    assert seen > 0


def test_it_refuses_to_export_a_release_whose_audit_failed(scenario):
    pop, draft, release = scenario
    failed = replace(draft, certificate=replace(draft.certificate, passed=False))
    with pytest.raises(ReleaseRefused, match="audit refused"):
        release_document(failed, cycle="2026", taxonomy="compact-2026", participants=16)


def test_the_release_never_shows_p_or_employer_counts(scenario):
    pop, draft, release = scenario
    text = json.dumps(release.document)
    assert "p_percent" not in text and "dominance" not in text

    def keys(node):
        if isinstance(node, dict):
            for k, v in node.items():
                yield k
                yield from keys(v)
        elif isinstance(node, list):
            for v in node:
                yield from keys(v)

    assert not {k for k in keys(release.document) if k.endswith("employers")} - {"min_employers"}


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_fields_cannot_start_a_formula(value):
    assert csv_safe(value) == "'" + value


def test_the_csv_has_one_row_per_cell_and_neutralises_formulas(scenario):
    pop, draft, release = scenario
    doc = json.loads(json.dumps(release.document))
    doc["tables"][0]["cells"][0]["job_category"] = "=cmd|' /C calc'!A0"
    rows = list(csv.reader(io.StringIO(release_to_csv(release_from_json(doc)))))
    assert len(rows) - 1 == sum(len(t["cells"]) for t in doc["tables"])
    assert rows[1][3].startswith("'=")
    assert all(not field.startswith(("=", "+", "@")) for row in rows for field in row)
