"""The employer's cycle page: the cycle key, uploading a sealed file, history and receipts."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.test import Client

from employers.models import SealedSubmission
from employers.services.submissions import receipt_verify
from protocol.layout import layout_for
from protocol.officekey import public_key_load
from protocol.sealing import seal
from tests.factories import altered_after_sealing, random_vector


def signed_in(world, who) -> Client:
    client = Client()
    client.force_login(getattr(world, who))
    return client


def sealed_file(client, slug="2026") -> io.BytesIO:
    params = json.loads(client.get(f"/employer/cycles/{slug}/cycle-key.json").content)
    doc = seal(
        elements=random_vector(layout_for(), np.random.default_rng(1)),
        public_key=public_key_load(json.dumps(params["office_key"])), cycle=params["cycle"],
        employer=params["employer"], version=params["next_version"], taxonomy=params["taxonomy"],
        layout=params["layout"],
    )
    upload = io.BytesIO(json.dumps(doc).encode())
    upload.name = "sealed.json"
    return upload


@pytest.fixture
def cycle(make_cycle):
    return make_cycle(state="open")


def test_an_employer_uploads_a_sealed_file_and_downloads_a_valid_receipt(world, cycle):
    alice = signed_in(world, "alice")
    page = alice.get("/employer/cycles/2026/").content.decode()
    assert "Download the cycle key" in page and "as version 1" in page
    response = alice.post("/employer/cycles/2026/submit", {"sealed": sealed_file(alice)})
    assert response.status_code == 302 and response["Location"] == "/employer/cycles/2026/submissions/1/?received=1"
    done = alice.get(response["Location"]).content.decode()
    assert "Version 1 is received" in done and "Sealed file uploaded on the cycle page" in done
    later = alice.get("/employer/cycles/2026/submissions/1/").content.decode()
    assert "is received" not in later and "Sealed file uploaded on the cycle page" in later
    receipt = json.loads(alice.get("/employer/cycles/2026/receipts/1.json").content)
    assert receipt_verify(receipt) and receipt["employer"] == "Acme Analytics"
    assert SealedSubmission.objects.get().received_via == "web"


def test_upload_mistakes_are_explained(world, cycle):
    alice = signed_in(world, "alice")
    extract = io.BytesIO(b"Employee ID,Salary\n1,85000\n")
    extract.name = "payroll.csv"
    response = alice.post("/employer/cycles/2026/submit", {"sealed": extract})
    assert response.status_code == 400 and "payroll.csv is not a sealed file" in response.content.decode()
    response = alice.post("/employer/cycles/2026/submit", {})
    assert response.status_code == 400 and "Choose the sealed file" in response.content.decode()
    tampered = altered_after_sealing(json.loads(sealed_file(alice).getvalue()))
    upload = io.BytesIO(json.dumps(tampered).encode())
    upload.name = "sealed.json"
    page = alice.post("/employer/cycles/2026/submit", {"sealed": upload}, follow=True).content.decode()
    assert "altered after sealing" in page
    assert SealedSubmission.objects.count() == 0


def test_another_employer_sees_neither_the_cycle_nor_the_receipts(world, make_cycle):
    make_cycle(state="open", enrol=("acme",))
    alice = signed_in(world, "alice")
    alice.post("/employer/cycles/2026/submit", {"sealed": sealed_file(alice)})
    bob = signed_in(world, "bob")
    assert bob.get("/employer/cycles/2026/").status_code == 404
    assert bob.get("/employer/cycles/2026/receipts/1.json").status_code == 404
    assert bob.get("/employer/cycles/2026/submissions/1/").status_code == 404
    assert bob.get("/employer/cycles/2026/receipts/1.pdf").status_code == 404
    assert bob.get("/employer/cycles/2026/cycle-key.json").status_code == 404
