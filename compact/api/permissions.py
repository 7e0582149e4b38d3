"""DRF permission classes. Fine-grained rules live in the services and selectors."""

from rest_framework.permissions import BasePermission

from compact.access import principal_of


class IsPrincipal(BasePermission):
    """A signed-in person or a valid API key."""

    message = "Sign in or send an API key."

    def has_permission(self, request, view):
        return principal_of(request).is_authenticated


class IsOffice(IsPrincipal):
    message = "Only the equity office can do this."

    def has_permission(self, request, view):
        principal = principal_of(request)
        key = principal.api_key
        if not principal.is_office and key is not None and key.owner_id is not None:
            # An office key whose owner has lost the office role: say so, not just "office only".
            self.message = (
                f"This office key acts with its owner's role, and {key.owner.get_username()} is no longer "
                "an active analyst or administrator. An administrator can give the role back on the "
                "People page, or an analyst can make a new key on the Office keys page."
            )
        return principal.is_office


class IsPerson(IsPrincipal):
    """A signed-in person (not an API key): for managing keys and people."""

    message = "Sign in to do this; API keys cannot."

    def has_permission(self, request, view):
        principal = principal_of(request)
        return principal.user is not None
