"""Counts that hold across server processes: the sign-in lockout and the throttles.

Two real gunicorn processes on free ports share one SQLite database (and, for the Redis
variant, one Redis); requests alternate between them, as a load balancer or gunicorn's own
workers would spread them. Each process is stopped by its PID when the module is done.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FAILURE_LIMIT = 5
ENROL_LIMIT = 6
SETUP = f"""
from django.contrib.auth import get_user_model
from compact.access import principal_for_user
from employers.models import Employer, EmployerMember
from employers.services.organisations import api_key_create
User = get_user_model()
User.objects.create_user("ana", "ana@example.org", {PASSWORD!r})
alice = User.objects.create_user("alice", "alice@example.org", {PASSWORD!r})
acme = Employer.objects.create(name="Acme", industry="IT", size_band="200-499")
EmployerMember.objects.create(user=alice, employer=acme)
_, raw = api_key_create(principal=principal_for_user(alice), employer=acme, name="etl")
print("KEY=" + raw)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _environment(data_dir: Path, cache_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    env.update({
        "PYTHONPATH": str(ROOT),
        "TALENT_DATA_DIR": str(data_dir),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SIGN_IN_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "ENROL_THROTTLE": f"{ENROL_LIMIT}/hour",
    })
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A data directory with a migrated database, two people and an employer's API key."""
    data_dir = tmp_path_factory.mktemp("two-processes")
    env = _environment(data_dir, None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)
    out = subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=120,
                         capture_output=True, text=True).stdout
    return data_dir, re.search(r"KEY=(\S+)", out).group(1)


@contextmanager
def two_servers(data_dir: Path, cache_url: str | None):
    """Two gunicorn processes (one sync worker each) on the same database and cache."""
    env = _environment(data_dir, cache_url)
    procs, urls = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = open(data_dir / f"gunicorn-{name}-{port}.log", "w")  # noqa: SIM115 - closed with the process
            procs.append((subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "compact.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--timeout", "60"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            ), log))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for (proc, log), url in zip(procs, urls, strict=True):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited early; see {log.name}")
                try:
                    if requests.get(f"{url}/api/v1/health", timeout=5).status_code == 200:
                        break
                except requests.RequestException:  # not listening yet, or still loading
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log.name}")
                time.sleep(0.2)
        yield urls
    finally:
        for proc, log in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.close()


def _sign_in(url: str, password: str) -> requests.Response:
    session = requests.Session()
    form = session.get(f"{url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return session.post(
        f"{url}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": "ana", "password": password},
        headers={"Referer": f"{url}/accounts/login/"}, allow_redirects=False, timeout=10,
    )


def test_sign_in_is_locked_after_the_configured_failures_spread_over_two_processes(prepared):
    data_dir, _ = prepared
    with two_servers(data_dir, None) as (a, b):
        statuses = [_sign_in((a, b)[i % 2], f"wrong-{i}").status_code for i in range(FAILURE_LIMIT)]
        # No process saw more than three failures, yet the fifth one, wherever it lands, locks.
        assert statuses == [200] * (FAILURE_LIMIT - 1) + [429]
        for url in (a, b):
            refused = _sign_in(url, PASSWORD)
            assert refused.status_code == 429, url
            assert "Signing in is paused" in refused.text and int(refused.headers["Retry-After"]) > 0
            assert "sessionid" not in refused.cookies


CACHES = {
    "database": None,  # the embedded default: the database cache
    "redis": "redis://127.0.0.1:6379/15?key_prefix=tests-{uuid}",
}


@pytest.mark.parametrize("cache", sorted(CACHES))
def test_the_enrolment_throttle_counts_requests_to_both_processes_together(prepared, cache):
    if cache == "redis" and not _redis_answers():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    data_dir, key = prepared
    cache_url = CACHES[cache] and CACHES[cache].format(uuid=uuid.uuid4().hex)
    headers = {"Authorization": f"Api-Key {key}"}
    with two_servers(data_dir, cache_url) as (a, b):
        statuses = []
        for i in range(2 * ENROL_LIMIT):
            url = (a, b)[i % 2]
            # A forged X-Forwarded-For does not make a new client.
            forged = {**headers, "X-Forwarded-For": f"192.0.2.{i}"}
            response = requests.post(f"{url}/api/v1/cycles/none/enrol", json={"code": f"TC-{i:05d}"},
                                     headers=forged, timeout=10)
            statuses.append(response.status_code)
    # Counted per process, each would have let six through; counted together, six in all.
    assert statuses == [404] * ENROL_LIMIT + [429] * ENROL_LIMIT
