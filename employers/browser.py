"""The employer's browser page: check, seal and submit an extract without it leaving the machine.

Thin views. The page's scripts (``employers/static/employers/browser/``) read the extract,
apply the Python client's rules from the same taxonomy files, build the statistics vector,
seal it with WebCrypto and POST the envelope to ``/api/v1/cycles/<slug>/submissions``, then
open the version's confirmation page (its printable receipt); after
publication they compare the local extract with ``/api/v1/cycles/<slug>/release``. The
service only renders the page and serves the rule files: it never receives the extract.

Guarantees:
- The page is for a signed-in employer member who can see the cycle (404 otherwise, as the
  employer's cycle page); whether submitting is possible is the cycle's state, shown plainly.
- :func:`taxonomy_file` serves exactly the files the Python client reads (the taxonomy, its
  alias table and its soft maximums), byte for byte, for taxonomies the client knows.
- The page's responses carry a Content-Security-Policy that allows scripts, styles and
  connections to this origin only, so nothing the page reads can be sent anywhere else.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from compact.pages import employer_required
from employers.views import employer_cycle_context
from protocol.taxonomy import TAXONOMY_DIR, available

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
TAXONOMY_PARTS = {"taxonomy": "{name}.json", "aliases": "_aliases-{name}.json", "checks": "_checks-{name}.json"}


@employer_required
def employer_browser(request, slug):
    """Check, seal and submit in the browser; after publication, compare with the release."""
    context = employer_cycle_context(request, slug)
    cycle, employer = context["cycle"], context["employer"]
    context["config"] = {
        "cycle": cycle.slug,
        "state": cycle.state,
        "taxonomy": cycle.taxonomy,
        "employer": employer.pk,
        "industry": employer.industry,
        "size_band": employer.size_band,
        "rules": {part: reverse("taxonomy-file", args=[cycle.taxonomy, part]) for part in TAXONOMY_PARTS},
        "cycle_key_url": reverse("api-cycle-key", args=[cycle.slug]),
        "submissions_url": reverse("api-submissions", args=[cycle.slug]),
        "release_url": f"/api/v1/cycles/{cycle.slug}/release",
        "csrf_token": get_token(request),
        "submission_url": reverse("employer-submission", args=[cycle.slug, 0]).replace("/0/", "/{version}/") + "?received=1",
    }
    response = render(request, "employers/browser.html", context)
    response["Content-Security-Policy"] = PAGE_CSP
    return response


@require_GET
def taxonomy_file(request, name, part):
    """One of the rule files of a taxonomy, exactly as the Python client reads it."""
    if name not in available() or part not in TAXONOMY_PARTS:
        raise Http404("No such taxonomy file")
    path = TAXONOMY_DIR / TAXONOMY_PARTS[part].format(name=name)
    if not path.is_file():
        raise Http404("No such taxonomy file")
    response = FileResponse(path.open("rb"), content_type="application/json")
    response["Cache-Control"] = "public, max-age=300"
    return response
