"""Pages of releases: the public pages (the landing page, the archive, the report as HTML and
PDF) and the office's review of a draft. Public pages read published releases only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from aggregation.models import ReleaseState
from aggregation.reports.headlines import CycleHeadline, cycle_headline, published_groups
from aggregation.reports.render import cells_for_display, html_to_pdf, report_context, report_html
from aggregation.selectors import (
    exclusions_of,
    release_build_pending,
    release_latest,
    release_published,
    releases_of_earlier_cycles,
    releases_public,
)
from aggregation.services import releases
from aggregation.services.resubmission import resubmission_grant
from compact.access import principal_of
from compact.content_policy import inline_styles_allowed
from compact.errors import DomainError, NotFound
from compact.forms import ResubmissionWindowForm
from compact.models import Cycle
from compact.pages import (
    Confirmation,
    confirmation_given,
    confirmation_page,
    cycle_or_404,
    form_errors,
    office_required,
    run_service,
)
from compact.selectors import cycle_get_published
from compact.views import home, job_status_panel
from protocol.release import ReleaseDocument

DIMENSION_CHOICES = {
    "gender": ["gender"],
    "job_category": ["job_category"],
    "race_ethnicity": ["race_ethnicity"],
    "job_category,gender": ["job_category", "gender"],
    "race_ethnicity,gender": ["race_ethnicity", "gender"],
    "job_category,race_ethnicity": ["job_category", "race_ethnicity"],
    "job_category,race_ethnicity,gender": ["job_category", "race_ethnicity", "gender"],
}


DIMENSION_LABELS = {"job_category": "Job category", "race_ethnicity": "Race/ethnicity", "gender": "Gender"}


def dimensions_label(dims: list[str]) -> str:
    """``["job_category", "gender"]`` → "Job category × gender"."""
    words = [DIMENSION_LABELS[d] for d in dims]
    return " × ".join([words[0]] + [w[0].lower() + w[1:] for w in words[1:]])


def _published(slug: str):
    try:
        return release_published(cycle=cycle_get_published(slug=slug))
    except NotFound:
        raise Http404("No published release") from None


def public_home(request):
    """``/``: people signed in go where their work is; everyone else reads the landing page."""
    if principal_of(request).is_authenticated:
        return home(request)
    return public_landing(request)


def _archive_row(release) -> dict:
    """One published cycle as the public pages list it: its headline and where to read it."""
    slug = release.cycle.slug
    return {"cycle": release.cycle, "release": release,
            "headline": cycle_headline(release.release_document(), cycle=slug, published_at=release.published_at),
            "report_url": reverse("public-report", args=[slug]), "pdf_url": reverse("public-report-pdf", args=[slug])}


def public_landing(request):
    """What the compact is, who takes part, the latest report and how to join."""
    rows = [_archive_row(r) for r in releases_public()]
    latest = rows[0] if rows else None
    return render(request, "compact/public_landing.html", {
        "latest": latest,
        "groups": published_groups(latest["release"].release_document()) if latest else None,
        "cycles": rows,
        "contact": getattr(settings, "EQUITY_OFFICE_CONTACT", ""),
    })


def public_releases(request):
    """Every published report, newest first, with its headline and downloads."""
    return render(request, "compact/public_releases.html", {"rows": [_archive_row(r) for r in releases_public()]})


@inline_styles_allowed
def public_report(request, slug):
    """The published report, for everyone, compared with the published cycles before it."""
    release = _published(slug)
    links = [
        ("PDF", reverse("public-report-pdf", args=[slug])),
        ("CSV", reverse("api-release-csv", args=[slug])),
        ("JSON", reverse("api-release", args=[slug])),
        ("All reports", reverse("public-releases")),
        ("About the compact", reverse("public-landing")),
    ]
    return HttpResponse(report_html(release.release_document(), links=links, earlier=_earlier_headlines(release.cycle)))


def public_report_pdf(request, slug):
    release = _published(slug)
    html = report_html(release.release_document(), for_pdf=True, earlier=_earlier_headlines(release.cycle))
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pay-gaps-{slug}.pdf"'
    return response


@office_required
@inline_styles_allowed
def office_review(request, slug):
    """The office's review of the latest release: audit, drill-down to published cells, publish."""
    cycle = cycle_or_404(request, slug)
    release = release_latest(cycle=cycle)
    context = {"cycle": cycle, "release": release,
               "dimension_choices": [(key, dimensions_label(dims)) for key, dims in DIMENSION_CHOICES.items()],
               "margin": releases.policy_for(cycle).margin, "exclusions": exclusions_of(cycle=cycle),
               "build": release_build_pending(cycle=cycle), "job": job_status_panel(cycle)}
    document = release.release_document() if release is not None else None
    if document is not None:
        drill = _drill_down(request, document)
        cells = drill["all_cells"]
        context.update({
            "cohorts": drill["cohorts"],
            "cohort": drill["cohort"],
            "dims_key": drill["dims_key"],
            "dims": drill["dims"],
            "dim_headers": [DIMENSION_LABELS[d] for d in drill["dims"]],
            "hide_suppressed": drill["hide_suppressed"],
            "cells": drill["cells"],
            "cells_total": len(cells),
            "drill_csv_url": reverse("office-drill-down-csv", args=[slug]) + "?" + urlencode(
                {"cohort": drill["cohort"], "dims": drill["dims_key"],
                 **({"hide": "suppressed"} if drill["hide_suppressed"] else {})}, safe=","),
            "headline": document.headline(),
            "earlier": _earlier_headlines(cycle),
            "suppressed_count": sum(1 for c in cells if c["status"] == "suppressed"),
            "charts": _review_charts(document),
            "plan": document.plan.get("decisions", []),
            "utility": document.utility,
        })
    if cycle.state == "unmasked" and release is not None:
        context.update(_plan_form(request, cycle, context.get("plan", [])))
    return render(request, "aggregation/office_review.html", context)


