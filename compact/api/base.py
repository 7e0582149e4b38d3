"""What every v1 API view shares: the base view, parsing input, paginating a list."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from compact.api.permissions import IsPrincipal


class Base(APIView):
    """An API view for any authenticated principal; views narrow ``permission_classes``."""

    permission_classes = [IsPrincipal]
    # A plain view answers with whole objects and lists; see Paginated.
    pagination_class = None


class Pages(LimitOffsetPagination):
    """``limit`` (default ``PAGE_SIZE``) and ``offset``. A limit above ``max_limit`` is taken as
    ``max_limit``: unbounded, a client's ``limit=9223372036854775808`` reached the database as
    a slice it could not hold (a 500)."""

    max_limit = 1000


class Paginated(Base):
    """A view whose GET answers one page of a list through :func:`paginated_response`.

    The paginator is the view's, so the OpenAPI schema documents that GET as the page it
    returns (``count``, ``next``, ``previous``, ``results``) and its ``limit`` and ``offset``."""

    pagination_class = Pages


def input_parse(serializer_class, request) -> dict:
    """The request body parsed and checked by an input serializer (400 with the errors if not)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def paginated_response(view, request, queryset, serializer_class):
    """One page of ``queryset`` rendered by ``serializer_class``, with the paginator's links.
    ``view`` is a :class:`Paginated` view: its schema says it answers with a page."""
    if view.pagination_class is None:
        raise TypeError(f"{type(view).__name__} answers with a page: make it a Paginated view.")
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
