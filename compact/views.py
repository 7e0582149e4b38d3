"""HTML pages of the equity office and administrators. Thin: parse, call a service, render."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from compact.access import principal_of
from compact.errors import DomainError
from compact.forms import (
    CycleForm,
    EmployerForm,
    InvitationForm,
    PersonForm,
    ResubmissionWindowForm,
)
from compact.models import CycleState
from compact.pages import (
    Confirmation,
    admin_required,
    confirmation_given,
    confirmation_page,
    cycle_or_404,
    form_errors,
    office_required,
    run_service,
)
from compact.selectors import cycles_visible, invitations_visible, people_list
from compact.services import cycles, invitations, people, reminders
from employers.client.sanitise import for_csv_cell
from employers.forms import ApiKeyForm
from employers.selectors import (
    cycle_participation,
    employers_visible,
    participation_summarise,
    resubmission_windows_of,
)
from employers.services import organisations

PARTICIPATION_FILTERS = {
    "all": "Everyone invited or enrolled",
    "submitted": "Submitted",
    "not_submitted": "Not submitted (invited or enrolled)",
    "waiting": "Enrolled, nothing submitted yet",
    "not_enrolled": "Invited, not enrolled",
    "excluded": "Excluded from the unmask",
}


def _excluded_employers(cycle) -> set[int]:
    """The employers whose submission the office excluded from the unmask (through the cycle's
    relations: compact's pages do not import the aggregation app)."""
    job = getattr(cycle, "unmask_job", None)
    return set(job.exclusions.values_list("submission__employer_id", flat=True)) if job else set()


def _participation_shown(rows, shown: str, excluded: set[int]):
    if shown == "all":
        return rows
    if shown == "not_submitted":
        return [r for r in rows if r.stage != "submitted"]
    if shown == "excluded":
        return [r for r in rows if r.employer.pk in excluded]
    return [r for r in rows if r.stage == shown]


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def home(request):
    """Send each person signed in to where their work is (``/`` for visitors who are not signed
    in is the public landing page, aggregation.views.public_home)."""
    principal = principal_of(request)
    if principal.is_office:
        return redirect("office-cycles")
    if principal.employer is not None:
        return redirect("employer-home")
    if principal.is_authenticated:
        return render(request, "compact/no_role.html")
    return redirect("public-landing")


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
    rows = cycle_participation(principal=principal, cycle=cycle)
    shown = request.GET.get("show", "all")
    if shown not in PARTICIPATION_FILTERS:
        shown = "all"
    excluded = _excluded_employers(cycle)
    invitation_list = invitations_visible(principal=principal, cycle=cycle)
    context = {
        "cycle": cycle,
        "participation": _participation_shown(rows, shown, excluded),
        "excluded": excluded,
        "summary": participation_summarise(rows),
        "can_remind": cycle.state == CycleState.OPEN,
        "expiring_early": [i for i in invitation_list if i.status == "outstanding" and i.expires_before_deadline],
        "new_codes": request.session.pop("new_invitation_codes", None),
        "bulk_problems": request.session.pop("bulk_problems", None),
        "bulk_columns": invitations.BULK_COLUMNS,
        "bulk_max_rows": invitations.BULK_MAX_ROWS,
        "job": job_status_panel(cycle),
        "participation_filters": PARTICIPATION_FILTERS,
        "shown": shown,
        "shown_label": PARTICIPATION_FILTERS[shown],
        "invitations": invitation_list,
        "invitation_form": InvitationForm(initial={"valid_days": InvitationForm.days_to_cover(cycle.deadline)}),
        "windows": resubmission_windows_of(cycle=cycle),
        "window_form": ResubmissionWindowForm(cycle=cycle),
        "new_code": new_code,
        "states": CycleState,
    }
    return render(request, "compact/office_cycle.html", context)


@office_required
@require_GET
def office_participation_csv(request, slug):
    """The participation table as CSV, filtered as on the page (``show``): metadata only, never a figure."""
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["employer", "industry", "size band", "invitations", "enrolled at", "submission versions",
                     "last submitted at", "late", "stage"])
    rows = cycle_participation(principal=principal, cycle=cycle)
    shown = request.GET.get("show", "all")
    excluded = _excluded_employers(cycle)
    for row in _participation_shown(rows, shown if shown in PARTICIPATION_FILTERS else "all", excluded):
        writer.writerow([
            for_csv_cell(row.employer.name), row.employer.industry, row.employer.size_band, row.invited,
            timezone.localtime(row.enrolled_at).isoformat(timespec="minutes") if row.enrolled_at else "",
            row.versions,
            timezone.localtime(row.last_submitted_at).isoformat(timespec="minutes") if row.last_submitted_at else "",
            "yes" if row.late else "no", row.stage.replace("_", " "),
        ])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="participation-{cycle.slug}.csv"'
    return response


