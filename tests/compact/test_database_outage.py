"""A database that stops answering: API clients get JSON 503 with Retry-After, pages a plain 503."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError


def _down(*args, **kwargs):
    raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused')


def test_an_api_client_gets_a_json_503_with_retry_after_when_the_database_is_down(world, monkeypatch):
    monkeypatch.setattr("compact.api.views.cycles_visible", _down)
    response = world.client("ana").get("/api/v1/cycles/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert "database" in body["detail"] and "Try again" in body["detail"]
    assert "10.0.0.5" not in response.content.decode()  # the driver's message stays in the log


def test_an_interface_error_on_a_write_is_a_503_too(world, monkeypatch):
    def closed(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("compact.services.cycles.cycle_create", closed)
    response = world.client("ana").post(
        "/api/v1/cycles/", {"slug": "2027", "name": "Pay 2027", "deadline": "2099-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 503 and response.json()["code"] == "database_unavailable"


def test_a_page_gets_a_plain_503_page_when_the_database_is_down(world, monkeypatch, settings):
    settings.DATABASE_OUTAGE_RETRY_AFTER_SECONDS = 120
    monkeypatch.setattr("compact.views.cycles_visible", _down)
    client = world.client("ana")
    response = client.get("/office/cycles/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "120"
    assert "Service unavailable" in response.content.decode()
    assert "Connection refused" not in response.content.decode()


def test_other_errors_are_not_reported_as_an_outage(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("compact.api.views.cycles_visible", broken)
    with pytest.raises(RuntimeError):
        world.client("ana").get("/api/v1/cycles/")
