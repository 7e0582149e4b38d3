"""``manage.py demo`` runs the whole cycle on the embedded default and writes its outputs."""

from __future__ import annotations

import csv
import os
import re
import shlex
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

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
    _the_summary_gets_a_newcomer_started(result.stdout, out=out, data=tmp_path / "data", env=env)
    # A second run on the same database refuses clearly instead of half-running.
    again = subprocess.run([sys.executable, "manage.py", "demo", "--employers", "12", "--out", str(out)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode != 0 and "already holds the demo cycle" in again.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _the_summary_gets_a_newcomer_started(stdout: str, *, out: Path, data: Path, env: dict) -> None:
    """The summary's own command starts the service on the demo's data; its start pages, people
    and passphrase file are real; the open cycle takes an employer's invitation."""
    # The passphrase file: under the data directory, private, and it opens both office keys.
    passphrase = data / "office-passphrase"
    assert f"Office key passphrase: in {passphrase} (mode 0600)" in stdout
    assert stat.S_IMODE(passphrase.stat().st_mode) == 0o600
    from aggregation.office.keys import passphrase_file_read, private_key_load

    for folder in ("office", "office-2027"):
        private_key_load(out / folder / "office-private-key.pem", passphrase_file_read(passphrase))
    assert "Every demo person's password: demo passphrase 2026" in stdout
    for page in ("/office/cycles/", "/people/", "/employer/", "/releases/2026/", "/api/docs/"):
        assert f"http://127.0.0.1:8000{page}" in stdout, page
    assert "Cycle 2027: open until" in stdout and "9 of 12 employers submitted" in stdout
    with open(out / "invitations-2027.csv", newline="") as fh:
        waiting = list(csv.DictReader(fh))
    assert [row["user"] for row in waiting] == ["hr01", "hr02", "hr03"]
    assert stat.S_IMODE((out / "invitations-2027.csv").stat().st_mode) == 0o600
    assert f"code {waiting[0]['invitation code']}" in stdout
    assert "--passphrase-file" in stdout and "--cycle 2027" in stdout

    # Start the service with the printed command (on a free port: 8000 may be taken here).
    command = next(line.strip() for line in stdout.splitlines() if "manage.py runserver" in line)
    words = shlex.split(command)
    assignments = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
    argv = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
    assert assignments["TALENT_DATA_DIR"] == str(data) and argv[-2:] == ["runserver", "127.0.0.1:8000"]
    port = _free_port()
    argv[-1] = f"127.0.0.1:{port}"
    server = subprocess.Popen(argv + ["--noreload"], cwd=ROOT, env={**env, **assignments},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        site = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if requests.get(f"{site}/releases/2026/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise AssertionError("the printed runserver command did not serve the demo")
        browser = requests.Session()
        browser.get(f"{site}/accounts/login/", timeout=30)
        signed_in = browser.post(f"{site}/accounts/login/", timeout=30, data={
            "username": "hr01", "password": "demo passphrase 2026",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"]}, headers={"Referer": f"{site}/accounts/login/"})
        assert signed_in.url == f"{site}/employer/"
        enrolled = browser.post(f"{site}/employer/enrol", timeout=30, data={
            "cycle": "2027", "code": waiting[0]["invitation code"], "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            headers={"Referer": f"{site}/employer/"})
        assert "is enrolled in cycle 2027" in enrolled.text
        assert browser.get(f"{site}/employer/cycles/2027/browser", timeout=30).status_code == 200
        _the_printed_unmask_command_runs_the_office_step(stdout, site=site, env={**env, **assignments})
    finally:
        server.terminate()
        server.wait(timeout=30)


def _the_printed_unmask_command_runs_the_office_step(stdout: str, *, site: str, env: dict) -> None:
    """As the administrator (who acts as the office): close 2027, make an office key, and run the
    summary's unmask command against the running service (SQLite on a file, tasks in-process):
    it follows the job to the release's verdict while its status requests run beside the start."""
    office = requests.Session()
    office.get(f"{site}/accounts/login/", timeout=30)
    office.post(f"{site}/accounts/login/", timeout=30, data={
        "username": "admin", "password": "demo passphrase 2026", "csrfmiddlewaretoken": office.cookies["csrftoken"]},
        headers={"Referer": f"{site}/accounts/login/"})
    headers = {"X-CSRFToken": office.cookies["csrftoken"], "Referer": f"{site}/"}
    assert office.post(f"{site}/api/v1/cycles/2027/close", headers=headers, timeout=60).status_code == 200
    made = office.post(f"{site}/api/v1/me/api-keys", json={"name": "newcomer"}, headers=headers, timeout=30)
    assert made.status_code == 201 and made.json()["role"] == "analyst"
    command = next(line.strip() for line in stdout.splitlines() if "-m aggregation.office unmask" in line)
    argv = [made.json()["key"] if w == "tc_…" else w for w in shlex.split(command)]
    argv[argv.index("--url") + 1] = site
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        f"Release 1 built and passed its audit. Review and publish it on {site}/office/cycles/2027/review/")
