"""Health endpoint and production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_health_reports_database_and_broker(client, db, settings):
    body = client.get("/api/v1/health").json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_health_answers_503_when_the_broker_is_down(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value-0123456789",
        "ALLOWED_HOSTS": "compact.example.org",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
        "SECURE_SSL_REDIRECT": "1",
        "TALENT_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/"])
def test_api_docs_are_served_without_a_cdn(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"):
        assert cdn not in body


@pytest.mark.parametrize(
    ("env", "trusted"),
    [({}, 0), ({"SECURE_SSL_REDIRECT": "1"}, 1), ({"TRUSTED_PROXIES": "1"}, 1),
     ({"SECURE_SSL_REDIRECT": "1", "TRUSTED_PROXIES": "0"}, 0)],
)
def test_forwarding_headers_are_trusted_only_behind_a_proxy(tmp_path, env, trusted):
    probe = (
        "from django.conf import settings as s; "
        "print(s.TRUSTED_PROXIES, s.SECURE_PROXY_SSL_HEADER, s.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("SECURE_SSL_REDIRECT", "TRUSTED_PROXIES")}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "compact.settings", "TALENT_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    header = "('HTTP_X_FORWARDED_PROTO', 'https')" if trusted else "None"
    assert result.stdout.split(None, 1) == [str(trusted), f"{header} {trusted}\n"]
