"""Answers a request whose database went away with a 503 the client can act on.

Guarantees: when a view (or the API's authentication inside it) raises Django's
``OperationalError`` or ``InterfaceError`` — the database is down, unreachable or refused the
connection — an ``/api/`` request gets JSON ``{"detail", "code": "database_unavailable"}`` with
status 503 and ``Retry-After``; any other request gets a plain 503 page that needs neither the
database nor a template. Nothing is written, and the error is logged once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

MESSAGE = "The service's database is not answering; nothing was changed. Try again in a minute."
PAGE = (
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Service unavailable</title></head><body>"
    "<h1>Service unavailable</h1><p>{message}</p></body></html>"
)


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable during %s %s: %s", request.method, request.path, exception)
        retry_after = str(settings.DATABASE_OUTAGE_RETRY_AFTER_SECONDS)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": MESSAGE, "code": "database_unavailable"}, status=503)
        else:
            response = HttpResponse(PAGE.format(message=MESSAGE), status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = retry_after
        response["Cache-Control"] = "no-store"
        return response