def _drill_down(request, document: ReleaseDocument) -> dict:
    """The drill-down table the GET parameters ask for: ``cohort`` (a cohort key), ``dims`` (a
    key of DIMENSION_CHOICES) and ``hide=suppressed``; unknown values fall back to the default
    table of all employers by job category and gender."""
    cohorts = {c.key: c for c in document.cohorts()}
    cohort = request.GET.get("cohort", "all")
    dims_key = request.GET.get("dims", "job_category,gender")
    if cohort not in cohorts or dims_key not in DIMENSION_CHOICES:
        cohort, dims_key = "all", "job_category,gender"
    dims = DIMENSION_CHOICES[dims_key]
    cells = cells_for_display(document, cohort=cohorts[cohort], dims=dims)
    hide_suppressed = request.GET.get("hide") == "suppressed"
    return {
        "cohorts": [(key, c.label) for key, c in cohorts.items()],
        "cohort": cohort, "cohort_label": cohorts[cohort].label, "dims_key": dims_key, "dims": dims,
        "hide_suppressed": hide_suppressed, "all_cells": cells,
        "cells": [c for c in cells if c["status"] != "suppressed"] if hide_suppressed else cells,
    }


DRILL_CSV_FIELDS = [
    ("People", "headcount"), ("Mean pay", "compensation_mean"), ("Median pay", "compensation_median"),
    ("Mean performance pay", "performance_pay_mean"), ("Mean tenure (months)", "tenure_mean_months"),
]


@office_required
def office_drill_down_csv(request, slug):
    """The drill-down table as the office sees it, as CSV: a suppressed cell is a row marked
    "suppressed" with empty figures (its values are never written, here or anywhere)."""
    import csv
    import io

    cycle = cycle_or_404(request, slug)
    release = release_latest(cycle=cycle)
    if release is None or not release.document:
        raise Http404("No release to drill into")
    drill = _drill_down(request, release.release_document())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([DIMENSION_LABELS[d] for d in drill["dims"]] + [label for label, _ in DRILL_CSV_FIELDS] + ["Status"])
    for cell in drill["cells"]:
        shown = cell["status"] != "suppressed"
        figures = [cell.get(key) if shown and cell.get(key) is not None else "" for _, key in DRILL_CSV_FIELDS]
        writer.writerow([*cell["labels"], *figures, cell["status"]])
    name = f"drill-down-{slug}-r{release.number}-{drill['cohort']}-{drill['dims_key'].replace(',', '-')}.csv"
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


PLAN_FIELD = "plan:"


def _plan_choices_of(data) -> dict[str, str]:
    return {k[len(PLAN_FIELD):]: v for k, v in data.items() if k.startswith(PLAN_FIELD)}


def _plan_form(request, cycle, decisions: list[dict]) -> dict:
    """The plan override form: each cohort's current choice, and a preview when asked."""
    stored = releases.plan_choices(cycle)
    rows = [{"cohort": d["cohort"], "title": d["title"], "choice": stored.get(d["cohort"], "plan")}
            for d in decisions if d["cohort"] != "all"]
    out = {"plan_rows": rows, "plan_field": PLAN_FIELD}
    if request.GET.get("preview"):
        asked = _plan_choices_of(request.GET)
        for row in rows:
            row["choice"] = asked.get(row["cohort"], row["choice"])
        try:
            out["preview"] = releases.release_plan_preview(
                principal=principal_of(request), cycle=cycle, choices=asked)
        except DomainError as exc:
            out["preview_error"] = exc.message
    return out


