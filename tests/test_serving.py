"""The production serving stack: gunicorn with deploy/gunicorn.conf.py behind nginx with
deploy/nginx.conf, both run for real on free 127.0.0.1 ports.

The check of issue 17: twelve clients that send a sign-in body one byte a second hold every sync
worker of bare gunicorn, so /api/v1/health stops answering; through nginx it answers within 2 s
while they stay connected. Each process is stopped by its PID at the end.
"""

from __future__ import annotations

import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install -y nginx)"),
]

SLOW_CLIENTS = 12
HEALTH_WITHIN_SECONDS = 2.0
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_conf_rendered(*, listen: int, upstream: int, prefix: Path) -> str:
    """deploy/nginx.conf with only its addresses and file paths moved to 127.0.0.1 and
    ``prefix``; each rewrite must apply, so a changed file cannot be tested silently as
    something else."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    rewrites = [
        (r"^user nginx;$", f"user {pwd.getpwuid(os.geteuid()).pw_name};"),
        (r"^pid /var/run/nginx\.pid;$", f"pid {prefix}/nginx.pid;"),
        (r"/var/cache/nginx/", f"{prefix}/"),
        (r"listen 8080;", f"listen 127.0.0.1:{listen};"),
        (r"server web:8000;", f"server 127.0.0.1:{upstream};"),
    ]
    for pattern, replacement in rewrites:
        text, n = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert n >= 1, f"deploy/nginx.conf no longer has {pattern!r}"
    return text


def wait_until_listening(port: int, proc: subprocess.Popen, *, timeout: float, healthy: bool = False) -> None:
    """Until ``port`` accepts connections (and, with ``healthy``, /api/v1/health answers 200)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args[0]} exited with {proc.returncode}"
        try:
            if not healthy:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            if health(port, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port} within {timeout} s")


def health(port: int, *, timeout: float = HEALTH_WITHIN_SECONDS) -> tuple[int, float]:
    """(status, seconds) of GET /api/v1/health; raises OSError (a timeout) if it takes longer."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/api/v1/health")
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - start
    finally:
        conn.close()


def probe_health(port: int, *, seconds: float) -> list[float | None]:
    """/health's latency every half second for ``seconds``; None for a probe that got no 200
    within HEALTH_WITHIN_SECONDS."""
    latencies: list[float | None] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, took = health(port)
            latencies.append(took if status == 200 else None)
        except OSError:
            latencies.append(None)
        time.sleep(0.5)
    return latencies


@contextmanager
def slow_clients(port: int, n: int):
    """``n`` connections that POST the sign-in form and send its body one byte a second."""
    header = (
        b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\n"
    )
    sockets = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(header)
        sockets.append(s)
    stop = threading.Event()
    broken: list[OSError] = []

    def drip():
        while not stop.wait(1.0):
            for s in sockets:
                try:
                    s.sendall(b"u")
                except OSError as exc:
                    broken.append(exc)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        yield sockets, broken
    finally:
        stop.set()
        thread.join(timeout=5)
        for s in sockets:
            s.close()


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def nginx_start(tmp: Path, *, listen: int, upstream: int) -> subprocess.Popen:
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_conf_rendered(listen=listen, upstream=upstream, prefix=tmp))
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=open(tmp / "nginx.err", "w"),  # noqa: SIM115
    )
    wait_until_listening(listen, proc, timeout=10)
    return proc


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn (deploy/gunicorn.conf.py, two workers, the embedded SQLite default) and nginx
    (deploy/nginx.conf) in front of it."""
    tmp = tmp_path_factory.mktemp("serving")
    tmp.chmod(0o755)
    web, proxy = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        PYTHONPATH=str(ROOT), TALENT_DATA_DIR=str(tmp / "data"), WEB_CONCURRENCY=str(WORKERS),
        TRUSTED_PROXIES="1", DEBUG="0",
    )
    access_log = tmp / "gunicorn-access.log"
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "compact.wsgi", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{web}", "--access-logfile", str(access_log),
         "--access-logformat", "xff=%({x-forwarded-for}i)s proto=%({x-forwarded-proto}i)s %(r)s %(s)s"],
        cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "gunicorn.err", "w"),  # noqa: SIM115
    )
    proxy_proc = None
    try:
        wait_until_listening(web, gunicorn, timeout=45, healthy=True)
        proxy_proc = nginx_start(tmp, listen=proxy, upstream=web)
        yield {"web": web, "proxy": proxy, "tmp": tmp, "access_log": access_log}
    finally:
        if proxy_proc is not None:
            stop(proxy_proc)
        stop(gunicorn)


