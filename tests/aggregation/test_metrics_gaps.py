"""Raw gaps from published cells: correct where published, absent where anything is suppressed."""

from __future__ import annotations

import pandas as pd
import pytest

from aggregation.metrics.gaps import (
    gender_gaps,
    intersectional_gaps,
    job_category_gaps,
    release_gap_metrics,
    representation_by_job,
)
from protocol.release import release_from_json

JOBS = ["2 Professionals", "3 Technicians"]
GENDERS = ["Female", "Male", "Nonbinary"]


def document(tables: list[dict]):
    """A release document with these tables (the fields the gaps do not read filled in)."""
    return release_from_json({"format": "talent-compact-release/1", "cycle": "2026", "taxonomy": "compact-2026",
                              "participants": 12, "policy": {}, "tables": tables})


def cell(status="published", **figures):
    return {"status": status, **figures}


@pytest.fixture
def release():
    def t(dims, cells, cohort=None):
        return {"cohort": cohort or {"kind": "all"}, "dimensions": dims, "cells": cells}

    return document([
            t(["gender"], [
                {"gender": "Female", **cell(headcount=500, compensation_mean=80000.0, compensation_median=70000.0,
                                            performance_pay_mean=2000.0)},
                {"gender": "Male", **cell(headcount=500, compensation_mean=100000.0, compensation_median=80000.0,
                                          performance_pay_mean=5000.0)},
                {"gender": "Nonbinary", "status": "suppressed"},
            ]),
            t(["job_category", "gender"], [
                {"job_category": "2 Professionals", "gender": "Female", **cell(headcount=100, compensation_mean=96000.0)},
                {"job_category": "2 Professionals", "gender": "Male", **cell(headcount=100, compensation_mean=100000.0)},
                {"job_category": "2 Professionals", "gender": "Nonbinary", **cell(headcount=0, compensation_mean=None)},
                {"job_category": "3 Technicians", "gender": "Female", "status": "suppressed"},
                {"job_category": "3 Technicians", "gender": "Male", **cell(headcount=50, compensation_mean=60000.0)},
                {"job_category": "3 Technicians", "gender": "Nonbinary", **cell(headcount=0, compensation_mean=None)},
            ]),
            t(["race_ethnicity", "gender"], [
                {"race_ethnicity": "White", "gender": "Male", **cell(headcount=300, compensation_mean=110000.0)},
                {"race_ethnicity": "Black or African American", "gender": "Female",
                 **cell(headcount=40, compensation_mean=55000.0)},
                {"race_ethnicity": "Asian", "gender": "Female", "status": "suppressed"},
            ]),
            t(["gender"], [
                {"gender": "Female", **cell(headcount=50, compensation_mean=90000.0)},
                {"gender": "Male", **cell(headcount=55, compensation_mean=90000.0)},
            ], cohort={"kind": "industry", "value": "IT"}),
    ])


def test_the_headline_gaps_are_men_minus_women_over_men(release):
    gaps = gender_gaps(release, cohort="all")
    assert gaps["compensation_mean"]["gap"] == pytest.approx(0.20)
    assert gaps["compensation_median"]["gap"] == pytest.approx(0.125)
    assert gaps["performance_pay_mean"]["gap"] == pytest.approx(0.60)
    assert gaps["compensation_mean"]["cents_per_dollar"] == pytest.approx(80.0)


def test_the_same_formula_as_a_direct_pandas_computation():
    rows = pd.DataFrame({"gender": ["Male"] * 3 + ["Female"] * 2, "pay": [90e3, 100e3, 110e3, 70e3, 90e3]})
    means = rows.groupby("gender")["pay"].mean()
    direct = (means["Male"] - means["Female"]) / means["Male"]
    release = document([{"cohort": {"kind": "all"}, "dimensions": ["gender"], "cells": [
        {"gender": g, "status": "published", "headcount": 5, "compensation_mean": float(means[g])} for g in means.index
    ]}])
    assert gender_gaps(release, cohort="all")["compensation_mean"]["gap"] == pytest.approx(direct)


def test_a_gap_needs_both_cells_published(release):
    rows = {r["job_category"]: r for r in job_category_gaps(release, cohort="all", jobs=JOBS)}
    assert rows["2 Professionals"]["mean_gap"] == pytest.approx(0.04) and rows["2 Professionals"]["flag"] is False
    assert rows["3 Technicians"]["mean_gap"] is None and rows["3 Technicians"]["flag"] is False
    assert rows["2 Professionals"]["median_gap"] is None  # no medians published for these cells


def test_the_eu_five_percent_flag():
    release = document([{"cohort": {"kind": "all"}, "dimensions": ["job_category", "gender"], "cells": [
        {"job_category": "2 Professionals", "gender": "Male", "status": "published", "compensation_mean": 100.0},
        {"job_category": "2 Professionals", "gender": "Female", "status": "published", "compensation_mean": 95.0},
    ]}])
    assert job_category_gaps(release, cohort="all", jobs=["2 Professionals"])[0]["flag"] is True


def test_intersectional_gaps_are_against_white_men(release):
    rows = intersectional_gaps(release, cohort="all", races=["Black or African American", "Asian"], genders=["Female"])
    black, asian = rows
    assert black["cents_per_dollar"] == pytest.approx(50.0) and black["mean_gap"] == pytest.approx(0.5)
    assert asian["mean_gap"] is None


def test_representation_is_withheld_when_women_or_men_are_suppressed_and_partial_otherwise(release):
    rows = {r["job_category"]: r for r in representation_by_job(release, cohort="all", jobs=JOBS, genders=GENDERS)}
    assert rows["2 Professionals"]["shares"] == {"Female": 0.5, "Male": 0.5, "Nonbinary": 0.0}
    assert rows["2 Professionals"]["withheld"] == []
    assert rows["3 Technicians"]["shares"] is None


def test_representation_of_women_and_men_is_stated_when_only_a_small_gender_is_withheld():
    doc = document([{"cohort": {"kind": "all"}, "dimensions": ["job_category", "gender"], "cells": [
        {"job_category": "2 Professionals", "gender": "Female", **cell(headcount=300)},
        {"job_category": "2 Professionals", "gender": "Male", **cell(headcount=100)},
        {"job_category": "2 Professionals", "gender": "Nonbinary", "status": "suppressed"},
    ]}])
    row = representation_by_job(doc, cohort="all", jobs=["2 Professionals"], genders=GENDERS)[0]
    assert row["shares"] == {"Female": 0.75, "Male": 0.25} and row["withheld"] == ["Nonbinary"]


def test_every_cohort_in_the_release_gets_its_metrics(release):
    metrics = release_gap_metrics(release, jobs=JOBS, races=["White"], genders=GENDERS)
    assert list(metrics) == ["all", "industry:IT"]
    assert metrics["industry:IT"]["gender"]["compensation_mean"]["gap"] == pytest.approx(0.0)
