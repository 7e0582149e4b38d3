"""Sign-in lockout: django-axes, wired to this service's pages, addresses and audit log.

Guarantees:
- An account is locked for one client address after ``AXES_FAILURE_LIMIT`` wrong passwords
  within ``AXES_COOLOFF_TIME`` (settings ``SIGN_IN_FAILURE_LIMIT`` and
  ``SIGN_IN_COOLOFF_MINUTES``). The failures are counted in the database, so every server
  process and every worker sees the same count.
- While locked, even the right password is refused with a page (status 429, ``Retry-After``)
  that says why and from when signing in works again; the refusal does not extend the lock.
- The moment an account is locked is written to the audit log (for an account that exists)
  and to the log (for any name), with the name and the address; each refused attempt while
  locked is logged as well.
- The client address is ``REMOTE_ADDR``, or, behind ``TRUSTED_PROXIES`` proxies that each
  append to ``X-Forwarded-For``, the address the outermost of them saw (a client cannot
  choose it by sending the header itself).
"""

from __future__ import annotations

import ipaddress
import logging
import math

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from compact.services.sign_in import sign_in_lockout_record

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's address as the trusted proxies saw it (``AXES_CLIENT_IP_CALLABLE``)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if not hops:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _locked_until(username: str, address: str):
    """When the last counted failure of ``username`` from ``address`` stops counting."""
    from axes.models import AccessAttempt

    last = (
        AccessAttempt.objects.filter(username=username, ip_address=address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (last or timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of signing in while locked (``AXES_LOCKOUT_CALLABLE``)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    until = _locked_until(username, address)
    wait = max(1, math.ceil((until - timezone.now()).total_seconds()))
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "until": until,
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def on_locked_out(sender, request, username, ip_address, **kwargs):
    """Receiver of axes' ``user_locked_out``: sent when the lock is set and on each refusal."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        # Axes refused an attempt on an account already locked; it counts nothing more.
        logger.warning("Sign-in refused: %r from %s is locked", username, ip_address)
        return
    logger.warning(
        "Sign-in locked: %r from %s after %d failed attempts, for %s",
        username, ip_address, failures, settings.AXES_COOLOFF_TIME,
    )
    sign_in_lockout_record(username=username or "", address=ip_address or "", failures=failures)
