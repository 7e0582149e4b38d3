"""Role checks shared by the services; each raises a DomainError a person can act on."""

from __future__ import annotations

from compact.access import Principal
from compact.errors import NotAllowed


def require_office(principal: Principal) -> None:
    if not principal.is_office:
        raise NotAllowed("Only the equity office can do this.")


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise NotAllowed("Only an administrator can manage people.")


def require_employer(principal: Principal, employer=None) -> None:
    """The principal acts for an employer (``employer`` when given), or is an admin."""
    if principal.is_admin and employer is not None:
        return
    if principal.employer is None:
        raise NotAllowed("Only a participating employer's staff can do this.")
    if employer is not None and principal.employer.pk != employer.pk:
        raise NotAllowed("You can only act for your own organisation.")
