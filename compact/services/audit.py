"""The audit log's single writer."""

from __future__ import annotations

from compact.access import Principal
from compact.models import AuditEvent


def audit_record(
    *,
    principal: Principal,
    action: str,
    obj,
    cycle=None,
    employer=None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=principal.user,
        actor_label=principal.label if principal.is_authenticated else "system",
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.pk),
        cycle=cycle,
        employer=employer,
        details=details or {},
    )
