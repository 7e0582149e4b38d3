"""The template on the employer's cycle page: Excel with instructions, CSV with its README,
the same bytes the command-line client writes, for members of the cycle only."""

from __future__ import annotations

import io

import openpyxl
from django.test import Client

from employers.client.check import check_extract
from employers.client.template import csv_template_bytes, readme_bytes
from tests.employers.client.samples import HEADER, ROWS, csv_text


def signed_in(world, who) -> Client:
    client = Client()
    client.force_login(getattr(world, who))
    return client


def test_the_cycle_page_offers_both_templates_and_the_instructions(world, make_cycle):
    make_cycle(state="open")
    page = signed_in(world, "alice").get("/employer/cycles/2026/").content.decode()
    for name in ("template.xlsx", "template.csv", "template-instructions.txt"):
        assert f'href="/employer/cycles/2026/{name}"' in page
    browser = signed_in(world, "alice").get("/employer/cycles/2026/browser").content.decode()
    assert 'href="/employer/cycles/2026/template.xlsx"' in browser


def test_the_excel_template_has_instructions_and_filled_in_passes_the_check(world, make_cycle, tmp_path):
    make_cycle(state="open")
    response = signed_in(world, "alice").get("/employer/cycles/2026/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="talent-compact-template-2026.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Instructions", "Employees", "Lists"]
    assert "One row per employee" in "\n".join(str(c.value) for c in workbook["Instructions"]["A"])
    for row in ROWS:
        workbook["Employees"].append(row)
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    result = check_extract(path)
    assert result.ok and result.summary.rows_used == len(ROWS)


def test_the_csv_template_is_the_header_row_and_its_instructions_are_text(world, make_cycle, tmp_path):
    make_cycle(state="open")
    alice = signed_in(world, "alice")
    response = alice.get("/employer/cycles/2026/template.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == csv_template_bytes() and response.content.decode().strip() == ",".join(HEADER)
    path = tmp_path / "filled.csv"
    path.write_bytes(response.content + csv_text(ROWS).split("\n", 1)[1].encode())
    assert check_extract(path).ok
    readme = alice.get("/employer/cycles/2026/template-instructions.txt")
    assert readme.content == readme_bytes() and b"Example row" in readme.content


def test_templates_are_for_members_of_the_cycle_only(world, make_cycle, client):
    make_cycle(state="open", enrol=("acme",))
    assert signed_in(world, "bob").get("/employer/cycles/2026/template.xlsx").status_code == 404
    assert signed_in(world, "alice").get("/employer/cycles/2027/template.xlsx").status_code == 404
    assert signed_in(world, "alice").get("/employer/cycles/2026/template.xls").status_code == 404
    assert client.get("/employer/cycles/2026/template.csv").status_code in (302, 403)
