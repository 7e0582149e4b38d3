"""``benchmark``: the employer's figures beside the compact's, computed locally, sending nothing."""

from __future__ import annotations

import json
from unittest import mock

import pytest

from employers.client.cli import main
from employers.client.synthetic import synthetic_employees, write_csv
from tests.factories import synthetic_release


@pytest.fixture
def files(tmp_path):
    release, _ = synthetic_release(10)
    path = tmp_path / "release.json"
    path.write_text(json.dumps(release))
    extract = write_csv(synthetic_employees(n=400, seed=77), tmp_path / "payroll.csv")
    return {"release": path, "extract": extract, "tmp": tmp_path, "doc": release}


def test_the_benchmark_compares_own_figures_with_published_cells(files, capsys):
    out = files["tmp"] / "b.html"
    code = main(["benchmark", str(files["extract"]), "--release", str(files["release"]), "--out", str(out),
                 "--employer", "Acme", "--industry", "IT"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    # The headline, in words, in the terminal too: the employer's gap and the compact's.
    assert "Women at your organisation are paid" in printed and "Women across all employers in the compact" in printed
    html = out.read_text()
    assert "Acme: how your pay compares" in html
    assert "Industry: IT" in html and "too few employers" in html  # no IT cohort in this release
    frame = synthetic_employees(n=400, seed=77)
    women = frame[frame["Gender"] == "Female"]["Annual Compensation"].mean()
    assert f"${women:,.0f}" in html  # the employer's own mean, computed from its rows
    compact = next(c for t in files["doc"]["tables"] if t["dimensions"] == ["gender"] for c in t["cells"]
                   if c["gender"] == "Female")
    assert f"${compact['compensation_mean']:,.0f}" in html  # beside the compact's published mean
    suppressed = sum(1 for t in files["doc"]["tables"] if t["dimensions"] == ["job_category", "gender"]
                     for c in t["cells"] if c["status"] == "suppressed")
    assert suppressed == 0 or "suppressed" in html


def test_the_benchmark_writes_a_pdf(files):
    out = files["tmp"] / "b.pdf"
    assert main(["benchmark", str(files["extract"]), "--release", str(files["release"]), "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_only_the_public_release_is_fetched_and_nothing_is_sent(files):
    doc = files["doc"]
    response = mock.Mock(status_code=200, text=json.dumps(doc))
    with mock.patch("requests.get", return_value=response) as get, mock.patch("requests.post") as post:
        code = main(["benchmark", str(files["extract"]), "--release", "https://compact.example.org/api/v1/cycles/2026/release",
                     "--out", str(files["tmp"] / "b.html")])
    assert code == 0
    post.assert_not_called()
    assert get.call_count == 1
    (url,), kwargs = get.call_args
    assert url == "https://compact.example.org/api/v1/cycles/2026/release" and set(kwargs) == {"timeout"}


@pytest.mark.parametrize(("content", "message"), [("not json", "is not JSON"), ('{"format": "other"}', "not a Talent Compact release")])
def test_a_bad_release_file_is_refused(files, capsys, content, message):
    files["release"].write_text(content)
    assert main(["benchmark", str(files["extract"]), "--release", str(files["release"]), "--out", str(files["tmp"] / "x.html")]) == 2
    assert message in capsys.readouterr().out
