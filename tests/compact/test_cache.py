"""The cache every throttle counts in: shared by all processes, ready after `migrate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedded_default_caches_in_the_database_whose_table_migrate_created(db):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    # The test database was made by `migrate`; the post_migrate hook created the table.
    assert settings.CACHES["default"]["LOCATION"] in connection.introspection.table_names()
    cache.set("shared", 42)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {settings.CACHES['default']['LOCATION']}")
        assert cursor.fetchone()[0] == 1


def _caches_with(**env) -> dict:
    script = "import django; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    result = subprocess.run(
        [sys.executable, "-c", f"import json; {script}"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "compact.settings", "PYTHONPATH": str(ROOT), **env},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["default"]


def test_cache_url_selects_redis_and_its_key_prefix_counts():
    config = _caches_with(CACHE_URL="redis://127.0.0.1:6379/1?key_prefix=compact")
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert config["KEY_PREFIX"] == "compact" and "key_prefix" not in config


def test_a_forged_forwarded_header_does_not_escape_the_enrolment_throttle(world, make_cycle):
    from employers.services.organisations import api_key_create

    cycle = make_cycle("2031", enrol=())
    _, raw = api_key_create(principal=world.principal("alice"), employer=world.acme, name="etl")
    cache.clear()
    # A key's request has no user, so the throttle tells clients apart by their address.
    client = world.client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    statuses = [
        client.post(f"/api/v1/cycles/{cycle.slug}/enrol", {"code": f"TC-{i:05d}"}, format="json",
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
        for i in range(35)
    ]
    assert statuses[:30] == [404] * 30 and statuses[30:] == [429] * 5
