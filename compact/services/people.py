"""People and their roles. Only administrators manage people."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from compact.access import OFFICE_GROUP, Principal
from compact.errors import Conflict, DomainError
from compact.services.audit import audit_record
from compact.services.guards import require_admin
from employers.models import EmployerMember

ROLES = ("employer", "analyst", "admin")


def _apply_role(user, role: str, employer) -> None:
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    EmployerMember.objects.filter(user=user).delete()
    user.groups.remove(office)
    user.is_superuser = user.is_staff = role == "admin"
    if role == "analyst":
        user.groups.add(office)
    if role == "employer":
        EmployerMember.objects.create(user=user, employer=employer)
    user.save()


def _check_role(role: str, employer) -> None:
    if role not in ROLES:
        raise DomainError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if role == "employer" and employer is None:
        raise DomainError("An employer member needs the employer they act for.")
    if role != "employer" and employer is not None:
        raise DomainError(f"An {role} does not belong to an employer.")


@transaction.atomic
def person_create(
    *,
    principal: Principal,
    username: str,
    email: str,
    password: str,
    role: str,
    employer=None,
):
    require_admin(principal)
    _check_role(role, employer)
    user = person_new(username=username, email=email, password=password)
    _apply_role(user, role, employer)
    audit_record(
        principal=principal,
        action="person.created",
        obj=user,
        employer=employer,
        details={"username": username, "role": role},
    )
    return user


def person_new(*, username: str, email: str, password: str):
    """A new active user with no role yet, its username and password checked (call it inside
    the caller's transaction, which gives the role and records the event)."""
    User = get_user_model()
    try:
        User.username_validator(username)
    except ValidationError:
        raise DomainError(
            f"The username {username!r} may hold only letters, digits and @ . + - _.", code="invalid_username"
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"The username {username!r} is taken.", code="duplicate")
    user = User(username=username, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="weak_password") from None
    user.set_password(password)
    user.save()
    return user


def employer_member_make(user, employer) -> None:
    """Give ``user`` the employer role for ``employer`` (for a sign-up with an invitation)."""
    _apply_role(user, "employer", employer)


@transaction.atomic
def person_set_role(*, principal: Principal, user, role: str, employer=None):
    require_admin(principal)
    _check_role(role, employer)
    if principal.user is not None and user.pk == principal.user.pk and role != "admin":
        raise Conflict("You cannot remove your own administrator role.")
    _apply_role(user, role, employer)
    audit_record(
        principal=principal,
        action="person.role_changed",
        obj=user,
        employer=employer,
        details={"role": role},
    )
    return user


@transaction.atomic
def person_deactivate(*, principal: Principal, user):
    require_admin(principal)
    if principal.user is not None and user.pk == principal.user.pk:
        raise Conflict("You cannot deactivate yourself.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(principal=principal, action="person.deactivated", obj=user)
    return user
