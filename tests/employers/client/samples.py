"""Sample extracts shared by the employer-client tests."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "bwwc"

HEADER = ["Employee ID", "Job Category", "Race/Ethnicity", "Gender", "Annual Compensation",
          "Performance Pay", "Tenure (months)", "Annual Hours"]
# Four people, spelled the many ways real extracts spell them. Their expected statistics are
# worked out by hand in test_golden.py.
ROWS = [
    ["A1", "2 Professionals", "White", "Female", "$85,000.00", "1000", "24", "2080"],
    ["A2", "Professionals", "white", "F", "90000.50", "", "36.5", ""],
    ["Zoë-3", "1.1", "Asian", "Male", "120,000", "0", "120", "2000"],
    ["A4", "EEO-1 9", "Hispanic/Latinx", "Nonbinary", "40000", "500.25", "6", "1000.5"],
]


def csv_text(rows=ROWS, header=HEADER, *, delimiter=",") -> str:
    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if (delimiter in cell or '"' in cell) else cell

    return "\n".join(delimiter.join(quote(c) for c in row) for row in [header, *rows]) + "\n"
