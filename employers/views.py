"""HTML pages of an employer's staff. Thin: parse, call a service, render."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.throttling import SimpleRateThrottle

from compact.access import principal_of
from compact.errors import DomainError, NotFound
from compact.json_bodies import BodyRefused, json_body_load
from compact.models import CycleState
from compact.pages import cycle_or_404, employer_required, form_errors, run_service
from compact.selectors import cycle_get_for_enrolment, cycles_visible
from compact.services.invitations import invitation_accept, invitation_sign_up
from employers.api.views import cycle_key_document
from employers.client.pdf import pdf_from_html
from employers.client.template import csv_template_bytes, readme_bytes, xlsx_template_bytes
from employers.forms import ApiKeyForm, EnrolForm, JoinForm
from employers.selectors import (
    api_keys_visible,
    resubmission_window_open,
    submission_history,
    submission_receipt,
)
from employers.services import organisations
from employers.services.submissions import receipt_for, submission_accept
from protocol.officekey import fingerprint_display


@employer_required
def employer_home(request):
    """The employer's cycles and their state, enrolment, and API keys."""
    principal = principal_of(request)
    context = {
        "employer": principal.employer,
        "cycles": cycles_visible(principal=principal),
        "enrol_form": EnrolForm(),
        "key_form": ApiKeyForm(),
        "api_keys": api_keys_visible(principal=principal, employer=principal.employer),
        "new_key": request.session.pop("new_api_key", None),
    }
    return render(request, "employers/home.html", context)


@employer_required
@require_POST
def employer_enrol(request):
    principal = principal_of(request)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("employer-home")
    try:
        cycle = cycle_get_for_enrolment(slug=form.cleaned_data["cycle"])
    except NotFound:

        messages.error(request, f"There is no cycle called {form.cleaned_data['cycle']!r}.")
        return redirect("employer-home")
    run_service(
        request,
        lambda: invitation_accept(principal=principal, cycle=cycle, code=form.cleaned_data["code"]),
        success=f"{principal.employer.name} is enrolled in cycle {cycle.slug}.",
    )
    return redirect("employer-home")


class _JoinThrottle(SimpleRateThrottle):
    """Guessing codes on the sign-up page costs as much as on the API's enrol endpoint: the
    same rate (``enrol``), counted per client in the shared cache."""

    scope = "enrol"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "enrol-page", "ident": self.get_ident(request)}


@require_http_methods(["GET", "POST"])
def employer_join(request):
    """An invited organisation's first person makes an account with the invitation code and is
    enrolled (``invitation_sign_up``); then signed in."""
    if request.user.is_authenticated:
        return redirect("home")
    form = JoinForm(request.POST or None, initial={"cycle": request.GET.get("cycle", "")})
    if request.method == "POST":
        throttle = _JoinThrottle()
        if not throttle.allow_request(request, None):
            messages.error(request, f"Too many attempts from here; try again in {int(throttle.wait() or 60)} seconds.")
            return render(request, "employers/join.html", {"form": form}, status=429)
        if not form.is_valid():
            form_errors(request, form)
            return render(request, "employers/join.html", {"form": form}, status=400)
        data = form.cleaned_data
        try:
            cycle = cycle_get_for_enrolment(slug=data["cycle"])
        except NotFound:
            cycle = None
            messages.error(request, f"Cycle: there is no cycle called {data['cycle']!r}; see your invitation.")
        user = cycle and run_service(request, lambda: invitation_sign_up(
            cycle=cycle, code=data["code"], username=data["username"], password=data["password"]))
        if user is None:
            return render(request, "employers/join.html", {"form": form}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome. Your account acts for {user.employer_membership.employer.name}, "
                                  f"which is enrolled in cycle {cycle.slug}.")
        return redirect("employer-cycle", slug=cycle.slug)
    return render(request, "employers/join.html", {"form": form})


@employer_required
@require_POST
def employer_api_key_create(request):
    principal = principal_of(request)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("employer-home")
    result = run_service(
        request,
        lambda: organisations.api_key_create(
            principal=principal, employer=principal.employer, name=form.cleaned_data["name"],
            expires_at=form.cleaned_data["expires_on"],
        ),
    )
    if result is not None:
        request.session["new_api_key"] = result[1]
    return redirect("employer-home")


@employer_required
@require_POST
def employer_api_key_revoke(request, key_id):
    principal = principal_of(request)
    key = api_keys_visible(principal=principal, employer=principal.employer).filter(pk=key_id).first()
    if key is None:
        raise Http404("No such key")
    run_service(
        request,
        lambda: organisations.api_key_revoke(principal=principal, key=key),
        success=f"Key {key.name} revoked.",
    )
    return redirect("employer-home")


def employer_cycle_context(request, slug) -> dict:
    """What the employer's pages of one cycle show: the cycle, the key's fingerprint, the versions."""

    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    history = list(submission_history(principal=principal, cycle=cycle))
    window = resubmission_window_open(cycle=cycle, employer=principal.employer)
    return {
        "cycle": cycle,
        "window": window,
        "accepting": cycle.state == CycleState.OPEN or window is not None,
        "employer": principal.employer,
        "fingerprint": fingerprint_display(cycle.office_key_fingerprint) if cycle.office_key_fingerprint else "",
        "history": history,
        "next_version": (history[0].version + 1) if history else 1,
    }


