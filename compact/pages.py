"""Shared plumbing of the HTML pages: run a service and report its outcome as a message, and
ask for confirmation before an action that cannot be undone.

Guarantee: an action behind ``confirmation_given`` runs only on a POST that carries
``confirm=yes``, which only the confirmation page's form sends; a GET, or a POST without it,
shows what the action will do and changes nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

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


CONFIRM_FIELD = "confirm"


@dataclass(frozen=True)
class Confirmation:
    """A confirmation page: what the action is, what follows from it, and where to go back."""

    title: str
    consequences: list[str]
    button: str
    action_url: str
    cancel_url: str
    cancel_label: str
    fields: dict[str, str] = dataclass_field(default_factory=dict)
    danger: bool = True


def confirmation_given(request) -> bool:
    """Whether this request is the confirmation page's own POST."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes"


def confirmation_page(request, confirmation: Confirmation):
    return render(request, "compact/confirm.html", {"confirmation": confirmation, "confirm_field": CONFIRM_FIELD})
