"""Turns refused requests into JSON a client can act on: ``{"detail": ..., "code": ...}``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from compact.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.details:
            body["details"] = exc.details
        return Response(body, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {"detail": f"The request body is larger than the limit of {limit:,} bytes.", "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "Some fields are not valid; see 'fields'.",
            "code": "invalid",
            "fields": response.data,
        }
    elif response is not None and isinstance(response.data, dict) and "detail" in response.data:
        # The code the exception was raised with (an API key's "api_key_expired"), else its default.
        code = getattr(response.data["detail"], "code", None) or getattr(exc, "default_code", "error")
        response.data.setdefault("code", code)
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data["detail"] = str(response.data.get("detail", "Sign in or send an API key."))
    return response
