"""The page's check and vector equal the Python client's, file by file.

Each file is checked by ``employers.client.check.check_extract`` and, in headless Chromium, by
the page's own modules (``check.js``, ``vector.js``) fed the same bytes; the results must
agree issue for issue (code, severity, sheet, cell, row, column, value, expected, detail and
the message) and the statistics vectors element for element. Unreadable files agree on the
code and what is expected (a few texts come from pandas' own error messages).
"""

from __future__ import annotations

import base64
import shutil

import numpy as np
import openpyxl
import pytest

from employers.client.check import check_extract
from employers.client.synthetic import synthetic_employees
from employers.client.vector import vector_from
from protocol.layout import layout_for
from tests.employers.client.samples import HEADER, ROWS, TEMPLATES, csv_text

LAYOUT = layout_for()

RUN_IN_PAGE = """async ([b64, name, overrides]) => {
  const { rulesLoad } = await import('/static/employers/browser/rules.js');
  const { checkFile } = await import('/static/employers/browser/check.js');
  const { Layout } = await import('/static/employers/browser/layout.js');
  const { vectorFrom } = await import('/static/employers/browser/vector.js');
  const { elementsToBytes, base64 } = await import('/static/employers/browser/sealing.js');
  const rules = await rulesLoad({taxonomy: '/taxonomy/compact-2026/taxonomy.json',
                                 aliases: '/taxonomy/compact-2026/aliases.json',
                                 checks: '/taxonomy/compact-2026/checks.json'});
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const result = checkFile(bytes, name, rules, overrides || {});
  const layout = new Layout(rules.taxonomy);
  const vector = result.ok ? base64(elementsToBytes(vectorFrom(result, layout))) : null;
  return { result: JSON.parse(JSON.stringify(result.asDict())), vector, layoutId: await layout.layoutId() };
}"""


@pytest.fixture(scope="module")
def browser_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture
def rules_page(browser_page, transactional_db):
    """A page on the service's origin with the page's vendored SheetJS, as the page loads it.
    (The live server checks its database connection on every request, hence the database.)"""
    browser_page.goto("/taxonomy/compact-2026/taxonomy.json")
    browser_page.add_script_tag(url="/static/employers/vendor/xlsx.mini.min.js")
    browser_page.errors.clear()
    return browser_page


def in_page(page, path, name=None, column_map=None):
    data = base64.b64encode(path.read_bytes()).decode()
    return page.evaluate(RUN_IN_PAGE, [data, name or path.name, column_map or {}])


def python_side(path, column_map=None):
    result = check_extract(path, parallel=False, column_map=column_map)
    vector = vector_from(result, LAYOUT) if result.ok else None
    return result.as_dict(), vector


def assert_same(page, path, *, unusable_text_may_differ=False, column_map=None):
    expected, vector = python_side(path, column_map)
    got = in_page(page, path, column_map=column_map)
    assert got["layoutId"] == LAYOUT.layout_id
    assert got["result"]["status"] == expected["status"], got["result"]["issues"][:3]
    fields = ("severity", "code", "file", "sheet", "cell", "row", "column", "value", "expected", "detail", "message")
    if expected["status"] == "unusable" and unusable_text_may_differ:
        fields = ("severity", "code", "file", "expected")
    mine = [{k: i[k] for k in fields} for i in got["result"]["issues"]]
    theirs = [{k: i[k] for k in fields} for i in expected["issues"]]
    assert mine == theirs
    assert got["result"]["error_count"] == expected["error_count"]
    assert got["result"]["warning_count"] == expected["warning_count"]
    counts = lambda d: sorted((c["severity"], c["code"], c["column"] or "", c["count"]) for c in d["issue_counts"])  # noqa: E731
    assert counts(got["result"]) == counts(expected)
    if expected["summary"] is not None:
        assert got["result"]["summary"] == expected["summary"]
    if vector is not None:
        mine_vector = np.frombuffer(base64.b64decode(got["vector"]), dtype="<u8")
        differing = np.flatnonzero(mine_vector != vector)
        assert differing.size == 0, [(int(i), int(mine_vector[i]), int(vector[i])) for i in differing[:10]]
    else:
        assert got["vector"] is None
    return got