def job_status_panel(cycle) -> dict | None:
    """The unmask job and the release build after it, for the status panel: whether either
    still runs (the page then polls the JSON status endpoint). Read through the cycle's
    relations: compact's pages do not import the aggregation app (the layer contract)."""
    job = getattr(cycle, "unmask_job", None)
    if job is None:
        return None
    build = cycle.release_builds.exclude(state="done").order_by("-number").first()
    return {"job": job, "build": build, "running": job.state in ("awaiting_masks", "queued", "running") or build is not None,
            "status_url": reverse("api-unmask-status", args=[cycle.slug])}


@office_required
def office_cycle_close(request, slug):
    """Close a cycle early, after a confirmation page that says who has not submitted."""
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    back = reverse("office-cycle", args=[slug])
    if cycle.state != CycleState.OPEN:
        messages.error(request, f"Cycle {slug} is {cycle.get_state_display().lower()}; only an open cycle can be closed.")
        return redirect(back)
    if confirmation_given(request):
        run_service(request, lambda: cycles.cycle_close(principal=principal, cycle=cycle),
                    success="The cycle is closed and its submissions are frozen.")
        return redirect(back)
    rows = cycle_participation(principal=principal, cycle=cycle)
    summary = participation_summarise(rows)
    waiting = [r.employer.name for r in rows if r.stage == "waiting"]
    names = ", ".join(waiting[:10]) + (f" and {len(waiting) - 10} more" if len(waiting) > 10 else "")
    consequences = [
        f"{summary.submitted} of {summary.enrolled} enrolled employers have submitted; their latest versions are "
        "frozen as the cycle's submission set.",
        (f"The {summary.waiting} who have not ({names}) can no longer submit, and nobody can resubmit."
         if summary.waiting else "Nobody can submit or resubmit any more."),
        "A closed cycle cannot be reopened. Next, the office unmasks the aggregate with its private key.",
    ]
    not_enrolled = [r.employer.name for r in rows if r.stage == "not_enrolled"]
    if not_enrolled:
        others = ", ".join(not_enrolled[:10]) + (f" and {len(not_enrolled) - 10} more" if len(not_enrolled) > 10 else "")
        consequences.insert(2, f"{len(not_enrolled)} invited employer(s) never enrolled ({others}); their invitations "
                               "stop working.")
    if cycle.deadline > timezone.now():
        consequences.insert(0, f"The deadline is {_when(cycle.deadline)}: closing now ends the cycle early (it "
                               "would close by itself then).")
    return confirmation_page(request, Confirmation(
        title=f"Close cycle {slug} now?", consequences=consequences, button=f"Close cycle {slug}",
        action_url=reverse("office-cycle-close", args=[slug]), cancel_url=back, cancel_label=f"Cycle {slug}",
    ))


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
        invitation = result[0]
        if invitation.expires_before_deadline:
            messages.warning(
                request,
                f"Invitation …{invitation.hint} expires on {_when(invitation.expires_at)}, before the cycle's "
                f"deadline ({_when(cycle.deadline)}): the employer must enrol before then, or you issue a new one.",
            )
    return redirect("office-cycle", slug=slug)


