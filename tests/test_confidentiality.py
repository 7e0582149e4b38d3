"""Nobody but the employer sees one employer's figures.

Known figures are planted in employers' extracts; after check → seal → submit → close →
unmask, every byte stored by the service (every column of every table) and every byte sent to
the office is searched for them, in every encoding the vector uses.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.db import connection

from aggregation.office.unmask_client import mask_sums_compute
from aggregation.selectors import cohort_aggregates
from aggregation.services import unmask as unmask_service
from compact.services.cycles import cycle_close
from employers.client.check import check_frame
from employers.client.synthetic import synthetic_employees
from protocol.layout import layout_for

PLANTED_PAY = "987654.32"  # one person per employer earns this (unusual, recognisable)


def stored_bytes() -> bytes:
    """Every value of every row of every table, as bytes."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview | bytearray):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode())
    return b"\x00".join(chunks)


def patterns(elements: np.ndarray) -> set[bytes]:
    """The employer's distinctive vector values, as they would appear if stored in clear."""
    found = set()
    for value in elements.tolist():
        if value >= 1 << 24:  # small values (headcounts, flags) occur anywhere by chance
            found.add(int(value).to_bytes(8, "little"))
            found.add(str(value).encode())
    return found


@pytest.mark.slow
def test_no_employer_figure_is_stored_by_the_service_or_sent_to_the_office(world, populated_cycle, office_private_key):
    layout = layout_for()
    vectors, extracts = [], []
    for i in range(10):
        frame = synthetic_employees(n=150 + 20 * i, seed=100 + i)
        frame.loc[0, "Annual Compensation"] = float(PLANTED_PAY)
        result = check_frame(frame)
        assert result.ok, result.errors[:3]
        from employers.client.vector import vector_from

        vectors.append(vector_from(result, layout))
        extracts.append(frame)
    pop = populated_cycle(10, vectors=vectors)
    analyst = world.principal("ana")
    cycle = cycle_close(principal=analyst, cycle=pop.cycle)
    bundle = unmask_service.unmask_bundle(principal=analyst, cycle=cycle)
    sent_to_office = json.dumps(bundle).encode()
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key, min_cohort_employers=8).sums.items():
        unmask_service.unmask_mask_sum_store(principal=analyst, cycle=cycle, cohort_key=key,
                                             mask_sum=mask_sum.astype("<u8").tobytes())
    job = unmask_service.unmask_start(principal=analyst, cycle=cycle)
    assert unmask_service.unmask_run(job_id=job.pk) == "done"

    stored = stored_bytes()
    assert len(stored) > 10 * layout.length * 8  # the masked vectors are in there
    for text in (PLANTED_PAY.encode(), b"98765432", b"9876543200"):
        assert text not in stored and text not in sent_to_office
    for vector in vectors:
        for pattern in patterns(vector):
            assert pattern not in stored, pattern
            assert pattern not in sent_to_office, pattern
    # The unmasked aggregate is exact — it exists only encrypted at rest.
    total = cohort_aggregates(cycle=cycle)["all"]
    assert total.get("headcount").sum() == sum(len(f) for f in extracts)