def write(tmp_path, text, name="extract.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows_with(changes):
    rows = [list(r) for r in ROWS]
    for (i, j), value in changes.items():
        rows[i][j] = value
    return rows


CSV_CASES = {
    "golden": csv_text(),
    "semicolons and decimal commas": csv_text(rows_with({(0, 4): "85.000,00", (1, 4): "90000,5"}), delimiter=";"),
    "tabs, CRLF, BOM and title rows": "\ufeffPayroll 2025\r\nAcme\r\n" + csv_text(delimiter="\t").replace("\n", "\r\n"),
    "quoted multi-line field and blank lines": csv_text()[: len(csv_text()) // 2].rsplit("\n", 1)[0]
    + '\n\n"A9\nB",2,White,Male,50000,,12,\n\n' + "\n".join(csv_text().splitlines()[3:]) + "\n",
    "errors of every kind": csv_text(rows_with({
        (0, 4): "-5", (1, 4): "85000.123", (2, 1): "Profesionals", (3, 3): "", (1, 6): "1300",
        (0, 5): "$2,500,000", (2, 7): "0", (3, 0): "A1",
    })),
    "zero pay, blank race, soft maxima": csv_text(rows_with({(0, 4): "0", (1, 2): "", (2, 6): "700", (3, 7): "5000"})),
    "formula injection and escapes": csv_text(rows_with({(0, 0): "=HYPERLINK(\"http://x\")", (1, 2): "\x1b[31mRed\u202e",
                                                        (2, 4): "@SUM(A1)"})),
    "every row left out": csv_text(rows_with({(0, 4): "0", (1, 4): "0", (2, 4): "0", (3, 4): "0"})),
    "pandas-typed number columns": csv_text(rows_with({(0, 4): "85000", (1, 4): "9.05e4", (2, 4): "+120000",
                                                        (3, 4): "40000.000000000001", (0, 6): " 24 "})),
    "text number columns": csv_text(rows_with({(0, 4): "85 000,00", (1, 4): "(90000)", (2, 4): "1.2E+05",
                                                (3, 4): "40000.001", (3, 6): "6 months"})),
    "missing column": csv_text([r[:4] + r[5:] for r in ROWS], HEADER[:4] + ["Base Pai"] + HEADER[5:]),
    "hire date instead of tenure": csv_text(ROWS, HEADER[:6] + ["Hire Date"] + HEADER[7:]),
    "two compensation columns": csv_text([r + ["1"] for r in ROWS], HEADER + ["Salary"]),
    "windows-1252": csv_text(rows_with({(0, 0): "Zoë-1", (1, 2): "Latiné"})),
    "header only": ",".join(HEADER) + "\n",
    "empty": "",
    "no header": "a,b,c\n1,2,3\n",
    "renamed as xlsx": csv_text(),
    "more fields than the header": csv_text() + "A9,2,White,Male,1,2,3,4,5\n",
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_csv_checks_and_vectors_match_the_python_client(rules_page, tmp_path, case):
    name = "extract.xlsx" if case == "renamed as xlsx" else "extract.csv"
    encoding = "cp1252" if case == "windows-1252" else "utf-8"
    path = write(tmp_path, CSV_CASES[case], name=name, encoding=encoding)
    assert_same(rules_page, path, unusable_text_may_differ=case == "more fields than the header")
    assert not rules_page.errors


def test_a_realistic_extract_gives_the_same_vector_with_ties_at_the_quarter_boundaries(rules_page, tmp_path):
    frame = synthetic_employees(n=997, seed=7)
    frame.loc[:40, "Annual Compensation"] = 50000.0  # one large tie group that straddles a boundary
    frame.loc[500:520, "Annual Compensation"] = float(frame["Annual Compensation"].median())
    frame.loc[3, "Annual Compensation"] = 0.5  # below $1: a negative log in the regression
    path = tmp_path / "synthetic.csv"
    frame.to_csv(path, index=False)
    got = assert_same(rules_page, path)
    assert got["result"]["summary"]["rows_used"] == 997


def test_an_employee_level_workbook_matches(rules_page, tmp_path):
    import datetime as dt

    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["Read me", "nothing here"])
    sheet = workbook.create_sheet("Data")
    sheet.append(["Acme payroll 2025"])
    sheet.append(HEADER)
    for k, row in enumerate(synthetic_employees(n=120, seed=3).itertuples(index=False)):
        sheet.append([f"E{k}", *row[1:]])
    sheet.append(["X1", 2, "White", "F", "85,000.50", None, 12, None])  # text money, number job code
    sheet.append(["X2", 1.1, "Asian", "Male", 99999.999, 10, 1.5, True])  # a real third decimal; a boolean
    sheet.append(["X3", "2", "Black", "Male", 60000, 0, dt.date(2020, 1, 1), 2080])  # a date is not a number
    sheet.append([None] * 8)
    sheet.append(["X4", "9", "White", "M", 30000.1 * 3, "", 24, ""])  # formula noise, accepted
    path = tmp_path / "extract.xlsx"
    workbook.save(path)
    assert_same(rules_page, path)


@pytest.mark.slow  # saving a copy of the real template takes seconds
@pytest.mark.parametrize("year", [2023, 2024])
def test_a_filled_boston_workbook_gives_the_same_vector(rules_page, tmp_path, year):
    path = tmp_path / f"bwwc-{year}.xlsx"
    shutil.copy(TEMPLATES / f"bwwc-{year}-wage-gap-template.xlsx", path)
    workbook = openpyxl.load_workbook(path)
    rng = np.random.default_rng(year)
    heads = workbook["1.Number of Employees"]
    for ref in ("C8", "D9", "E10", "F11", "G12", "H13", "C14", "D15", "E16", "F17"):
        people = int(rng.integers(1, 40))
        heads[ref] = people
        workbook["2.Compensation"][ref] = round(people * float(rng.uniform(30000, 150000)), 2)
        workbook["3.Performance Pay"][ref] = round(people * float(rng.uniform(0, 5000)), 2)
        workbook["4.Tenure"][ref] = people * int(rng.integers(1, 100))
    workbook.save(path)
    got = assert_same(rules_page, path)
    assert got["result"]["summary"]["kind"] == "workbook"


@pytest.mark.slow  # saving a copy of the real template takes seconds
def test_a_flawed_boston_workbook_lists_the_same_problems(rules_page, tmp_path):
    path = tmp_path / "flawed.xlsx"
    shutil.copy(TEMPLATES / "bwwc-2024-wage-gap-template.xlsx", path)
    workbook = openpyxl.load_workbook(path)
    workbook["2.Compensation"]["D9"] = None
    workbook["2.Compensation"]["C8"] = 55000
    workbook["1.Number of Employees"]["E10"] = 4
    workbook["4.Tenure"]["E10"] = 40
    workbook["1.Number of Employees"]["F11"] = 2.5
    workbook["2.Compensation"]["F11"] = 1
    workbook["4.Tenure"]["F11"] = 1
    workbook["1.Number of Employees"]["Q12"] = 3
    workbook["2.Compensation"]["Q12"] = 7_500_000
    workbook["4.Tenure"]["Q12"] = 30
    workbook["Totals Check"]["B6"] = 4
    workbook["1.Number of Employees"]["G12"] = "three"
    workbook.save(path)
    got = assert_same(rules_page, path)
    assert {i["code"] for i in got["result"]["issues"]} >= {"blank", "matching_check", "fractional_headcount",
                                                             "above_soft_maximum", "totals_check_differs"}


@pytest.mark.slow  # saving a copy of the real template takes seconds
def test_a_workbook_of_another_layout_is_refused_naming_the_closest(rules_page, tmp_path):
    path = tmp_path / "wrong.xlsx"
    shutil.copy(TEMPLATES / "bwwc-2024-wage-gap-template.xlsx", path)
    workbook = openpyxl.load_workbook(path)
    del workbook["3.Performance Pay"]
    workbook.save(path)
    got = assert_same(rules_page, path)
    assert got["result"]["issues"][0]["code"] == "wrong_workbook_layout"


@pytest.mark.parametrize("column_map", [
    {"compensation": "Base Pai"},
    {"compensation": "base_pai", "performance_pay": "Tenure (months)"},
    {"compensation": "Basic Pay"},
    {"compensation": "Base Pai", "hours": "Base Pai"},
])
def test_columns_chosen_by_hand_give_the_same_result_as_the_clients_map(rules_page, tmp_path, column_map):
    header = HEADER[:4] + ["Base Pai"] + HEADER[5:]
    path = write(tmp_path, csv_text(ROWS, header))
    assert_same(rules_page, path, column_map=column_map)


def test_a_file_that_starts_in_utf8_and_turns_windows_1252_later_reads_alike(rules_page, tmp_path):
    rows = [[f"Zoë-{k}", "2", "White", "F", f"{50000 + k}", "", "12", ""] for k in range(2500)]
    rows.append(["Last", "2", "Latiné", "M", "60000", "", "12", ""])
    text = csv_text(rows)
    head, tail = text[:-60], text[-60:]
    path = tmp_path / "mixed.csv"
    path.write_bytes(head.encode("utf-8") + tail.encode("cp1252"))
    assert path.stat().st_size > 64 * 1024
    got = assert_same(rules_page, path)
    assert got["result"]["summary"]["rows_used"] == 2501  # read whole as Windows-1252, as read_csv retries


def test_the_pages_totals_stay_exact_beyond_two_to_the_53(rules_page):
    from employers.client.reconciliation import hundredths_text

    n, cents = 1_000_003, 99_999_999_99
    got = rules_page.evaluate("""async ([n, cents]) => {
      const { rulesLoad } = await import('/static/employers/browser/rules.js');
      const { totalsFromRows } = await import('/static/employers/browser/totals.js');
      const rules = await rulesLoad({taxonomy: '/taxonomy/compact-2026/taxonomy.json',
                                     aliases: '/taxonomy/compact-2026/aliases.json',
                                     checks: '/taxonomy/compact-2026/checks.json'});
      const people = { gender: new Int8Array(n), compensation: new Float64Array(n).fill(cents),
                       performancePay: new Float64Array(n).fill(1), tenure: new Float64Array(n).fill(120000) };
      people.gender[0] = 1;
      return totalsFromRows(people, rules.taxonomy);
    }""", [n, cents])
    assert n * cents > 2**53
    assert got["total"]["compensation"] == hundredths_text(n * cents)
    assert got["by_gender"][0]["compensation"] == hundredths_text((n - 1) * cents)
    assert got["total"]["tenure_months"] == hundredths_text(n * 120000) and got["total"]["people"] == n


@pytest.mark.parametrize("where", ["in the first 64 KiB", "after a UTF-8 start", "after a Windows-1252 start"])
def test_an_undecodable_byte_is_placed_by_line_and_column_alike(rules_page, tmp_path, where):
    first = "Zoë" if where != "in the first 64 KiB" else "Zo"
    rows = [[f"{first}-{k}", "2", "White", "F", "50000", "", "12", ""] for k in range(3000 if "after" in where else 3)]
    encoding = "cp1252" if "Windows" in where else "utf-8"
    path = tmp_path / "bad-byte.csv"
    path.write_bytes(csv_text(rows).encode(encoding) + "Zoë,2,White,F,1".encode(encoding) + b"\x81,,12,\n")
    got = assert_same(rules_page, path)
    (issue,) = got["result"]["issues"]
    line = len(rows) + 2
    assert issue["value"] == f"byte 0x81 on line {line:,}, column 16"


def test_the_page_shortens_a_long_path_as_the_client_does(rules_page):
    from employers.client.sanitise import for_path

    paths = ["/home/payroll/shared/Human Resources/Compensation/2026 pay-equity compact/december/acme-final.csv",
             "C:\\Users\\hr\\" + "x" * 70 + "\\payroll.csv", "payroll-" + "very-long-" * 12 + "name.csv",
             "/d/\x1b[2J" + "ë" * 90 + "/Zoë-🙂-payroll.csv", "short.csv"]
    got = rules_page.evaluate("""async (paths) => {
      const { forPath } = await import('/static/employers/browser/text.js');
      return paths.map((p) => forPath(p));
    }""", paths)
    assert got == [for_path(p) for p in paths]


def test_a_long_file_name_is_named_whole_in_the_pages_messages(rules_page, tmp_path):
    path = write(tmp_path, "", name="acme-" + "december-payroll-extract-" * 4 + "final.csv")
    got = assert_same(rules_page, path)
    assert got["result"]["issues"][0]["file"] == path.name


def test_the_page_offers_the_same_corrections_as_the_client(rules_page):
    from employers.client.aliases import aliases_for
    from tests.employers.client.test_bad_inputs import NEAR_MISSES, NOT_SPELLINGS

    words = [(d, t) for d, t, _ in NEAR_MISSES] + NOT_SPELLINGS + [("gender", "Mal"), ("race_ethnicity", "Asain")]
    got = rules_page.evaluate("""async (words) => {
      const { rulesLoad } = await import('/static/employers/browser/rules.js');
      const rules = await rulesLoad({taxonomy: '/taxonomy/compact-2026/taxonomy.json',
                                     aliases: '/taxonomy/compact-2026/aliases.json',
                                     checks: '/taxonomy/compact-2026/checks.json'});
      return words.map(([d, t]) => rules.suggestValue(d, t));
    }""", words)
    assert got == [aliases_for().suggest_value(d, t) for d, t in words]