@employer_required
def employer_cycle(request, slug):
    """One cycle for the employer: its key, submitting, and the history of versions."""
    return render(request, "employers/cycle.html", employer_cycle_context(request, slug))


@employer_required
def employer_cycle_key(request, slug):
    """The cycle key file that ``python -m employers.client seal --cycle-key`` takes."""



    cycle = cycle_or_404(request, slug)
    if not cycle.office_public_key:
        raise Http404("No office key yet")
    body = json.dumps(cycle_key_document(cycle, principal_of(request).employer), indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="cycle-key-{cycle.slug}.json"'
    return response


TEMPLATE_DOWNLOADS = {
    "template.xlsx": (xlsx_template_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      "talent-compact-template-{slug}.xlsx"),
    "template.csv": (csv_template_bytes, "text/csv; charset=utf-8", "talent-compact-template-{slug}.csv"),
    "template-instructions.txt": (readme_bytes, "text/plain; charset=utf-8", "talent-compact-template-{slug}.README.txt"),
}


@employer_required
def employer_template(request, slug, name):
    """The employee-level template for the cycle's taxonomy: the bytes ``template`` writes."""
    cycle = cycle_or_404(request, slug)
    if name not in TEMPLATE_DOWNLOADS:
        raise Http404("No such template")
    make, content_type, filename = TEMPLATE_DOWNLOADS[name]
    response = HttpResponse(make(taxonomy=cycle.taxonomy), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename.format(slug=cycle.slug)}"'
    return response


def _upload_refused(request, slug, message: str, *, status: int):
    """The cycle page again, with what is wrong with the upload, answered with ``status``."""
    messages.error(request, message)
    return render(request, "employers/cycle.html", employer_cycle_context(request, slug), status=status)


@employer_required
@require_POST
def employer_submit(request, slug):
    """Upload a sealed file made by the client on the employer's own machine.

    A refused upload is answered with its status (400 for a file that is not a sealed file,
    413 for one too large, the service's own status otherwise) and the page saying why."""

    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    upload = request.FILES.get("sealed")
    if upload is None:
        return _upload_refused(request, slug, "Choose the sealed file (sealed.json) to upload.", status=400)
    if upload.size > settings.SEALED_SUBMISSION_MAX_BYTES:
        return _upload_refused(
            request, slug,
            f"{upload.name} is {upload.size:,} bytes; a sealed file is at most "
            f"{settings.SEALED_SUBMISSION_MAX_BYTES:,}. Is it the sealed file, not the extract?",
            status=413,
        )
    raw = upload.read()
    try:
        document = json_body_load(raw, what="It", max_bytes=settings.SEALED_SUBMISSION_MAX_BYTES)
    except BodyRefused as exc:
        return _upload_refused(
            request, slug, f"{upload.name} is not a sealed file. {exc.message} Upload the sealed.json the client wrote.",
            status=400,
        )
    try:
        submission = submission_accept(
            principal=principal, cycle=cycle, document=document, received_via="web", body_bytes=len(raw)
        )
    except DomainError as exc:
        return _upload_refused(request, slug, f"{upload.name} was not accepted: {exc.message}", status=exc.status)
    return redirect(reverse("employer-submission", args=[slug, submission.version]) + "?received=1")


@employer_required
def employer_receipt(request, slug, version):

    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    submission = submission_history(principal=principal, cycle=cycle).filter(version=version).first()
    if submission is None:
        raise Http404("No such version")
    response = HttpResponse(json.dumps(receipt_for(submission), indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="receipt-{cycle.slug}-v{version}.json"'
    return response


def _receipt_context(request, slug, version) -> dict:
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    try:
        receipt = submission_receipt(principal=principal, cycle=cycle, version=version)
    except NotFound:
        raise Http404("No such version") from None
    return {
        "cycle": cycle,
        "employer": principal.employer,
        "receipt": receipt,
        "submission": receipt.submission,
        "fingerprint": fingerprint_display(receipt.submission.key_fingerprint),
        "time_zone": settings.TIME_ZONE,
        "window": resubmission_window_open(cycle=cycle, employer=principal.employer),
    }


@employer_required
def employer_submission(request, slug, version):
    """The printable receipt of one version; right after the submission (``?received=1``, where
    the upload and the browser page send the employer) also its confirmation."""
    context = _receipt_context(request, slug, version)
    context["just_received"] = request.GET.get("received") == "1"
    return render(request, "employers/submission.html", context)


@employer_required
def employer_receipt_pdf(request, slug, version):
    """The receipt of one version as a tagged PDF, from the same receipt as the page."""
    html = render_to_string("employers/receipt_pdf.html", _receipt_context(request, slug, version), request=request)
    response = HttpResponse(pdf_from_html(html, base_url=settings.BASE_DIR, tagged=True), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{slug}-v{version}.pdf"'
    return response
