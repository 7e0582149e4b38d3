"""Cohort totals from a layout aggregate, primary rules and rounding."""

from fractions import Fraction

import numpy as np
import pytest

from aggregation.disclosure import DisclosurePolicy, cohort_totals_from_aggregate
from aggregation.disclosure.audit import audit_targets
from aggregation.disclosure.cohorts import CohortError
from aggregation.disclosure.figures import round_to, rounded_headcount
from aggregation.disclosure.primary import CellStatus, Reason, cell_reasons, primary_suppress
from aggregation.disclosure.space import ReleaseSpace
from aggregation.disclosure.tables import structure_for
from protocol.layout import Aggregate, VectorBuilder, layout_for

POLICY = DisclosurePolicy()


def employer_vector(cells: dict[int, tuple[int, int]], perf: dict[int, int] | None = None):
    """One employer's vector: {finest cell: (headcount, compensation cents)}, and performance
    pay in cents per finest cell where ``perf`` gives it."""
    layout = layout_for()
    structure = structure_for()
    b = VectorBuilder(layout)
    h = np.zeros(270, dtype=np.int64)
    c = np.zeros(270, dtype=np.int64)
    p = np.zeros(270, dtype=np.int64)
    for f, (hc, comp) in cells.items():
        h[f], c[f] = hc, comp
    for f, cents in (perf or {}).items():
        p[f] = cents
    table_h = structure.finest.astype(np.int64) @ h
    table_c = structure.finest.astype(np.int64) @ c
    table_p = structure.finest.astype(np.int64) @ p
    b.set("headcount", h)
    b.set("comp_sum", c)
    b.set("tenure_sum", h * 6000)
    b.set("employers", (table_h > 0).astype(np.int64))
    b.set("headcount_dominance", table_h**2)
    b.set("comp_dominance", [int(v) ** 2 for v in table_c])
    b.set("perf_sum", p)
    b.set("perf_dominance", [int(v) ** 2 for v in table_p])
    return b.elements()


def aggregate(*vectors):
    total = np.sum(np.stack(vectors), axis=0, dtype=np.uint64)
    return Aggregate(layout_for(), total)


def test_cohort_totals_sum_margins_and_keep_dominance_exact():
    big = 10**11  # cents: squares exceed 2^64
    agg = aggregate(employer_vector({0: (3, big), 5: (4, 400)}), employer_vector({0: (2, big)}))
    cohort = cohort_totals_from_aggregate(agg, kind="all", value=None, atoms={"a | b"})
    structure = cohort.structure
    total = structure.n_cells - 1
    assert cohort.headcount[0] == 5 and cohort.headcount[total] == 9
    assert cohort.comp_sum[total] == 2 * big + 400
    assert cohort.employers[0] == 2 and cohort.employers[total] == 2
    assert cohort.comp_dominance[0] == 2 * big * big
    assert cohort.comp_dominance[total] == (big + 400) ** 2 + big**2
    # Every table adds up to the grand total.
    for table in structure.tables:
        assert cohort.headcount[list(table.cells)].sum() == 9


def test_it_refuses_a_cohort_without_atoms_or_with_a_value_for_all():
    agg = aggregate(employer_vector({0: (3, 100)}))
    with pytest.raises(CohortError):
        cohort_totals_from_aggregate(agg, kind="all", value=None, atoms=set())
    with pytest.raises(CohortError):
        cohort_totals_from_aggregate(agg, kind="all", value="x", atoms={"a | b"})


def test_primary_rules_name_every_reason_and_leave_empty_cells_as_structural_zeros():
    five_equal = [employer_vector({0: (4, 400_000)}) for _ in range(5)]
    two = [employer_vector({1: (20, 2_000_000)}), employer_vector({1: (20, 2_000_000)})]
    dominated = [employer_vector({2: (200, 10**9)})] + [
        employer_vector({2: (2, 10**6)}) for _ in range(5)
    ]
    cohort = cohort_totals_from_aggregate(
        aggregate(*five_equal, *two, *dominated), kind="all", value=None, atoms={"a | b"}
    )
    assert cell_reasons(cohort, 0, POLICY) == ()  # 20 people, 5 equal employers
    assert Reason.EMPLOYERS in cell_reasons(cohort, 1, POLICY)
    assert Reason.DOMINANCE_HEADCOUNT in cell_reasons(cohort, 1, POLICY)
    assert cell_reasons(cohort, 2, POLICY) == (
        Reason.DOMINANCE_HEADCOUNT, Reason.DOMINANCE_COMPENSATION,
    )
    status, reasons = primary_suppress([cohort], POLICY)
    assert status[0, 0] == CellStatus.PUBLISHED
    assert status[0, 3] == CellStatus.ZERO
    assert status[0, 1] == CellStatus.PRIMARY and (0, 1) in reasons
    small = cohort_totals_from_aggregate(
        aggregate(*[employer_vector({0: (1, 100)}) for _ in range(6)]),
        kind="all", value=None, atoms={"a | b"},
    )
    assert cell_reasons(small, 0, POLICY) == (Reason.EMPLOYEES,)


def test_one_employers_bonus_bill_is_primary_unless_the_policy_leaves_performance_pay_out():
    # Six employers with 4 people each and equal pay; one pays almost every bonus.
    payer = employer_vector({0: (4, 400_000)}, perf={0: 90_000})
    others = [employer_vector({0: (4, 400_000)}, perf={0: 1_000}) for _ in range(5)]
    cohort = cohort_totals_from_aggregate(
        aggregate(payer, *others), kind="all", value=None, atoms={"a | b"}
    )
    assert cell_reasons(cohort, 0, POLICY) == (Reason.DOMINANCE_PERFORMANCE_PAY,)
    design_minimum = DisclosurePolicy(version="design-minimum", protect_performance_pay=False)
    assert cell_reasons(cohort, 0, design_minimum) == ()
    # Hidden for another reason, its performance pay is audited only under the default.
    status = np.full((1, cohort.structure.n_cells), CellStatus.ZERO, dtype=np.int8)
    status[0, 0] = CellStatus.PRIMARY
    space = ReleaseSpace([cohort])
    audited = {p: {t.measure for t in audit_targets(space, status, p)}
               for p in (POLICY, design_minimum)}
    assert audited[POLICY] == {"headcount", "compensation", "performance_pay"}
    assert audited[design_minimum] == {"headcount", "compensation"}
    # Spread evenly, the same bonus bill passes the rule.
    even = [employer_vector({0: (4, 400_000)}, perf={0: 15_000}) for _ in range(6)]
    cohort = cohort_totals_from_aggregate(
        aggregate(*even), kind="all", value=None, atoms={"a | b"}
    )
    assert cell_reasons(cohort, 0, POLICY) == ()


@pytest.mark.parametrize(("h", "r"), [(10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (0, 0)])
def test_headcounts_round_to_the_nearest_five(h, r):
    assert rounded_headcount(h, 5) == r


def test_means_round_half_even_to_the_unit():
    assert round_to(Fraction(98_750), 100) == 98_800
    assert round_to(Fraction(98_650), 100) == 98_600
    assert round_to(Fraction(98_649), 100) == 98_600