@office_required
@require_POST
def office_invitations_bulk(request, slug):
    """Invite many employers at once from a CSV of (employer, email); all rows or none."""
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    back = reverse("office-cycle", args=[slug]) + "#bulk"
    upload = request.FILES.get("invitations")
    if upload is None:
        messages.error(request, "Choose a CSV file of employer,email rows to upload.")
        return redirect(back)
    try:
        if upload.size > invitations.BULK_MAX_BYTES:
            raise invitations.BulkRefused([
                f"{upload.name} is {upload.size:,} bytes; the limit is {invitations.BULK_MAX_BYTES:,} bytes."])
        delivery = invitations.Delivery()
        made = invitations.invitations_create_from_csv(
            principal=principal, cycle=cycle, data=upload.read(), name=upload.name, delivery=delivery,
            enrol_url=request.build_absolute_uri(reverse("employer-home")),
            join_url=request.build_absolute_uri(reverse("employer-join")) + f"?cycle={cycle.slug}",
        )
    except invitations.BulkRefused as exc:
        request.session["bulk_problems"] = exc.problems
        messages.error(request, f"Nothing was sent: {upload.name} has {len(exc.problems)} "
                                f"problem{'s' if len(exc.problems) != 1 else ''}, listed under Invite in bulk.")
        return redirect(back)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    request.session["new_invitation_codes"] = [
        {"employer": m.invitation.employer.name, "email": m.invitation.email, "code": m.code} for m in made]
    count = f"{len(made)} invitation{'s' if len(made) != 1 else ''}"
    if delivery.sent is False:
        messages.error(request, f"{count} created, but the mail server did not take the emails: pass each code on "
                                "yourself (listed under Invitations, shown this once).")
    else:
        messages.success(request, f"{count} created and emailed, each valid until the cycle's deadline "
                                  f"({_when(cycle.deadline)}).")
    return redirect(reverse("office-cycle", args=[slug]) + "#invitations")


