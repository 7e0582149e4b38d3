"""Employer organisations and their API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from compact.access import Principal
from compact.errors import Conflict, DomainError, NotAllowed
from compact.services.audit import audit_record
from compact.services.guards import require_employer, require_office
from employers.models import (
    INDUSTRY_CHOICES,
    SIZE_BAND_CHOICES,
    ApiKey,
    Employer,
    api_key_expiry_check,
)

INDUSTRIES = [c[0] for c in INDUSTRY_CHOICES]
SIZE_BANDS = [c[0] for c in SIZE_BAND_CHOICES]


def _check_metadata(industry: str | None, size_band: str | None) -> None:
    if industry is not None and industry not in INDUSTRIES:
        raise DomainError(f"Unknown industry {industry!r}; choose one of: {'; '.join(INDUSTRIES)}.")
    if size_band is not None and size_band not in SIZE_BANDS:
        raise DomainError(f"Unknown size band {size_band!r}; choose one of: {', '.join(SIZE_BANDS)}.")


@transaction.atomic
def employer_create(*, principal: Principal, name: str, industry: str, size_band: str) -> Employer:
    require_office(principal)
    _check_metadata(industry, size_band)
    name = name.strip()
    if not name:
        raise DomainError("An employer needs a name.")
    try:
        with transaction.atomic():
            employer = Employer.objects.create(name=name, industry=industry, size_band=size_band)
    except IntegrityError:
        raise Conflict(f"An employer called {name!r} already exists.", code="duplicate") from None
    audit_record(principal=principal, action="employer.created", obj=employer, employer=employer)
    return employer


@transaction.atomic
def employer_update(
    *, principal: Principal, employer: Employer, name=None, industry=None, size_band=None
) -> Employer:
    require_office(principal)
    _check_metadata(industry, size_band)
    changes = {}
    for field, value in (("name", name), ("industry", industry), ("size_band", size_band)):
        if value is not None and getattr(employer, field) != value:
            changes[field] = value
            setattr(employer, field, value)
    try:
        with transaction.atomic():
            employer.save()
    except IntegrityError:
        raise Conflict(f"An employer called {name!r} already exists.", code="duplicate") from None
    audit_record(
        principal=principal, action="employer.updated", obj=employer, employer=employer, details=changes
    )
    return employer


def _key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _key_mint(*, principal: Principal, name: str, expires_at: datetime | None, **scope) -> tuple[ApiKey, str]:
    """Store a new key for ``scope`` (employer= or owner=) and return it with its secret."""
    if principal.api_key is not None or principal.user is None:
        raise DomainError("An API key cannot create other API keys; sign in to do this.")
    name = name.strip()
    if not name:
        raise DomainError("Give the key a name that says where it is used.")
    try:
        api_key_expiry_check(expires_at)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_expiry") from None
    prefix = secrets.token_hex(4)
    raw = f"tc_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=_key_hash(raw), created_by=principal.user, expires_at=expires_at, **scope
    )
    audit_record(
        principal=principal, action="api_key.created", obj=key, employer=scope.get("employer"),
        details={"name": name, "office": "owner" in scope, "expires_at": expires_at and expires_at.isoformat()},
    )
    return key, raw


@transaction.atomic
def api_key_create(
    *, principal: Principal, employer: Employer, name: str, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """A new key for an employer's systems, refused from ``expires_at`` on if given; the
    returned secret is shown once."""
    require_employer(principal, employer)
    return _key_mint(principal=principal, name=name, expires_at=expires_at, employer=employer)


@transaction.atomic
def office_api_key_create(
    *, principal: Principal, name: str, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """A key for the office's unmask client. It acts as the office (an analyst) while its owner
    is an analyst or an administrator; anyone else is refused, never given a key with no role."""
    if principal.api_key is None and principal.user is not None and not principal.is_office:
        raise NotAllowed(
            f"An office API key acts as the equity office, and {principal.user.get_username()} has no "
            "office role. An administrator can make this person an analyst on the People page "
            "(/people/); an administrator can also make keys."
        )
    require_office(principal)
    return _key_mint(principal=principal, name=name, expires_at=expires_at, owner=principal.user)


@transaction.atomic
def api_key_revoke(*, principal: Principal, key: ApiKey) -> ApiKey:
    if key.owner_id is not None:
        if not (principal.is_admin or (principal.user is not None and principal.user.pk == key.owner_id)):
            raise DomainError("Only the key's owner or an administrator can revoke it.")
    else:
        require_employer(principal, key.employer)
    if key.revoked_at:
        raise Conflict("This key is already revoked.")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(principal=principal, action="api_key.revoked", obj=key, employer=key.employer)
    return key


def api_key_authenticate(raw: str) -> ApiKey:
    """The live key matching ``raw``, with its last use recorded.

    Raises DomainError with a message saying why a key is refused (unknown, revoked or expired).
    """
    parts = (raw or "").split("_", 2)
    key = None
    if len(parts) == 3 and parts[0] == "tc":
        key = ApiKey.objects.select_related("employer").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.key_hash, _key_hash(raw)):
        raise DomainError("This API key is not valid.", code="api_key_invalid")
    if key.revoked_at is not None:
        raise DomainError(
            f"This API key was revoked on {key.revoked_at:%Y-%m-%d}.", code="api_key_revoked"
        )
    now = timezone.now()
    if key.expires_at is not None and key.expires_at <= now:
        raise DomainError(
            f"This API key expired on {timezone.localtime(key.expires_at):%Y-%m-%d %H:%M %Z}; "
            "create a new one.",
            code="api_key_expired",
        )
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
    return key
