"""Errors a user can cause, as values with a message that user understands.

Services raise these; the API turns them into JSON with a status code and a stable ``code``,
and the pages show the message. Nothing a user does should end in a 500.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused request. ``code`` is stable for clients; ``message`` is for people."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request is well-formed but the current state forbids it (e.g. a closed cycle)."""

    status = 409
    code = "conflict"


class Gone(DomainError):
    """A one-time thing that can no longer be used: an expired or used invitation."""

    status = 410
    code = "gone"
