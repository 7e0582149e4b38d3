"""Sign-in lockout: counted in the database, per account and address, shown on a page."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from compact.lockout import client_address
from compact.models import AuditEvent
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def _attempt(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, username, times, address="10.0.0.1"):
    return [_attempt(client, username, f"wrong-{i}", address).status_code for i in range(times)]


def test_the_right_password_is_refused_once_the_limit_of_failures_is_reached(world):
    client = Client()
    assert _fail(client, "ana", 2) == [200, 200]
    assert _fail(client, "ana", 1) == [429]
    locked = _attempt(client, "ana", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/office/cycles/").status_code == 302  # still sent to sign in


def test_the_lockout_is_a_page_that_says_why_and_until_when(world):
    client = Client()
    _fail(client, "ana", 3)
    page = _attempt(client, "ana", PASSWORD)
    text = page.content.decode()
    assert page.status_code == 429 and page["Content-Type"].startswith("text/html")
    assert "<h1>Signing in is paused</h1>" in text and "compact/site.css" in text
    assert "3 failed attempts" in text and "15 minutes" in text and "not even with the right password" in text
    assert 14 * 60 < int(page["Retry-After"]) <= 15 * 60


def test_a_refused_attempt_while_locked_does_not_extend_the_lock(world):
    client = Client()
    _fail(client, "ana", 3)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=10))
    before = AccessAttempt.objects.get().attempt_time
    assert _fail(client, "ana", 2) == [429, 429]
    assert AccessAttempt.objects.get().attempt_time == before
    assert int(_attempt(client, "ana", PASSWORD)["Retry-After"]) <= 5 * 60


def test_signing_in_works_again_after_the_cool_off(world):
    client = Client()
    _fail(client, "ana", 3)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert _attempt(client, "ana", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(world.ana.pk)


def test_the_lock_holds_one_account_from_one_address_only(world):
    client = Client()
    _fail(client, "ana", 3, address="10.0.0.1")
    assert _attempt(Client(), "ana", PASSWORD, address="10.0.0.2").status_code == 302
    assert _attempt(Client(), "alice", PASSWORD, address="10.0.0.1").status_code == 302


def test_a_successful_sign_in_starts_the_count_again(world):
    client = Client()
    _fail(client, "ana", 2)
    assert _attempt(client, "ana", PASSWORD).status_code == 302
    _fail(Client(), "ana", 2)
    assert _attempt(Client(), "ana", PASSWORD).status_code == 302


def test_the_lock_is_audited_once_and_logged(world, caplog):
    caplog.set_level(logging.WARNING, logger="compact.lockout")
    client = Client()
    _fail(client, "ana", 5)
    _attempt(client, "ana", PASSWORD)
    events = AuditEvent.objects.filter(action="sign_in.locked")
    assert events.count() == 1
    event = events.get()
    assert event.object_id == str(world.ana.pk) and event.actor_label == "system"
    assert event.details == {"username": "ana", "address": "10.0.0.1", "failures": 3, "cooloff_minutes": 15}
    messages = [r.getMessage() for r in caplog.records if r.name == "compact.lockout"]
    assert messages[0] == "Sign-in locked: 'ana' from 10.0.0.1 after 3 failed attempts, for 0:15:00"
    assert messages[1:] == ["Sign-in refused: 'ana' from 10.0.0.1 is locked"] * 3


def test_a_name_that_is_no_account_is_locked_too_but_not_audited(world, caplog):
    caplog.set_level(logging.WARNING, logger="compact.lockout")
    client = Client()
    assert _fail(client, "nobody", 4) == [200, 200, 429, 429]
    assert not AuditEvent.objects.filter(action="sign_in.locked").exists()
    assert any("'nobody' from 10.0.0.1 after 3" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy trusted: the header is the client's own claim
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # a client-sent entry is further left
        (2, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: not behind them
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_address_is_what_the_trusted_proxies_saw(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_behind_a_proxy_a_forged_forwarded_header_does_not_escape_the_lock(world, settings):
    settings.TRUSTED_PROXIES = 1
    client = Client()
    for i in range(3):
        # The proxy appends the address it saw; what the attacker sends stays to its left.
        client.post(LOGIN, {"username": "ana", "password": "x"}, REMOTE_ADDR="10.0.0.1",
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.9")
    locked = client.post(LOGIN, {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1",
                         HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.9")
    assert locked.status_code == 429
