"""What every v1 API view shares: the base view, parsing input, paginating a list."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.views import APIView

from compact.api.permissions import IsPrincipal


class Base(APIView):
    """An API view for any authenticated principal; views narrow ``permission_classes``."""

    permission_classes = [IsPrincipal]


def input_parse(serializer_class, request) -> dict:
    """The request body parsed and checked by an input serializer (400 with the errors if not)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def paginated_response(view, request, queryset, serializer_class):
    """One page of ``queryset`` rendered by ``serializer_class``, with the paginator's links."""
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
