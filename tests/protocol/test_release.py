"""The release document's one reader and one writer: a written document reads back and writes
again to the same bytes, and the cohort key has one spelling."""

from __future__ import annotations

import json

import pytest

from protocol.release import (
    ALL,
    CohortKey,
    ReleaseFormatError,
    cohort_key,
    release_from_json,
    release_to_json,
)
from tests.factories import synthetic_release


def test_a_written_release_reads_back_and_writes_the_same_bytes():
    document, _ = synthetic_release(10)
    again = release_to_json(release_from_json(json.loads(json.dumps(document))))
    assert json.dumps(again) == json.dumps(document)


def test_a_structural_zero_keeps_its_null_means_and_has_no_median():
    document = {"format": "talent-compact-release/1", "cycle": "2026", "taxonomy": "compact-2026",
                "participants": 9, "policy": {"version": "v"}, "metrics": {}, "audit": {},
                "tables": [{"cohort": {"kind": "size", "value": "500+"}, "dimensions": ["gender"], "cells": [
                    {"gender": "Nonbinary", "status": "published", "headcount": 0, "compensation_mean": None,
                     "performance_pay_mean": None, "tenure_mean_months": None},
                    {"gender": "Female", "status": "suppressed"}]}]}
    release = release_from_json(document)
    assert release_to_json(release) == document
    zero, hidden = release.tables[0].cells
    assert zero.figure("compensation_mean") is None and hidden.figure("headcount") is None


def test_the_cohort_key_and_label_have_one_spelling():
    assert ALL.key == "all" and ALL.label == "All employers"
    assert CohortKey("industry", "IT").key == "industry:IT" == cohort_key("industry", "IT")
    assert CohortKey("size", "500+").label == "Size band: 500+"
    assert cohort_key("all", "") == cohort_key("all", None) == "all"
    assert CohortKey.parse("industry:Financial Services") == CohortKey("industry", "Financial Services")


def test_a_document_that_is_not_a_release_is_refused_with_a_reason():
    with pytest.raises(ReleaseFormatError, match="not a Talent Compact release"):
        release_from_json({"format": "talent-compact-sealed/1"})
    with pytest.raises(ReleaseFormatError, match="no 'tables'"):
        release_from_json({"format": "talent-compact-release/1", "cycle": "2026", "taxonomy": "t",
                           "participants": 3, "policy": {}})


def test_plan_utility_merged_cohorts_and_withheld_figures_read_back_and_write_the_same():
    doc = {
        "format": "talent-compact-release/1", "cycle": "2026", "taxonomy": "compact-2026",
        "participants": 40, "policy": {"rounding": {"headcount": 5}},
        "tables": [{
            "cohort": {"kind": "size", "value": "1-499", "covers": ["1-49", "50-199", "200-499"]},
            "dimensions": ["gender"],
            "cells": [
                {"gender": "Female", "status": "published", "headcount": 120,
                 "compensation_mean": 70100.0, "performance_pay_mean": None,
                 "tenure_mean_months": 40.0, "withheld": ["performance_pay_mean"]},
                {"gender": "Male", "status": "suppressed"},
            ],
        }],
        "metrics": {}, "audit": {"exact_disclosures": 0},
        "plan": {"decisions": [{"cohort": "size:500+", "action": "drop", "reason": "why"}]},
        "utility": {"overall": {"share_published": 0.5}},
    }
    release = release_from_json(doc)
    assert release.tables[0].cohort.covers == ("1-49", "50-199", "200-499")
    assert release.tables[0].cohort.key == "size:1-499"
    female = release.tables[0].cells[0]
    assert female.withheld == ("performance_pay_mean",)
    assert female.figure("performance_pay_mean") is None
    assert release.plan["decisions"][0]["action"] == "drop"
    assert release_to_json(release) == doc


def test_a_withheld_list_that_names_no_figure_is_refused():
    doc = {
        "format": "talent-compact-release/1", "cycle": "2026", "taxonomy": "compact-2026",
        "participants": 40, "policy": {}, "metrics": {}, "audit": {},
        "tables": [{"cohort": {"kind": "all"}, "dimensions": [], "cells": [
            {"status": "published", "headcount": 10, "withheld": ["salary"]}]}],
    }
    with pytest.raises(ReleaseFormatError, match="withheld"):
        release_from_json(doc)
