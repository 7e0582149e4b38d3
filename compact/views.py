"""HTML pages of the equity office and administrators. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from compact.access import principal_of
from compact.forms import CycleForm, EmployerForm, InvitationForm, PersonForm
from compact.models import CycleState
from compact.pages import admin_required, cycle_or_404, form_errors, office_required, run_service
from compact.selectors import cycles_published, cycles_visible, invitations_visible, people_list
from compact.services import cycles, invitations, people
from employers.forms import ApiKeyForm
from employers.selectors import cycle_participation, employers_visible
from employers.services import organisations


def home(request):
    """Send each person to where their work is."""
    principal = principal_of(request)
    if principal.is_office:
        return redirect("office-cycles")
    if principal.employer is not None:
        return redirect("employer-home")
    if principal.is_authenticated:
        return render(request, "compact/no_role.html")
    return redirect("public-releases")


@office_required
def office_cycles(request):
    """The office's list of cycles, and the form for a new one."""
    principal = principal_of(request)
    form = CycleForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            cycle = run_service(
                request,
                lambda: cycles.cycle_create(
                    principal=principal,
                    slug=form.cleaned_data["slug"],
                    name=form.cleaned_data["name"],
                    deadline=form.cleaned_data["deadline"],
                ),
                success="Cycle created. Register the office key, invite employers, then open it.",
            )
            if cycle is not None:
                return redirect("office-cycle", slug=cycle.slug)
        else:
            form_errors(request, form)
    return render(
        request,
        "compact/office_cycles.html",
        {"cycles": cycles_visible(principal=principal), "form": form},
    )


@office_required
def office_cycle(request, slug):
    """One cycle: its state, participation (never figures), invitations and actions."""
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    new_code = request.session.pop("new_invitation_code", None)
    context = {
        "cycle": cycle,
        "participation": cycle_participation(principal=principal, cycle=cycle),
        "invitations": invitations_visible(principal=principal, cycle=cycle),
        "invitation_form": InvitationForm(),
        "new_code": new_code,
        "states": CycleState,
    }
    return render(request, "compact/office_cycle.html", context)


@office_required
@require_POST
def office_cycle_action(request, slug, action):
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    if action == "office-key":
        upload = request.FILES.get("public_key")
        if upload is None or upload.size > 4096:
            messages.error(request, "Choose the public key file written by keygen (a few hundred bytes).")
        else:
            run_service(
                request,
                lambda: cycles.cycle_set_office_key(principal=principal, cycle=cycle, public_key=upload.read()),
                success="Office key registered. Employers will see its fingerprint.",
            )
        return redirect("office-cycle", slug=slug)
    services = {
        "open": (cycles.cycle_open, "The cycle is open: enrolled employers can submit."),
        "close": (cycles.cycle_close, "The cycle is closed and its submissions are frozen."),
    }
    if action not in services:
        raise Http404("Unknown action")
    service, message = services[action]
    run_service(request, lambda: service(principal=principal, cycle=cycle), success=message)
    return redirect("office-cycle", slug=slug)


@office_required
@require_POST
def office_invitation_create(request, slug):
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("office-cycle", slug=slug)
    result = run_service(
        request,
        lambda: invitations.invitation_create(
            principal=principal,
            cycle=cycle,
            employer=form.cleaned_data["employer"],
            note=form.cleaned_data["note"],
            valid_days=form.cleaned_data["valid_days"],
        ),
    )
    if result is not None:
        request.session["new_invitation_code"] = result[1]
    return redirect("office-cycle", slug=slug)


@office_required
@require_POST
def office_invitation_revoke(request, slug, pk):
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    invitation = invitations_visible(principal=principal, cycle=cycle).filter(pk=pk).first()
    if invitation is None:
        raise Http404("No such invitation")
    run_service(
        request,
        lambda: invitations.invitation_revoke(principal=principal, invitation=invitation),
        success=f"Invitation …{invitation.hint} revoked.",
    )
    return redirect("office-cycle", slug=slug)


@office_required
def office_employers(request):
    principal = principal_of(request)
    form = EmployerForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            employer = run_service(
                request,
                lambda: organisations.employer_create(principal=principal, **form.cleaned_data),
                success="Employer added.",
            )
            if employer is not None:
                return redirect("office-employers")
        else:
            form_errors(request, form)
    return render(
        request,
        "compact/office_employers.html",
        {"employers": employers_visible(principal=principal), "form": form},
    )


@admin_required
def people_page(request):
    principal = principal_of(request)
    form = PersonForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = run_service(
                request,
                lambda: people.person_create(principal=principal, **form.cleaned_data),
                success="Person added.",
            )
            if user is not None:
                return redirect("people")
        else:
            form_errors(request, form)
    return render(request, "compact/people.html", {"people": people_list(principal=principal), "form": form})


def public_releases(request):
    """Published reports, open to everyone."""
    return render(request, "compact/public_releases.html", {"cycles": cycles_published()})


@office_required
def office_keys(request):
    """API keys for the office's unmask client (acting with the signed-in analyst's role)."""
    principal = principal_of(request)
    if request.method == "POST":
        if "revoke" in request.POST:
            key = request.user.office_api_keys.filter(pk=request.POST.get("revoke")).first()
            if key is None:
                raise Http404("No such key")
            run_service(request, lambda: organisations.api_key_revoke(principal=principal, key=key), success=f"Key {key.name} revoked.")
        else:
            form = ApiKeyForm(request.POST)
            if not form.is_valid():
                form_errors(request, form)
                return redirect("office-keys")
            result = run_service(
                request,
                lambda: organisations.office_api_key_create(
                    principal=principal, name=form.cleaned_data["name"], expires_at=form.cleaned_data["expires_on"]
                ),
            )
            if result is not None:
                request.session["new_office_key"] = result[1]
        return redirect("office-keys")
    return render(
        request,
        "compact/office_keys.html",
        {
            "keys": request.user.office_api_keys.all(),
            "key_form": ApiKeyForm(),
            "new_key": request.session.pop("new_office_key", None),
        },
    )
