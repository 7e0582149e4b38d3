"""Signing in: what the audit log keeps of it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from compact.access import SYSTEM
from compact.services.audit import audit_record


@transaction.atomic
def sign_in_lockout_record(*, username: str, address: str, failures: int) -> None:
    """Record that ``username`` is locked for ``address``, when that account exists.

    A name that is no account is only logged: writing audit rows for names an attacker makes
    up would let anyone grow the append-only log at will.
    """
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return
    audit_record(
        principal=SYSTEM,
        action="sign_in.locked",
        obj=user,
        details={
            "username": username,
            "address": address,
            "failures": failures,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
