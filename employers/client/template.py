"""The employee-level template an employer fills in: XLSX with instructions, or CSV + README.

Guarantees:
- Headers, descriptions and the lists of accepted values come from the taxonomy and its alias
  tables, so the template always matches what ``check`` accepts.
- The data sheet (XLSX) and the CSV hold only the header row: an example row lives in the
  instructions, never among the data, so it can never be submitted by mistake.
- The XLSX offers drop-down lists (data validation) for the three category columns, fed from
  a hidden sheet of labels, and checks that money, tenure and hours are non-negative numbers.
- The format follows the file name: :func:`template_format` refuses a name whose extension
  contradicts the format asked for (XLSX bytes are never written into a ``.csv`` name).
- The same bytes are written by the CLI and served by the employer's cycle page.
"""

from __future__ import annotations

import io
from pathlib import Path

from employers.client.aliases import Aliases, aliases_for
from protocol.taxonomy import DEFAULT_TAXONOMY

DATA_SHEET = "Employees"
LISTS_SHEET = "Lists"
EXAMPLE = {
    "employee_id": "E-1042",
    "job_category": "2 Professionals",
    "race_ethnicity": "Asian",
    "gender": "Female",
    "compensation": "85000.00",
    "performance_pay": "4250.00",
    "tenure_months": "38",
    "hours": "2080",
}
MAX_TEMPLATE_ROWS = 100_000
FORMATS = ("xlsx", "csv")


class TemplateNameError(ValueError):
    """A template file name that does not say, or contradicts, the format."""


def template_format(out: Path | None, requested: str | None) -> str:
    """The template's format from ``--format`` and the file name; refuses a contradiction.

    No name: the format asked for (XLSX by default). A name: its extension decides, and must be
    ``.xlsx`` or ``.csv``; a ``--format`` that says otherwise is refused, so that the bytes of
    one format never go into a file named for the other.
    """
    if out is None:
        return requested or "xlsx"
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        wanted = requested or "xlsx"
        shown = f"'{Path(out).suffix}'" if Path(out).suffix else "no extension"
        raise TemplateNameError(
            f"{Path(out).name} has {shown}; name the template .xlsx (Excel, with instructions) or .csv, "
            f"e.g. --out {Path(out).with_suffix('.' + wanted).name}")
    if requested is not None and requested != suffix:
        raise TemplateNameError(
            f"--format {requested} but {Path(out).name} is named .{suffix}; "
            f"use --out {Path(out).with_suffix('.' + requested).name}, or leave out --format")
    return suffix


def instructions(aliases: Aliases) -> list[str]:
    """The instruction lines shared by the XLSX sheet and the CSV README."""
    tax = aliases.taxonomy
    lines = [
        f"Talent Compact employee-level template (taxonomy {tax.name})",
        "",
        "One row per employee employed on the snapshot date (December 31). Keep the header row as it is;",
        "title rows above it are fine. Your file never leaves your computer: `python -m employers.client check FILE`",
        "checks it locally (so does the browser page on your cycle page), and only sums are ever sent, encrypted.",
        "",
        "Columns:",
    ]
    for spec in aliases.columns:
        need = "required" if spec.required else "optional"
        lines.append(f"  {spec.label} ({need}): {spec.description}")
    lines += ["", "Accepted values:"]
    for dimension, title in (("job_category", "Job Category"), ("race_ethnicity", "Race/Ethnicity"), ("gender", "Gender")):
        lines.append(f"  {title}: " + "; ".join(tax.labels(dimension)))
    lines += [
        "  Common spellings are understood too (F/Female/Woman, Hispanic/Latinx, 1.2 or the category name).",
        "",
        "Money: dollars with at most 2 decimals, e.g. 85000, 85000.50 or $85,000.50. No negative amounts.",
        f"Limits per person: pay up to ${tax.bounds['max_compensation_dollars']:,}, tenure up to "
        f"{tax.bounds['max_tenure_months']:,} months, hours up to {tax.bounds['max_annual_hours']:,}.",
        "",
        "Example row: " + ", ".join(f"{aliases.column(f).label}={v}" for f, v in EXAMPLE.items()),
    ]
    return lines


def csv_template_bytes(*, taxonomy: str = DEFAULT_TAXONOMY) -> bytes:
    """The CSV template: the header row only, UTF-8, CRLF."""
    aliases = aliases_for(taxonomy)
    return (",".join(c.label for c in aliases.columns) + "\r\n").encode("utf-8")


def readme_bytes(*, taxonomy: str = DEFAULT_TAXONOMY) -> bytes:
    """The instructions that go beside the CSV template, as UTF-8 text."""
    return ("\n".join(instructions(aliases_for(taxonomy))) + "\n").encode("utf-8")


def write_csv_template(path: Path, *, taxonomy: str = DEFAULT_TAXONOMY) -> list[Path]:
    """A CSV with the header row, and ``<name>.README.txt`` beside it. Returns both paths."""
    path = Path(path)
    path.write_bytes(csv_template_bytes(taxonomy=taxonomy))
    readme = path.with_name(path.stem + ".README.txt")
    readme.write_bytes(readme_bytes(taxonomy=taxonomy))
    return [path, readme]


def write_xlsx_template(path: Path, *, taxonomy: str = DEFAULT_TAXONOMY) -> list[Path]:
    """An XLSX with an Instructions sheet, the Employees sheet and hidden value lists."""
    path = Path(path)
    path.write_bytes(xlsx_template_bytes(taxonomy=taxonomy))
    return [path]


def xlsx_template_bytes(*, taxonomy: str = DEFAULT_TAXONOMY) -> bytes:
    """The XLSX template: an Instructions sheet, the Employees sheet and hidden value lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    aliases = aliases_for(taxonomy)
    tax = aliases.taxonomy
    workbook = Workbook()
    guide = workbook.active
    guide.title = "Instructions"
    for line in instructions(aliases):
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 120
    data = workbook.create_sheet(DATA_SHEET)
    data.append([c.label for c in aliases.columns])
    for i, spec in enumerate(aliases.columns, start=1):
        data.cell(row=1, column=i).font = Font(bold=True)
        data.column_dimensions[get_column_letter(i)].width = max(16, len(spec.label) + 4)
    data.freeze_panes = "A2"
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    fields = [c.field for c in aliases.columns]
    for k, dimension in enumerate(("job_category", "race_ethnicity", "gender"), start=1):
        labels = tax.labels(dimension)
        for r, label in enumerate(labels, start=1):
            lists.cell(row=r, column=k, value=label)
        letter = get_column_letter(k)
        rule = DataValidation(type="list", formula1=f"={LISTS_SHEET}!${letter}$1:${letter}${len(labels)}",
                              allow_blank=True, showErrorMessage=False)
        column = get_column_letter(fields.index(dimension) + 1)
        rule.add(f"{column}2:{column}{MAX_TEMPLATE_ROWS}")
        data.add_data_validation(rule)
    for field in ("compensation", "performance_pay", "tenure_months", "hours"):
        column = get_column_letter(fields.index(field) + 1)
        rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              errorTitle="Not a valid amount", error="Enter a number of 0 or more.")
        rule.add(f"{column}2:{column}{MAX_TEMPLATE_ROWS}")
        data.add_data_validation(rule)
    workbook.active = workbook.sheetnames.index(DATA_SHEET)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
