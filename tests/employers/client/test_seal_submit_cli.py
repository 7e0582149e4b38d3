"""``seal`` and ``submit`` end to end against a live service."""

from __future__ import annotations

import json

import pytest

from employers.client.cli import main
from employers.client.synthetic import synthetic_employees, write_csv
from employers.models import SealedSubmission
from employers.services.organisations import api_key_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def setup(world, make_cycle, tmp_path, live_server):
    make_cycle(state="open")
    _, raw = api_key_create(principal=world.principal("alice"), employer=world.acme, name="cli")
    client = world.client("alice")
    key_path = tmp_path / "cycle-key.json"
    key_path.write_text(json.dumps(client.get("/api/v1/cycles/2026/cycle-key").json()))
    extract = write_csv(synthetic_employees(n=300, seed=3), tmp_path / "payroll.csv")
    return {"key": key_path, "extract": extract, "api_key": raw, "url": live_server.url, "tmp": tmp_path}


def test_seal_then_submit_stores_a_version_and_saves_a_receipt(setup, capsys):
    sealed = setup["tmp"] / "sealed.json"
    assert main(["seal", str(setup["extract"]), "--cycle-key", str(setup["key"]), "--out", str(sealed)]) == 0
    out = capsys.readouterr().out
    assert "300 of 300 rows used" in out and "version 1" in out
    envelope = json.loads(sealed.read_text())
    assert envelope["version"] == 1 and "Annual Compensation" not in sealed.read_text()
    receipt = setup["tmp"] / "receipt.json"
    code = main(["submit", str(sealed), "--url", setup["url"], "--api-key", setup["api_key"], "--receipt", str(receipt)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert json.loads(receipt.read_text())["version"] == 1
    stored = SealedSubmission.objects.get()
    local = stored.received_at.astimezone()  # this computer's time zone, not UTC's ISO form
    assert f"received {local.day} {local:%B %Y, %H:%M} {local.tzname()}." in out and "+00:00" not in out
    assert SealedSubmission.objects.get().masked_sha256 == envelope["masked_sha256"]
    # The same file again is a replay of version 1 and is refused.
    assert main(["submit", str(sealed), "--url", setup["url"], "--api-key", setup["api_key"]]) == 1
    assert "not newer than your latest" in capsys.readouterr().out


def test_seal_refuses_an_extract_with_errors_and_writes_nothing(setup, capsys):
    bad = setup["tmp"] / "bad.csv"
    bad.write_text(setup["extract"].read_text().replace("Female", "Femal", 1) + "dup,2 Professionals,White,Male,-5,0,3,\n")
    sealed = setup["tmp"] / "sealed.json"
    assert main(["seal", str(bad), "--cycle-key", str(setup["key"]), "--out", str(sealed)]) == 1
    out = capsys.readouterr().out
    assert "Nothing was sealed" in out and "Female" in out
    assert not sealed.exists()


def test_seal_refuses_an_unexpected_office_key_fingerprint(setup, capsys):
    code = main(["seal", str(setup["extract"]), "--cycle-key", str(setup["key"]), "--out",
                 str(setup["tmp"] / "s.json"), "--expect-fingerprint", "ffff ffff ffff ffff"])
    assert code == 2 and "Do not submit" in capsys.readouterr().out


def test_submit_reports_an_unreachable_service_and_a_bad_key(setup, capsys):
    sealed = setup["tmp"] / "sealed.json"
    main(["seal", str(setup["extract"]), "--cycle-key", str(setup["key"]), "--out", str(sealed)])
    capsys.readouterr()
    assert main(["submit", str(sealed), "--url", "http://127.0.0.1:9", "--api-key", "k"]) == 2
    assert "could not reach" in capsys.readouterr().out
    assert main(["submit", str(sealed), "--url", setup["url"], "--api-key", "tc_nope_nope"]) == 1
    assert "not valid" in capsys.readouterr().out
