"""The OpenAPI schema of the v1 API: what drf-spectacular finds, plus the refusals.

Guarantees: every operation documents, besides its own answers, the refusals the API can give
it, each as :class:`ErrorOut` (``compact/api/errors.py`` writes them): 401 and 403 where a
principal is required, 404 where the path or the body names something, 409 for every change,
400 and 413 where a request body is read, 429 where a throttle applies, and 503 (the database is not answering,
``compact/outage.py``) everywhere. An operation that documents a status itself keeps its own.
``tests/compact/test_api_schema.py`` checks every status and body the API answers against this.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def documented_as(schema: dict, field_class=serializers.CharField, **kwargs) -> serializers.Field:
    """A ``field_class`` field whose OpenAPI schema is ``schema``: for a value whose rule the
    service checks itself, with its own message (an industry, a policy), documented exactly."""
    return extend_schema_field(schema)(type(f"Documented{field_class.__name__}", (field_class,), {}))(**kwargs)


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField(help_text="What was refused and why, for people.")
    code = serializers.CharField(
        help_text="Stable, for programs: e.g. invalid, not_authenticated, forbidden, not_found, "
        "conflict, stale_version, too_large, database_unavailable."
    )
    details = serializers.DictField(required=False, help_text="Facts a client can act on, e.g. latest_version.")
    fields = serializers.DictField(
        required=False, help_text="With code invalid: each field's problems, by field name."
    )


REFUSALS = {
    "400": "The request is not valid; `detail` says what is wrong (and `fields`, by field).",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The principal may not do this.",
    "404": "Nothing of that name, or nothing this principal may see.",
    "409": "The current state forbids it (e.g. a cycle that is not open).",
    "413": "The request body is larger than the service reads.",
    "429": "Too many requests; try again later.",
    "503": "The database is not answering; nothing was changed. Retry after `Retry-After` seconds.",
}


class CompactAutoSchema(AutoSchema):
    """drf-spectacular's schema with each operation's refusals documented."""

    def refusals(self) -> list[str]:
        statuses = ["503"]
        if self.view.permission_classes:
            statuses += ["401", "403"]
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        if "{" in self.path or has_body:
            statuses.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            statuses.append("409")
        if has_body:
            statuses += ["400", "413"]
        if getattr(self.view, "throttle_scope", None):
            statuses.append("429")
        return sorted(statuses)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self.refusals():
            if status not in responses:
                response = self._get_response_for_code(ErrorOut, status, direction=direction)
                responses[status] = {**response, "description": REFUSALS[status]}
        return responses
