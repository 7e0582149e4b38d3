"""Shared plumbing of the HTML pages: run a service and report its outcome as a message."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404

from compact.access import principal_of
from compact.errors import DomainError, NotFound
from compact.models import Cycle
from compact.selectors import cycle_get


def role_required(allowed):
    """A page for signed-in people whose principal passes ``allowed``; 404 for everyone else
    (a page that exists only for some roles does not admit to existing)."""

    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allowed(principal_of(request)):
                raise Http404("Not found")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


office_required = role_required(lambda p: p.is_office)
admin_required = role_required(lambda p: p.is_admin)
employer_required = role_required(lambda p: p.employer is not None)


def cycle_or_404(request, slug: str) -> Cycle:
    """The cycle ``slug`` if the signed-in principal may see it; 404 otherwise (a cycle one may
    not see does not admit to existing)."""
    try:
        return cycle_get(principal=principal_of(request), slug=slug)
    except NotFound:
        raise Http404("No such cycle") from None


def run_service(request, action, success: str | None = None):
    """Call ``action()``; on a DomainError show its message and return None."""
    try:
        result = action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    if success:
        messages.success(request, success)
    return result


def form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.replace("_", " ").capitalize() if field in form.fields else "Form"
        for error in errors:
            messages.error(request, f"{label}: {error}")
