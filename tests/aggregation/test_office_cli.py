"""The office command line: keygen, and unmask against a live service over HTTP."""

from __future__ import annotations

import json
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from aggregation.office.__main__ import main
from aggregation.office.keys import private_key_load
from compact.models import Cycle
from compact.services.cycles import cycle_close
from employers.services.organisations import office_api_key_create


def test_keygen_writes_a_protected_private_key_and_a_public_key_document(tmp_path, capsys):
    pw = tmp_path / "pw"
    pw.write_text("a long office passphrase\n")
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
    pw = tmp_path / "pw"
    pw.write_text("short")
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
    (tmp_path / "pw").write_text("a long office passphrase")
    _, api_key = office_api_key_create(principal=world.principal("ana"), name="laptop")
    args = ["unmask", "--cycle", "2026", "--key", str(tmp_path / "office.pem"), "--url", live_server.url,
            "--api-key", api_key, "--passphrase-file", str(tmp_path / "pw")]
    assert main(args + ["--expect-fingerprint", "0000 0000 0000 0000"]) == 1
    assert "not the one you expected" in capsys.readouterr().err
    assert main(args + ["--expect-fingerprint", pop.cycle.office_key_fingerprint[:20]]) == 0
    assert "Mask sums uploaded" in capsys.readouterr().out
    assert Cycle.objects.get(pk=pop.cycle.pk).state == "unmasked"
