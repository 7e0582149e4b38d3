"""Pages of releases: the public report (HTML and PDF) and the office's review of a draft."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from aggregation.models import ReleaseState
from aggregation.reports.render import cells_for_display, html_to_pdf, report_context, report_html
from aggregation.selectors import (
    exclusions_of,
    release_build_pending,
    release_latest,
    release_published,
    releases_of_earlier_cycles,
)
from aggregation.services import releases
from compact.access import principal_of
from compact.content_policy import inline_styles_allowed
from compact.errors import DomainError, NotFound
from compact.models import Cycle
from compact.pages import cycle_or_404, office_required, run_service
from compact.selectors import cycle_get_published
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


def _published(slug: str):
    try:
        return release_published(cycle=cycle_get_published(slug=slug))
    except NotFound:
        raise Http404("No published release") from None


@inline_styles_allowed
def public_report(request, slug):
    """The published report, for everyone."""
    release = _published(slug)
    links = [
        ("PDF", reverse("public-report-pdf", args=[slug])),
        ("CSV", reverse("api-release-csv", args=[slug])),
        ("JSON", reverse("api-release", args=[slug])),
        ("All reports", reverse("public-releases")),
    ]
    return HttpResponse(report_html(release.release_document(), links=links))


def public_report_pdf(request, slug):
    release = _published(slug)
    response = HttpResponse(html_to_pdf(report_html(release.release_document(), for_pdf=True)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pay-gaps-{slug}.pdf"'
    return response


@office_required
@inline_styles_allowed
def office_review(request, slug):
    """The office's review of the latest release: audit, drill-down to published cells, publish."""
    cycle = cycle_or_404(request, slug)
    release = release_latest(cycle=cycle)
    context = {"cycle": cycle, "release": release, "dimension_choices": DIMENSION_CHOICES,
               "margin": releases.policy_for(cycle).margin, "exclusions": exclusions_of(cycle=cycle),
               "build": release_build_pending(cycle=cycle)}
    document = release.release_document() if release is not None else None
    if document is not None:
        cohorts = {c.key: c for c in document.cohorts()}
        cohort = request.GET.get("cohort", "all")
        dims_key = request.GET.get("dims", "job_category,gender")
        if cohort not in cohorts or dims_key not in DIMENSION_CHOICES:
            cohort, dims_key = "all", "job_category,gender"
        dims = DIMENSION_CHOICES[dims_key]
        cells = cells_for_display(document, cohort=cohorts[cohort], dims=dims)
        context.update({
            "cohorts": [(key, c.label) for key, c in cohorts.items()],
            "cohort": cohort,
            "dims_key": dims_key,
            "dims": dims,
            "cells": cells,
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


def _earlier_headlines(cycle: Cycle) -> list[dict]:
    """Headline gaps of earlier published cycles, for the year-over-year view."""
    out = []
    for release in releases_of_earlier_cycles(cycle=cycle):
        document = release.release_document()
        gender = document.headline()
        out.append({
            "cycle": release.cycle.slug,
            "participants": document.participants,
            "mean_gap": gender.get("compensation_mean", {}).get("gap"),
            "median_gap": gender.get("compensation_median", {}).get("gap"),
        })
    return out


@office_required
@inline_styles_allowed
def office_draft_report(request, slug):
    """The draft release rendered as the public will see it, for review."""
    cycle = cycle_or_404(request, slug)
    release = release_latest(cycle=cycle)
    if release is None or not release.document:
        raise Http404("No draft")
    banner = "" if release.state == ReleaseState.PUBLISHED else f"Draft release {release.number} — not published"
    return HttpResponse(report_html(release.release_document(), banner=banner,
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
@require_POST
def office_publish(request, slug):
    return _review_action(request, slug, releases.release_publish, "Published. The report is public now.")
