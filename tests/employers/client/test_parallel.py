"""The two-process check of a large CSV gives exactly the serial check's result."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from employers.client.check import check_extract
from employers.client.synthetic import synthetic_employees, write_csv


def _same(a, b) -> None:
    assert a.status == b.status
    assert a.summary.as_dict() == b.summary.as_dict()
    assert a.issue_counts == b.issue_counts
    # A number cell is shown as the number pandas read; which chunk of rows it reads as a
    # number can differ between a full and a partial read, so compare where, not the display.
    def where(result):
        return sorted((i.severity, i.code, i.row or 0, i.column or "", i.expected) for i in result.issues)

    assert where(a) == where(b)
    for name in a.people.__dataclass_fields__:
        assert np.array_equal(getattr(a.people, name), getattr(b.people, name)), name


def _damage(frame, rng, share: float):
    """Spoil a share of the cells the way real extracts are spoiled."""
    frame = frame.astype(object)
    junk = {"Employee ID": ["", "E00001-0000003"], "Job Category": ["Profesionals", ""],
            "Race/Ethnicity": ["", "Martian"], "Gender": ["?", ""], "Annual Compensation": ["-5", "abc", "0", "1.234"],
            "Performance Pay": ["(3)", ""], "Tenure (months)": ["", "1300", "700"], "Annual Hours": ["0", "9000", ""]}
    for column, values in junk.items():
        hit = rng.random(len(frame)) < share
        frame.loc[hit, column] = rng.choice(values, hit.sum())
    return frame


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.0, 0.01, 0.2]), delimiter=st.sampled_from([",", ";"]))
def test_the_parallel_check_equals_the_serial_check(tmp_path, seed, share, delimiter):
    frame = _damage(synthetic_employees(n=3000, seed=seed), np.random.default_rng(seed), share)
    path = write_csv(frame, tmp_path / f"extract-{seed}.csv", delimiter=delimiter)
    _same(check_extract(path, parallel=True), check_extract(path, parallel=False))


def test_a_surplus_field_is_refused_by_the_parallel_check_too(tmp_path):
    path = write_csv(synthetic_employees(n=50, seed=1), tmp_path / "extract.csv")
    lines = path.read_text().splitlines()
    lines[30] += ",surplus"
    path.write_text("\n".join(lines) + "\n")
    parallel, serial = check_extract(path, parallel=True), check_extract(path, parallel=False)
    assert parallel.status == serial.status == "unusable"
    assert parallel.issues[0].code == serial.issues[0].code == "malformed_csv"
    assert "line 31" in parallel.issues[0].message and "line 31" in serial.issues[0].message


def test_a_file_with_blank_rows_falls_back_to_the_serial_check(tmp_path):
    path = write_csv(synthetic_employees(n=50, seed=2), tmp_path / "extract.csv")
    path.write_text(path.read_text() + ",,,,,,,\n\n")
    result = check_extract(path, parallel=True)
    assert result.ok and result.summary.blank_rows == 2 and result.summary.rows_read == 50


def test_a_late_windows_1252_byte_reads_the_same_in_both_checks(tmp_path):
    path = write_csv(synthetic_employees(n=3000, seed=4), tmp_path / "extract.csv")
    lines = path.read_bytes().splitlines()
    lines[2900] = lines[2900].replace(b"E00004", b"\xc9\xe900004")  # far past the 64 KiB sample
    path.write_bytes(b"\n".join(lines) + b"\n")
    parallel, serial = check_extract(path, parallel=True), check_extract(path, parallel=False)
    assert serial.ok and parallel.ok
    _same(parallel, serial)
