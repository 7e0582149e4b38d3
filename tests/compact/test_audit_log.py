"""The audit log is append-only, and each service writes its event in the same transaction."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from compact.errors import DomainError
from compact.models import AppendOnlyError, AuditEvent
from employers.models import Employer
from employers.services.organisations import employer_create


def test_services_write_who_did_what_to_which_object(world):
    employer = employer_create(principal=world.principal("ana"), name="Cedar", industry="IT", size_band="1-49")
    event = AuditEvent.objects.get(action="employer.created")
    assert (event.actor, event.actor_label, event.object_type, event.object_id) == (
        world.ana, "user:ana", "Employer", str(employer.pk),
    )


def test_a_refused_change_leaves_no_event_and_no_row(world):
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError):
        employer_create(principal=world.principal("ana"), name="Cedar", industry="Mining", size_band="1-49")
    assert AuditEvent.objects.count() == before
    assert not Employer.objects.filter(name="Cedar").exists()


def test_events_cannot_be_changed_or_deleted(world):
    employer_create(principal=world.principal("ana"), name="Cedar", industry="IT", size_band="1-49")
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_itself_refuses_updates(world):
    employer_create(principal=world.principal("ana"), name="Cedar", industry="IT", size_band="1-49")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE compact_auditevent SET action = 'forged'")
