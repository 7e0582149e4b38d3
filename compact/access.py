"""Who is asking: the principal behind a request, and the roles that decide what it may do.

Roles:
- employer member: a person in ``EmployerMember``, or an employer's API key; acts for exactly
  one employer and can never see another employer's anything;
- equity-office analyst: a person in the ``equity-office`` group; runs cycles, never sees an
  employer's figures (nobody can);
- admin: a superuser; manages people and can do everything an analyst can.

An office API key acts as the equity office while its owner is an active analyst or admin, and
only as the office: its principal is an analyst, never an admin (a key never manages people).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

OFFICE_GROUP = "equity-office"


@dataclass(frozen=True)
class Principal:
    user: object | None
    employer: object | None
    api_key: object | None
    is_analyst: bool
    is_admin: bool

    @property
    def is_office(self) -> bool:
        """Analysts and admins: the equity office's side."""
        return self.is_analyst or self.is_admin

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.api_key is not None

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"api-key:{self.api_key.prefix}"
        if self.user is not None:
            return f"user:{self.user.get_username()}"
        return "anonymous"

    @property
    def role(self) -> str:
        if self.is_admin:
            return "admin"
        if self.is_analyst:
            return "analyst"
        if self.employer is not None:
            return "employer"
        return "none" if self.is_authenticated else "anonymous"


SYSTEM = Principal(user=None, employer=None, api_key=None, is_analyst=False, is_admin=False)


def principal_for_user(user) -> Principal:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Principal(user=None, employer=None, api_key=None, is_analyst=False, is_admin=False)
    membership = getattr(user, "employer_membership", None)
    return Principal(
        user=user,
        employer=membership.employer if membership is not None else None,
        api_key=None,
        is_analyst=user.groups.filter(name=OFFICE_GROUP).exists(),
        is_admin=user.is_superuser,
    )


def principal_for_api_key(key) -> Principal:
    """An employer key acts for its employer; an office key acts as the office (an analyst)
    while its owner has an office role, analyst or admin, as the owner's session does."""
    if key.owner_id is not None:
        owner = principal_for_user(key.owner)
        return Principal(
            user=None,
            employer=None,
            api_key=key,
            is_analyst=owner.is_office and key.owner.is_active,
            is_admin=False,
        )
    return Principal(user=None, employer=key.employer, api_key=key, is_analyst=False, is_admin=False)


def principal_of(request) -> Principal:
    """The principal of a Django or DRF request (API key first, then the session user)."""
    cached = getattr(request, "_principal", None)
    if cached is not None:
        return cached
    # Of the configured authentications only the employers' API key sets ``request.auth`` (to
    # the key; a session sets None), so the compact reads the key without importing its model.
    auth = getattr(request, "auth", None)
    if auth is not None:
        principal = principal_for_api_key(auth)
    else:
        principal = principal_for_user(getattr(request, "user", None))
    request._principal = principal
    return principal
