"""The repository's entry points: compose file, Makefile targets, CI script."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose_config() -> dict:
    """The compose file as docker-compose itself reads it (variables filled, anchors merged)."""
    env = {**os.environ, "SECRET_KEY": "s", "AT_REST_KEYS": "k"}
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


needs_compose = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")


@needs_compose
def test_docker_compose_accepts_the_compose_file():
    assert set(compose_config()["services"]) == {"proxy", "web", "worker", "beat", "db", "redis"}


@needs_compose
def test_only_the_proxy_is_on_a_public_port_and_gunicorn_only_on_the_internal_network():
    config = compose_config()
    services = config["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert [p["target"] for p in services["proxy"]["ports"]] == [8080]
    assert "listen 8080;" in (ROOT / "deploy" / "nginx.conf").read_text()
    assert any(v.endswith("deploy/nginx.conf:/etc/nginx/nginx.conf:ro") for v in services["proxy"]["volumes"])
    assert set(services["web"]["networks"]) == {"backend"}
    assert config["networks"]["backend"]["internal"] is True
    assert set(services["proxy"]["networks"]) == {"edge", "backend"}
    assert "gunicorn compact.wsgi -c deploy/gunicorn.conf.py" in services["web"]["command"]
    assert "server web:8000;" in (ROOT / "deploy" / "nginx.conf").read_text()
    assert services["web"]["environment"]["TRUSTED_PROXIES"] == "1"


def test_the_image_holds_every_package_and_serves_with_the_gunicorn_config():
    dockerfile = (ROOT / "Dockerfile").read_text()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in {p.rstrip("*") for p in packages}:
        assert f"COPY {package} ./{package}" in dockerfile, package
    assert "COPY deploy ./deploy" in dockerfile
    assert 'CMD ["gunicorn", "compact.wsgi", "-c", "deploy/gunicorn.conf.py"]' in dockerfile


def _nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def test_nginx_refuses_exactly_the_bodies_the_service_would_refuse_and_drops_stalled_clients(settings):
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    directives = dict(re.findall(r"^\s*(\w+) ([^;{]+);", conf, flags=re.MULTILINE))
    assert _nginx_size(directives["client_max_body_size"]) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in conf
    timeouts = {k: directives[k] for k in ("client_header_timeout", "client_body_timeout", "send_timeout")}
    assert timeouts == {"client_header_timeout": "10s", "client_body_timeout": "10s", "send_timeout": "30s"}
    assert directives["proxy_request_buffering"] == "on"
    assert directives["proxy_buffering"] == "on"


def test_the_readme_quick_start_is_exactly_make_demo_and_make_test():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Quick start")
    section = readme[start : readme.index("\n## ", start + 1)]
    commands = [line.strip() for line in section.splitlines() if line.startswith("make ")]
    assert commands == ["make demo", "make test"]


def test_ci_runs_make_test_on_both_stacks():
    script = (ROOT / ".ci" / "run").read_text()
    assert script.count("make test") == 2
    assert "CELERY_BROKER_URL" in script and "DATABASE_URL" in script