@office_required
@require_GET
def office_invitations_example(request, slug):
    """An example bulk invitation file: the header and two rows."""
    cycle_or_404(request, slug)
    response = HttpResponse(invitations.BULK_EXAMPLE, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invitations-example.csv"'
    return response


def _reminder_targets(request) -> list[int] | None:
    """None for everyone who has not submitted; else the chosen employer ids."""
    if request.POST.get("scope") == "all":
        return None
    raw = request.POST.getlist("employer") or [v for v in request.POST.get("employers", "").split(",") if v]
    try:
        return sorted({int(v) for v in raw})
    except ValueError:
        raise DomainError("The chosen employers are not valid; reload the page and choose again.") from None


@office_required
@require_POST
def office_reminders(request, slug):
    """Email a reminder to the employers that have not submitted, after a confirmation page."""
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    back = reverse("office-cycle", args=[slug]) + "#participation"
    url = request.build_absolute_uri(reverse("employer-home"))
    try:
        targets = _reminder_targets(request)
        if targets == []:
            raise DomainError("Tick at least one employer that has not submitted, or remind everyone.")
        if confirmation_given(request):
            delivery = invitations.Delivery()
            plan = reminders.reminders_send(principal=principal, cycle=cycle, employer_ids=targets, url=url,
                                            delivery=delivery)
            count = f"{len(plan.to_send)} employer{'s' if len(plan.to_send) != 1 else ''}"
            if delivery.sent is False:
                messages.error(request, f"The mail server did not take the reminders to {count}; nothing was "
                                        "emailed. Try again later.")
                return redirect(back)
            told = f"Reminder emailed to {count}."
            if plan.recently:
                told += f" Left out, reminded less than a day ago: {_names([e for e, _ in plan.recently])}."
            if plan.no_address:
                told += f" No address known for: {_names(plan.no_address)}."
            messages.success(request, told)
            return redirect(back)
        plan = reminders.reminders_plan(principal=principal, cycle=cycle, employer_ids=targets)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    consequences = []
    if plan.to_send:
        consequences.append(
            f"An email goes now to {len(plan.to_send)} employer{'s' if len(plan.to_send) != 1 else ''} that "
            f"{'have' if len(plan.to_send) != 1 else 'has'} not submitted: {_names([e for e, _, _ in plan.to_send])}. "
            f"It gives the deadline ({_when(cycle.deadline)}) and where to sign in.")
        consequences.append(f"It is sent to {sum(len(a) for _, a, _ in plan.to_send)} address(es): the employers' "
                            "people and the addresses their invitations went to. An email cannot be called back.")
    else:
        consequences.append("Nobody would be emailed.")
    for employer, when in plan.recently:
        consequences.append(f"{employer.name} is left out: reminded at {_when(when)}, less than a day ago.")
    if plan.no_address:
        consequences.append(f"No address is known for {_names(plan.no_address)}: not reminded; invite them by email "
                            "or add their people.")
    consequences.append("Each reminder is recorded in the audit log.")
    fields = {"scope": "all"} if targets is None else {"employers": ",".join(str(i) for i in targets)}
    if not plan.to_send:
        messages.error(request, "Nobody to remind now: " + " ".join(consequences[1:-1]))
        return redirect(back)
    return confirmation_page(request, Confirmation(
        title=f"Send {len(plan.to_send)} reminder{'s' if len(plan.to_send) != 1 else ''}?",
        consequences=consequences, button=f"Send {len(plan.to_send)} reminder{'s' if len(plan.to_send) != 1 else ''}",
        action_url=reverse("office-reminders", args=[slug]), cancel_url=back, cancel_label=f"Cycle {slug}",
        fields=fields, danger=False,
    ))


def _names(employers, limit: int = 10) -> str:
    names = [e.name for e in employers]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


@office_required
def office_invitation_revoke(request, slug, pk):
    principal = principal_of(request)
    cycle = cycle_or_404(request, slug)
    invitation = invitations_visible(principal=principal, cycle=cycle).filter(pk=pk).first()
    if invitation is None:
        raise Http404("No such invitation")
    back = reverse("office-cycle", args=[slug]) + "#invitations"
    if invitation.status != "outstanding":
        messages.error(request, f"Invitation …{invitation.hint} is {invitation.status}; there is nothing to revoke.")
        return redirect(back)
    if confirmation_given(request):
        run_service(
            request,
            lambda: invitations.invitation_revoke(principal=principal, invitation=invitation),
            success=f"Invitation …{invitation.hint} revoked.",
        )
        return redirect(back)
    whom = invitation.employer.name if invitation.employer else "any employer"
    return confirmation_page(request, Confirmation(
        title=f"Revoke invitation …{invitation.hint}?",
        consequences=[
            f"The code ending …{invitation.hint} (for {whom}) stops working at once; it cannot be used again.",
            "Employers already enrolled are not affected. To invite this employer later, create a new invitation.",
        ],
        button=f"Revoke invitation …{invitation.hint}",
        action_url=reverse("office-invitation-revoke", args=[slug, pk]), cancel_url=back, cancel_label=f"Cycle {slug}",
    ))


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


@office_required
def office_keys(request):
    """API keys for the office's unmask client (acting with the signed-in analyst's role)."""
    principal = principal_of(request)
    if request.method == "POST":
        if "revoke" in request.POST:
            key = request.user.office_api_keys.filter(pk=request.POST.get("revoke")).first()
            if key is None:
                raise Http404("No such key")
            if not confirmation_given(request):
                return confirmation_page(request, Confirmation(
                    title=f"Revoke the office key {key.name}?",
                    consequences=[
                        f"The key tc_{key.prefix}_… stops working at once: an unmask client that uses it is "
                        "refused from its next request.",
                        "A revoked key cannot be restored; make a new one on this page when you need it.",
                    ],
                    button=f"Revoke {key.name}", action_url=reverse("office-keys"), cancel_url=reverse("office-keys"),
                    cancel_label="Office keys", fields={"revoke": str(key.pk)},
                ))
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
