"""``manage.py demo`` runs the whole cycle on the embedded default and writes its outputs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_demo_runs_end_to_end_on_a_fresh_data_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env["TALENT_DATA_DIR"] = str(tmp_path / "data")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "manage.py", "demo", "--employers", "12", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "state unmasked" in result.stdout or "state published" in result.stdout
    assert (out / "office" / "office-private-key.pem").exists()
    receipts = list((out / "employers").glob("*/receipt-v*.json"))
    assert len(receipts) == 12
    assert "No hostname" not in result.stderr
    for name in ("release.json", "release.csv", "report.html", "report.pdf", "office-review.html"):
        assert (out / name).stat().st_size > 0, name
    review = (out / "office-review.html").read_text()
    # Saved pages read the same from the file: their stylesheet is inlined, not linked to /static.
    assert "Audit certificate" in review and "<style>" in review and 'href="/static/' not in review
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    # A second run on the same database refuses clearly instead of half-running.
    again = subprocess.run([sys.executable, "manage.py", "demo", "--employers", "12", "--out", str(out)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode != 0 and "already holds the demo cycle" in again.stderr
