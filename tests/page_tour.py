"""Every page of the service, as each role reaches it on the demo's data (``manage.py demo``):
the stops of the accessibility sweep (tests/test_accessibility.py) and of the screenshot script
(tests/screenshots.py).

The demo leaves cycle 2026 published and cycle 2027 open (most employers submitted, hr01–hr03
with invitations still outstanding), so every page has real content. A stop names the route it
shows (a URL name of compact/urls.py), so the sweep can tell when a page route is missing.

Nothing here imports Django: the stops are driven over HTTP through Playwright.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "demo passphrase 2026"  # compact/demo.py's DEMO_PASSWORD
NO_ROLE_USER = "nobody"  # created next to the demo by demo_site(), signed in with no role
WIDTHS = (1280, 390)

# Who plays each role on the demo's data. hr05 is enrolled in both cycles and its extract is a CSV.
PEOPLE = {"public": None, "employer": "hr05", "office": "analyst", "admin": "admin", "no role": NO_ROLE_USER}
EMPLOYER_FOLDER = "employer-05"


@dataclass(frozen=True)
class Site:
    url: str  # e.g. http://127.0.0.1:8125
    out: Path  # the demo's --out folder (the employers' extracts are there)


@dataclass(frozen=True)
class Stop:
    role: str  # a key of PEOPLE
    name: str  # short and unique: the test id and the screenshot's file name
    route: str  # the URL name (compact/urls.py) of the page shown
    path: str  # where to go first
    act: Callable | None = None  # act(page, site): reach the state to look at (fill, click, wait)
    status: int = 200
    overflow_ok: str = ""  # why this page may scroll sideways at 390 px ("" = it must not)
    console_ok: str = ""  # a console error this page is expected to log (a status it answers with)


def _wait_until(page, expression: str, timeout: float = 60.0) -> None:
    # page.wait_for_function compiles its predicate in the page, which the CSP refuses.
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} s: {expression}")
        page.wait_for_timeout(100)


def _wrong_password(page, site):
    page.fill("#id_username", "hr05")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector(".error-summary")


def _lock_out(page, site):
    # A made-up account, so no demo person is locked; the lock is per account and address.
    for _ in range(10):
        page.fill("#id_username", "locked-out-example")
        page.fill("#id_password", "wrong")
        with page.expect_navigation():
            page.click("button[type=submit]")
        if page.locator("#id_username").count() == 0:
            return
    raise AssertionError("ten wrong passwords did not lock the account")


def _expired_form(page, site):
    # A form whose CSRF token is gone, as after a long pause: the styled refusal (403_csrf.html).
    page.evaluate("() => document.querySelector('input[name=csrfmiddlewaretoken]').remove()")
    page.fill("#id_username", "hr05")
    page.fill("#id_password", "anything")
    with page.expect_navigation():
        page.click("button[type=submit]")


def _extract(site) -> str:
    return str(site.out / "employers" / EMPLOYER_FOLDER / "payroll.csv")


def _check_file(page, site):
    page.set_input_files("#extract", _extract(site))
    _wait_until(page, "() => Number(document.body.dataset.checks || 0) > 0")


def _compare(page, site):
    _check_file(page, site)
    page.click("#compare-button")
    page.wait_for_selector("#compare-output section", timeout=120_000)


def _revoke_invitation(page, site):
    href = page.locator("a[href*='/invitations/'][href$='/revoke']").first.get_attribute("href")
    page.goto(f"{site.url}{href}")
    page.wait_for_selector("form button[type=submit]")


def _revoke_office_key(page, site):
    page.locator("button[name=revoke]").first.click()
    page.wait_for_selector("text=stops working at once")


def _join_refused(page, site):
    # A code that is not one, so the page shows its error summary (and nothing is made).
    page.fill("#id_code", "TC-00000-00000-00000-00000")
    page.fill("#id_username", "someone.new")
    page.fill("#id_password", "quiet-harbour-lantern-41")
    page.fill("#id_password_again", "quiet-harbour-lantern-41")
    with page.expect_navigation():
        page.click("main button[type=submit]")


def _bulk_refused(page, site):
    # A file with a problem in each column: the problems are listed on the cycle page, nothing sent.
    page.set_input_files("#bulk-file", files=[{"name": "invitations.csv", "mimeType": "text/csv",
                                               "buffer": b"employer,email\nNobody Ltd,not-an-address\n"}])
    with page.expect_navigation():
        page.locator("form[action$='/invitations/bulk'] button[type=submit]").click()


def _remind_everyone(page, site):
    with page.expect_navigation():
        page.click("button[name=scope][value=all]")
    page.wait_for_selector("text=An email cannot be called back")


STOPS = [
    Stop("public", "home", "home", "/"),
    Stop("public", "login", "login", "/accounts/login/"),
    Stop("public", "login-error", "login", "/accounts/login/", act=_wrong_password),
    Stop("public", "locked-out", "login", "/accounts/login/", act=_lock_out, console_ok="429 (Too Many Requests)"),
    Stop("public", "expired-form", "login", "/accounts/login/", act=_expired_form, console_ok="403 (Forbidden)"),
    Stop("public", "releases", "public-releases", "/releases/"),
    Stop("public", "report-2026", "public-report", "/releases/2026/"),
    Stop("public", "not-found", "", "/releases/nope/", status=404),
    Stop("public", "join", "employer-join", "/join/?cycle=2027"),
    Stop("public", "join-refused", "employer-join", "/join/?cycle=2027", act=_join_refused,
         console_ok="400 (Bad Request)"),
    Stop("employer", "employer-home", "employer-home", "/employer/"),
    Stop("employer", "employer-cycle-2026", "employer-cycle", "/employer/cycles/2026/"),
    Stop("employer", "employer-cycle-2027", "employer-cycle", "/employer/cycles/2027/"),
    Stop("employer", "employer-submission", "employer-submission", "/employer/cycles/2026/submissions/1/"),
    Stop("employer", "browser-2027", "employer-browser", "/employer/cycles/2027/browser"),
    Stop("employer", "browser-2027-checked", "employer-browser", "/employer/cycles/2027/browser", act=_check_file),
    Stop("employer", "browser-2026-compare", "employer-browser", "/employer/cycles/2026/browser", act=_compare),
    # A page of another role does not admit to existing (compact/pages.py, role_required): 404.
    Stop("employer", "office-page-as-employer", "office-cycles", "/office/cycles/", status=404),
    Stop("employer", "employer-not-found", "employer-cycle", "/employer/cycles/nope/", status=404),
    Stop("office", "office-cycles", "office-cycles", "/office/cycles/"),
    Stop("office", "office-cycle-2026", "office-cycle", "/office/cycles/2026/"),
    Stop("office", "office-cycle-2027", "office-cycle", "/office/cycles/2027/"),
    Stop("office", "office-close-confirm", "office-cycle-close", "/office/cycles/2027/close"),
    Stop("office", "office-bulk-refused", "office-invitations-bulk", "/office/cycles/2027/", act=_bulk_refused),
    Stop("office", "office-remind-confirm", "office-reminders", "/office/cycles/2027/", act=_remind_everyone),
    Stop("office", "about-signed-in", "public-landing", "/about/"),
    Stop("office", "office-revoke-invitation-confirm", "office-invitation-revoke", "/office/cycles/2027/",
         act=_revoke_invitation),
    Stop("office", "office-review-2026", "office-review", "/office/cycles/2026/review/"),
    Stop("office", "office-draft-report-2026", "office-draft-report", "/office/cycles/2026/review/report"),
    Stop("office", "office-employers", "office-employers", "/office/employers/"),
    Stop("office", "office-keys", "office-keys", "/office/keys/"),
    Stop("office", "office-key-revoke-confirm", "office-keys", "/office/keys/", act=_revoke_office_key),
    Stop("office", "office-not-found", "office-cycle", "/office/cycles/nope/", status=404),
    Stop("admin", "people", "people", "/people/"),
    Stop("admin", "admin-office-cycles", "office-cycles", "/office/cycles/"),
    Stop("no role", "no-role-home", "home", "/"),
]

# Named routes that are not pages, or that the demo's data cannot show; each says why.
NOT_PAGES = {
    "logout": "POST-only action (signs out, then redirects)",
    "office-participation-csv": "CSV download",
    "office-invitations-example": "CSV download (the example file of bulk invitations)",
    "office-drill-down-csv": "CSV download (the drill-down table as shown)",
    "office-cycle-action": "POST-only actions (open, register the office key)",
    "office-invitation-create": "POST-only action",
    "employer-enrol": "POST-only action",
    "employer-cycle-key": "JSON",
    "employer-template": "CSV/XLSX/text downloads",
    "employer-submit": "POST-only action",
    "employer-receipt": "JSON",
    "employer-receipt-pdf": "PDF (looked at with pdftoppm)",
    "employer-api-key-create": "POST-only action",
    "employer-api-key-revoke": "POST-only action, no confirmation page",
    "public-report-pdf": "PDF (looked at with pdftoppm)",
    "office-publish": "its confirmation needs a draft release that passed its audit, which the demo has "
                      "published already; it is compact/confirm.html, as the close and revoke confirmations are",
    "office-rebuild": "POST-only action",
    "office-resubmission-grant": "POST-only action",
    "office-plan": "POST-only action",
    "taxonomy-file": "JSON rule files of the browser page",
    "api-schema": "OpenAPI YAML",
    "api-docs": "Swagger UI's own markup and styles (third-party), not the project's pages",
}
NOT_PAGES_PREFIXES = {"api/v1/": "the JSON API"}


def sign_in(context, site: Site, username: str) -> None:
    """Sign in through the login form, as a person would."""
    page = context.new_page()
    page.goto(f"{site.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if page.locator(".error-summary").count():
        raise AssertionError(f"could not sign in as {username} on {site.url}")
    page.close()


def visit(page, site: Site, stop: Stop):
    """Go to the stop and reach its state; returns the first response's status."""
    response = page.goto(f"{site.url}{stop.path}")
    status = response.status if response else 0
    if stop.act is not None:
        stop.act(page, site)
    return status


# --- a throwaway demo site, for the sweep ------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def demo_site(folder: Path, *, employers: int = 12) -> Iterator[Site]:
    """Run ``manage.py demo`` into ``folder``, add a person with no role, and serve it with
    runserver on a free port of 127.0.0.1 until the block ends."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env["TALENT_DATA_DIR"] = str(folder / "data")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = folder / "out"
    manage = [sys.executable, "manage.py"]
    result = subprocess.run([*manage, "demo", "--employers", str(employers), "--out", str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"the demo failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    create = ("from django.contrib.auth import get_user_model; "
              f"get_user_model().objects.create_user({NO_ROLE_USER!r}, 'nobody@example.org', {DEMO_PASSWORD!r})")
    subprocess.run([*manage, "shell", "-c", create], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(folder / "runserver.log", "w"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / "runserver.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield Site(url=f"http://127.0.0.1:{port}", out=out)
    finally:
        server.terminate()
        server.wait(timeout=30)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
