"""Health of the service's dependencies: the database and the task broker."""

from __future__ import annotations

from django.conf import settings
from django.db import connection


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "down"; report it, never raise
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}


def _broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager (tasks run in-process; no broker configured)"}
    from kombu import Connection

    try:
        # A fresh connection each time: a pooled one could hide a broker that went away.
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
        return {"ok": True, "mode": "broker", "transport": str(transport)}
    except Exception as exc:  # connection refused, DNS, auth: all mean "down"
        return {"ok": False, "mode": "broker", "error": type(exc).__name__}


def health_report() -> dict:
    database = _database()
    broker = _broker()
    return {"ok": database["ok"] and broker["ok"], "database": database, "broker": broker}
