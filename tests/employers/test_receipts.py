"""The confirmation page of a submitted version is its printable receipt, in the city's local
time and plain words; the PDF is the same receipt, tagged; only the employer's own versions."""

from __future__ import annotations

import subprocess
import zoneinfo

import pytest
from django.conf import settings
from django.test import Client

from employers.models import SealedSubmission
from tests.employers.test_pages import sealed_file


def signed_in(world, who) -> Client:
    client = Client()
    client.force_login(getattr(world, who))
    return client


@pytest.fixture
def submitted(world, make_cycle):
    make_cycle(state="open")
    alice = signed_in(world, "alice")
    alice.post("/employer/cycles/2026/submit", {"sealed": sealed_file(alice)})
    return alice


def test_the_receipt_says_when_in_local_time_and_how_in_plain_words(submitted):
    submission = SealedSubmission.objects.get()
    local = submission.received_at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    page = submitted.get("/employer/cycles/2026/submissions/1/").content.decode()
    assert settings.TIME_ZONE == "America/New_York"
    assert f"{local:%-d %B %Y, %H:%M} {local.tzname()}" in page and "(America/New_York time)" in page
    assert "Sealed file uploaded on the cycle page" in page and ">web<" not in page
    assert submission.masked_sha256 in page and "your latest version, the one that counts" in page
    assert 'href="/employer/cycles/2026/receipts/1.pdf"' in page and 'href="/employer/cycles/2026/receipts/1.json"' in page


def test_the_printable_receipt_hides_everything_but_the_receipt_when_printed(submitted):
    page = submitted.get("/employer/cycles/2026/submissions/1/?received=1").content.decode()
    assert "employers/receipt.css" in page and 'class="message success no-print"' in page
    css = (settings.BASE_DIR / "employers/static/employers/receipt.css").read_text()
    assert "@media print" in css and "header.top, footer.bottom, .skip, .no-print" in css


def test_the_cycle_page_lists_versions_in_plain_words_with_their_receipts(submitted):
    page = submitted.get("/employer/cycles/2026/").content.decode()
    assert "Sealed file uploaded on the cycle page" in page
    assert 'href="/employer/cycles/2026/submissions/1/"' in page and 'href="/employer/cycles/2026/receipts/1.pdf"' in page


def test_the_receipt_pdf_is_tagged_and_reads_as_the_page_does(submitted, tmp_path):
    response = submitted.get("/employer/cycles/2026/receipts/1.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="receipt-2026-v1.pdf"'
    path = tmp_path / "receipt.pdf"
    path.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "Receipt: version 1 of Acme Analytics" in info
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    submission = SealedSubmission.objects.get()
    local = submission.received_at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    assert "Sealed file uploaded on the cycle page" in text and f"{local:%H:%M} {local.tzname()}" in text
    assert submission.masked_sha256[:32] in text.replace("\n", "").replace(" ", "")


def test_an_unknown_version_has_no_receipt(submitted):
    assert submitted.get("/employer/cycles/2026/submissions/2/").status_code == 404
    assert submitted.get("/employer/cycles/2026/receipts/2.pdf").status_code == 404
    assert submitted.get("/employer/cycles/2027/submissions/1/").status_code == 404
