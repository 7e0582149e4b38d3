"""The repository's entry points: compose file, Makefile targets, CI script."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_accepts_the_compose_file():
    env = {**os.environ, "SECRET_KEY": "s", "AT_REST_KEYS": "k"}
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--services"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"web", "worker", "beat", "db", "redis"}


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