def test_health_answers_within_2_s_through_nginx_while_12_slow_clients_send_a_sign_in_body(stack):
    with slow_clients(stack["proxy"], SLOW_CLIENTS) as (sockets, broken):
        time.sleep(1.5)
        latencies = probe_health(stack["proxy"], seconds=8)
        # The slow clients were still connected and sending, and nothing was answered to them.
        assert not broken
        for s in sockets:
            s.setblocking(False)
            with pytest.raises(BlockingIOError):
                s.recv(1)
    assert len(latencies) >= 8
    assert None not in latencies
    print(f"/health through nginx with {SLOW_CLIENTS} slow clients: {len(latencies)} probes, max {max(latencies):.3f} s")
    assert max(latencies) < HEALTH_WITHIN_SECONDS


def test_bare_gunicorn_stops_answering_health_while_the_same_slow_clients_hold_its_workers(stack):
    with slow_clients(stack["web"], SLOW_CLIENTS):
        time.sleep(1.5)
        latencies = probe_health(stack["web"], seconds=5)
    print(f"/health on bare gunicorn with {SLOW_CLIENTS} slow clients: {latencies}")
    assert latencies and all(t is None for t in latencies)
    # Once they are gone, the workers answer again.
    deadline = time.monotonic() + 20
    while True:
        try:
            if health(stack["web"])[0] == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "gunicorn did not recover after the slow clients left"
        time.sleep(0.3)


def test_a_client_that_stops_sending_its_body_is_dropped_after_client_body_timeout(stack):
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", stack["proxy"]), timeout=20) as s:
        s.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nu"
        )
        try:
            answer = s.recv(100)
        except ConnectionResetError:
            answer = b""
    waited = time.monotonic() - start
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
    assert 9 <= waited < 15, waited


def test_nginx_refuses_a_body_larger_than_the_service_reads_with_the_api_s_json(stack):
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    conn = http.client.HTTPConnection("127.0.0.1", stack["proxy"], timeout=5)
    conn.putrequest("POST", "/api/v1/cycles/2026/submissions")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(limit + 1))
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/json"
    assert b'"code": "too_large"' in body and f"{limit:,}".encode() in body


def test_nginx_replaces_the_forwarding_headers_a_client_sends(stack):
    conn = http.client.HTTPConnection("127.0.0.1", stack["proxy"], timeout=5)
    conn.request("GET", "/api/v1/health?forwarding", headers={
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
    })
    assert conn.getresponse().status == 200
    conn.close()
    deadline = time.monotonic() + 5
    while "forwarding" not in stack["access_log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(x for x in stack["access_log"].read_text().splitlines() if "forwarding" in x)
    assert line.startswith("xff=127.0.0.1 proto=http GET")


def test_api_clients_get_a_json_503_with_retry_after_when_gunicorn_does_not_answer(tmp_path):
    tmp_path.chmod(0o755)
    port = free_port()
    proc = nginx_start(tmp_path, listen=port, upstream=free_port())
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api/v1/health")
        response = conn.getresponse()
        body = response.read()
        conn.close()
    finally:
        stop(proc)
    assert response.status == 503
    assert response.getheader("Retry-After") == "30"
    assert b'"code": "service_unavailable"' in body
