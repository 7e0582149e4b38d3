"""API-key authentication for employer systems: ``Authorization: Api-Key tc_<prefix>_<secret>``.

A request authenticated this way has no user; ``request.auth`` is the ApiKey and the
principal acts for the key's employer only.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from compact.errors import DomainError
from employers.services.organisations import api_key_authenticate

KEYWORD = b"api-key"


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD:
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Send the key as 'Authorization: Api-Key <key>'.")
        try:
            key = api_key_authenticate(header[1].decode("ascii", errors="replace"))
        except DomainError as exc:
            raise AuthenticationFailed(exc.message, code=exc.code) from None
        return AnonymousUser(), key

    def authenticate_header(self, request):
        return "Api-Key"



class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the scheme in the OpenAPI schema."""

    target_class = "employers.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Api-Key tc_<prefix>_<secret>",
        }