@office_required
@require_POST
def office_plan(request, slug):
    """Build the next release with the office's plan overrides."""
    cycle = cycle_or_404(request, slug)
    choices = _plan_choices_of(request.POST)
    run_service(request, lambda: releases.release_plan_set(
        principal=principal_of(request), cycle=cycle, choices=choices),
        success="The release is being built with your plan; this page shows it when it is ready.")
    return redirect("office-review", slug=slug)


def _review_charts(document: ReleaseDocument) -> list[dict]:
    """The report's main charts, each with the table behind it, for the review page."""
    built = report_context(document)["charts"]
    titles = {
        "jobs": "Mean pay gap by job category",
        "intersectional": "Cents per dollar of White men's mean pay",
        "representation": "Gender mix of each job category",
    }
    return [{"title": title, "svg": built[key][0], "rows": built[key][1]} for key, title in titles.items()]


def _earlier_headlines(cycle: Cycle) -> list[CycleHeadline]:
    """Headlines of the published cycles before ``cycle``, newest first, for the year-over-year
    view: published releases only, never a draft."""
    return [cycle_headline(r.release_document(), cycle=r.cycle.slug, published_at=r.published_at)
            for r in releases_of_earlier_cycles(cycle=cycle)]


@office_required
@inline_styles_allowed
def office_draft_report(request, slug):
    """The draft release rendered as the public will see it, for review."""
    cycle = cycle_or_404(request, slug)
    release = release_latest(cycle=cycle)
    if release is None or not release.document:
        raise Http404("No draft")
    banner = "" if release.state == ReleaseState.PUBLISHED else f"Draft release {release.number} — not published"
    return HttpResponse(report_html(release.release_document(), banner=banner, earlier=_earlier_headlines(cycle),
                                    links=[("Back to the review", reverse("office-review", args=[slug]))]))


def _review_action(request, slug, service, success: str):
    """Run one office service on the cycle and come back to the review page with its message."""
    cycle = cycle_or_404(request, slug)
    run_service(request, lambda: service(principal=principal_of(request), cycle=cycle), success=success)
    return redirect("office-review", slug=slug)


@office_required
@require_POST
def office_rebuild(request, slug):
    return _review_action(request, slug, releases.release_rebuild,
                          "A new release is being built; this page shows it when it is ready.")


@office_required
def office_publish(request, slug):
    """Publish the draft release, after a confirmation page that says what becomes public."""
    cycle = cycle_or_404(request, slug)
    release = release_latest(cycle=cycle)
    back = reverse("office-review", args=[slug])
    if release is None or release.state != ReleaseState.DRAFT or not release.passed:
        messages.error(request, "There is no draft release that passed its audit to publish.")
        return redirect(back)
    if confirmation_given(request):
        if request.POST.get("release") != str(release.number):
            messages.error(request, f"The draft changed while you were deciding: release {release.number} is the one "
                                    "to review now. Nothing was published.")
            return redirect(back)
        return _review_action(request, slug, releases.release_publish, "Published. The report is public now.")
    cert = release.certificate
    return confirmation_page(request, Confirmation(
        title=f"Publish release {release.number} of cycle {slug}?",
        consequences=[
            f"Anyone can read it, without signing in: the report at {reverse('public-report', args=[slug])} "
            "(web page and PDF), the CSV and the JSON.",
            f"It publishes {cert.get('published', 0):,} cells and hides {cert.get('suppressed', {}).get('primary', 0):,} "
            f"by the rules and {cert.get('suppressed', {}).get('secondary', 0):,} to protect them; every hidden "
            f"figure stays uncertain by at least {100 * cert.get('worst_protection_ratio', 0):.0f}% of its value.",
            "A published release cannot be withdrawn. A correction is a new release, audited against this one.",
            "Each employer can then compare its own figures with the published ones.",
        ],
        button=f"Publish release {release.number}", action_url=reverse("office-publish", args=[slug]),
        cancel_url=back, cancel_label=f"Review of {slug}", fields={"release": str(release.number)}, danger=False,
    ))


@office_required
@require_POST
def office_resubmission_grant(request, slug):
    """Let one employer of a closed cycle submit again before the unmask (DESIGN §2.7)."""
    cycle = cycle_or_404(request, slug)
    form = ResubmissionWindowForm(request.POST, cycle=cycle)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(reverse("office-cycle", args=[slug]) + "#resubmission")
    data = form.cleaned_data
    window = run_service(request, lambda: resubmission_grant(
        principal=principal_of(request), cycle=cycle, employer_id=data["employer"].pk,
        until=data["until"], reason=data["reason"],
    ))
    if window is not None:
        messages.success(request, f"{window.employer.name} may submit again until "
                                  f"{timezone.localtime(window.until):%Y-%m-%d %H:%M}, or until you request the unmask.")
    return redirect(reverse("office-cycle", args=[slug]) + "#resubmission")
