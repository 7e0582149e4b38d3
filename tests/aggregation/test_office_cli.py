"""The office command line: keygen, unmask against a live service over HTTP, and status; the
passphrase file, the refusal without a terminal, and following the job to its end."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization

from aggregation.office.__main__ import main
from aggregation.office.follow import FAILED, FINISHED, RUNNING, job_follow, status_describe
from aggregation.office.keys import passphrase_file_read, passphrase_file_write, private_key_load
from aggregation.office.unmask_client import UnmaskRefused
from compact.models import Cycle
from compact.services.cycles import cycle_close
from employers.services.organisations import office_api_key_create

ROOT = Path(__file__).resolve().parents[2]


def _private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_keygen_writes_a_protected_private_key_and_a_public_key_document(tmp_path, capsys):
    pw = _private(tmp_path / "pw", "a long office passphrase\n")
    assert main(["keygen", "--out", str(tmp_path / "keys"), "--passphrase-file", str(pw)]) == 0
    out = capsys.readouterr().out
    private = tmp_path / "keys" / "office-private-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in private.read_bytes()
    doc = json.loads((tmp_path / "keys" / "office-public-key.json").read_text())
    assert doc["fingerprint"][:4].upper() in out.replace(" ", "")
    key = private_key_load(private, "a long office passphrase")
    assert key.public_key().public_bytes_raw().hex() and "private_key" not in doc
    # A second keygen into the same folder never overwrites the office key.
    assert main(["keygen", "--out", str(tmp_path / "keys"), "--passphrase-file", str(pw)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err


def test_a_wrong_passphrase_or_short_passphrase_is_refused(tmp_path, capsys):
    pw = _private(tmp_path / "pw", "short")
    assert main(["keygen", "--out", str(tmp_path), "--passphrase-file", str(pw)]) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    pw.write_text("a long office passphrase")
    main(["keygen", "--out", str(tmp_path), "--passphrase-file", str(pw)])
    pw.write_text("the wrong passphrase!!")
    code = main(["unmask", "--cycle", "x", "--key", str(tmp_path / "office-private-key.pem"), "--url", "http://127.0.0.1:9",
                 "--api-key", "k", "--passphrase-file", str(pw)])
    assert code == 2 and "wrong passphrase" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_unmask_over_http_with_an_office_key(world, populated_cycle, office_private_key, live_server, tmp_path, capsys):
    pop = populated_cycle(16)
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    pem = office_private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"a long office passphrase"),
    )
    (tmp_path / "office.pem").write_bytes(pem)
    _private(tmp_path / "pw", "a long office passphrase")
    _, api_key = office_api_key_create(principal=world.principal("ana"), name="laptop")
    args = ["unmask", "--cycle", "2026", "--key", str(tmp_path / "office.pem"), "--url", live_server.url,
            "--api-key", api_key, "--passphrase-file", str(tmp_path / "pw")]
    assert main(args + ["--expect-fingerprint", "0000 0000 0000 0000"]) == 1
    assert "not the one you expected" in capsys.readouterr().err
    assert main(args + ["--expect-fingerprint", pop.cycle.office_key_fingerprint[:20]]) == 0
    out = capsys.readouterr().out
    assert "Mask sums uploaded" in out
    assert Cycle.objects.get(pk=pop.cycle.pk).state == "unmasked"
    # The last line says what happened: the unmask is done, and (with the automatic build off on
    # this service) the release is to be built on the review page. Nothing still "is adding".
    last = out.strip().splitlines()[-1]
    assert last.startswith("Unmask done.") and f"{live_server.url}/office/cycles/2026/review/" in last
    assert "is adding" not in last
    # status says the same, once, and exits 0.
    assert main(["status", "--cycle", "2026", "--url", live_server.url, "--api-key", api_key]) == 0
    assert capsys.readouterr().out.startswith("Unmask done.")


# --- the passphrase ---------------------------------------------------------------------------


def test_a_passphrase_file_others_can_read_is_refused_with_the_command_that_fixes_it(tmp_path, capsys):
    pw = tmp_path / "pw"
    pw.write_text("a long office passphrase")
    pw.chmod(0o644)
    assert main(["keygen", "--out", str(tmp_path / "keys"), "--passphrase-file", str(pw)]) == 2
    err = capsys.readouterr().err
    assert "can be read or changed by others (mode 0644)" in err and f"chmod 600 {pw}" in err
    assert not (tmp_path / "keys" / "office-private-key.pem").exists()
    pw.chmod(0o600)
    assert main(["keygen", "--out", str(tmp_path / "keys"), "--passphrase-file", str(pw)]) == 0


def test_a_missing_or_empty_passphrase_file_is_named(tmp_path, capsys):
    assert main(["keygen", "--out", str(tmp_path), "--passphrase-file", str(tmp_path / "nope")]) == 2
    assert f"Cannot read the passphrase file {tmp_path / 'nope'}: No such file or directory." in capsys.readouterr().err
    empty = _private(tmp_path / "empty", "\n")
    assert main(["keygen", "--out", str(tmp_path), "--passphrase-file", str(empty)]) == 2
    assert "is empty" in capsys.readouterr().err


def test_the_passphrase_is_the_files_one_line_without_its_line_break(tmp_path):
    assert passphrase_file_read(_private(tmp_path / "a", "  spaced phrase \r\n")) == "  spaced phrase "
    written = passphrase_file_write(tmp_path / "dir" / "pw", "a long office passphrase")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert passphrase_file_read(written) == "a long office passphrase"
    with pytest.raises(FileExistsError):
        passphrase_file_write(written, "another")


def _without_terminal(args: list[str], **env) -> subprocess.CompletedProcess:
    """The office CLI in a new session (no controlling terminal) with nothing on stdin."""
    environ = {k: v for k, v in os.environ.items() if k != "TALENT_OFFICE_PASSPHRASE"}
    environ["PYTHONPATH"] = str(ROOT)
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "aggregation.office", *args], cwd=ROOT, env=environ,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                          start_new_session=True)


def test_without_a_terminal_the_passphrase_prompt_refuses_with_a_message_not_a_traceback(tmp_path):
    result = _without_terminal(["keygen", "--out", str(tmp_path / "keys")])
    assert result.returncode == 2
    assert "There is no terminal to ask for the office key's passphrase" in result.stderr
    assert "--passphrase-file" in result.stderr and "chmod 600" in result.stderr
    assert "Traceback" not in result.stderr and "EOFError" not in result.stderr
    unmask = _without_terminal(["unmask", "--cycle", "2026", "--key", str(tmp_path / "k.pem"),
                                "--url", "http://127.0.0.1:9", "--api-key", "tc_x"])
    assert unmask.returncode == 2 and "no terminal" in unmask.stderr and "Traceback" not in unmask.stderr
    # The environment variable still works without a terminal.
    ok = _without_terminal(["keygen", "--out", str(tmp_path / "keys")], TALENT_OFFICE_PASSPHRASE="a long office passphrase")
    assert ok.returncode == 0, ok.stderr


def test_a_bad_wait_and_an_unreachable_service_are_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["status", "--cycle", "2026", "--url", "http://x", "--api-key", "k", "--wait", "-5"])
    assert exit_.value.code == 2 and "cannot be negative" in capsys.readouterr().err
    assert main(["status", "--cycle", "2026", "--url", "http://127.0.0.1:9", "--api-key", "k"]) == 2
    assert "cannot reach the service at http://127.0.0.1:9" in capsys.readouterr().err


# --- following the job ------------------------------------------------------------------------


def _status(state="queued", *, processed=0, total=40, build=None, release=None, error=""):
    return {"cycle": "2026", "state": state, "processed": processed, "total": total, "error": error,
            "release_build": build, "release": release}


class ScriptedService:
    """An office API whose status answers follow a script; ``start`` blocks like the embedded
    default does (the whole job runs in the request) until the script has been read."""

    base = "http://compact.test"

    def __init__(self, statuses, *, start_blocks=True, start_error=None, status_errors=()):
        self.statuses = list(statuses)
        self.status_errors = list(status_errors)
        self.done = threading.Event()
        self.start_blocks, self.start_error = start_blocks, start_error
        self.started = 0

    def start(self, cycle, *, timeout=None):
        self.started += 1
        if self.start_error is not None:
            raise self.start_error
        if self.start_blocks:
            self.done.wait(10)
        return self.statuses[-1]

    def status(self, cycle, *, timeout=None):
        if self.status_errors:
            raise self.status_errors.pop(0)
        answer = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if len(self.statuses) == 1:
            self.done.set()
        return answer


def test_following_reports_each_stage_and_ends_with_the_release_verdict():
    built = {"number": 1, "state": "draft", "passed": True, "error": ""}
    service = ScriptedService([
        _status("awaiting_masks"),
        _status("queued"),
        _status("running", processed=20),
        _status("done", processed=40, build={"number": 1, "state": "running", "stage": "secondary suppression", "attempts": 1}),
        _status("done", processed=40, build={"number": 1, "state": "running", "stage": "the audit", "attempts": 1}),
        _status("done", processed=40, release=built),
    ])
    said = []
    outcome = job_follow(api=service, cycle="2026", start=True, wait=30, interval=0.01, say=said.append)
    assert service.started == 1
    assert outcome.code == FINISHED
    assert outcome.line == ("Release 1 built and passed its audit. Review and publish it on "
                            "http://compact.test/office/cycles/2026/review/")
    assert [line.split("] ", 1)[1] for line in said] == [
        "Asking the service to start adding the mask sums.",
        "Adding the mask sums: queued, 0 of 40 submissions summed.",
        "Adding the mask sums: running, 20 of 40 submissions summed.",
        "Unmask done; building release 1: secondary suppression.",
        "Unmask done; building release 1: the audit.",
    ]
    assert said[0].startswith("[0:00] ")


def test_a_refused_or_unbuilt_release_and_a_failed_unmask_end_as_failures():
    refused = _status("done", release={"number": 2, "state": "refused", "passed": False, "error": "cell x exposed"})
    assert status_describe(refused, base="http://s")[1].code == FAILED
    assert "Release 2 refused by the audit: cell x exposed" in status_describe(refused)[0]
    unbuilt = _status("done", release={"number": 1, "state": "failed", "passed": False, "error": "out of memory"})
    assert "Release 1 could not be built: out of memory" in status_describe(unbuilt)[0]
    failed = job_follow(api=ScriptedService([_status("failed", error="the mask sums do not match")]), cycle="2026",
                        start=False, wait=5, interval=0.01, say=lambda _: None)
    assert failed == type(failed)(FAILED, "The unmask failed: the mask sums do not match")


def test_a_status_request_that_times_out_is_said_and_asked_again():
    service = ScriptedService([_status("done", release={"number": 1, "state": "draft", "passed": True, "error": ""})],
                              start_blocks=False, status_errors=[requests.Timeout("read timed out")])
    said = []
    outcome = job_follow(api=service, cycle="2026", start=False, wait=5, interval=0.01, say=said.append)
    assert outcome.code == FINISHED
    assert "did not answer the status request (Timeout)" in said[0]


def test_following_stops_at_its_bound_and_says_the_job_carries_on():
    service = ScriptedService([_status("running", processed=3)], start_blocks=False)
    outcome = job_follow(api=service, cycle="2026", start=False, wait=0.2, interval=0.05, say=lambda _: None)
    assert outcome.code == RUNNING
    assert outcome.line.startswith("Still running after 0:00: Adding the mask sums: running, 3 of 40")
    assert "python -m aggregation.office status --cycle 2026 --url http://compact.test --wait 1800" in outcome.line


def test_a_start_the_service_refuses_ends_the_follow_with_its_reason():
    service = ScriptedService([_status("awaiting_masks")], start_error=UnmaskRefused(
        "The service answered 409: Mask sums are missing for all; upload them first."))
    outcome = job_follow(api=service, cycle="2026", start=True, wait=5, interval=0.01, say=lambda _: None)
    assert outcome == type(outcome)(FAILED, "The service answered 409: Mask sums are missing for all; upload them first.")


@pytest.mark.slow
@pytest.mark.auto_release
@pytest.mark.django_db(transaction=True)
def test_unmask_follows_the_release_build_to_its_verdict(world, populated_cycle, office_private_key, live_server,
                                                         tmp_path, capsys):
    from tests.factories import synthetic_vectors

    pop = populated_cycle(10, vectors=synthetic_vectors(10), industries=("IT",), sizes=("200-499",))
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    pem = office_private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"a long office passphrase"),
    )
    (tmp_path / "office.pem").write_bytes(pem)
    pw = _private(tmp_path / "pw", "a long office passphrase")
    _, api_key = office_api_key_create(principal=world.principal("root"), name="laptop")  # an administrator's key
    code = main(["unmask", "--cycle", "2026", "--key", str(tmp_path / "office.pem"), "--url", live_server.url,
                 "--api-key", api_key, "--passphrase-file", str(pw), "--min-cohort-employers", "8"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[-1] == (f"Release 1 built and passed its audit. Review and publish it on "
                         f"{live_server.url}/office/cycles/2026/review/")
    assert any("Mask sums sent" in line for line in lines)
