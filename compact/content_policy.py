"""Content-Security-Policy and Permissions-Policy on every page.

Guarantees:
- Every HTML response carries a Content-Security-Policy. By default (:data:`PAGE_POLICY`)
  scripts, styles, images, fonts and connections come from this origin only, there is no
  inline script and no inline style, no plugin, no frame, and forms post only here.
- A view that needs a different policy says so with :func:`content_policy`, which changes
  named directives of the default (the pages that embed the report's SVG charts allow inline
  styles; none allows inline script), or sets the header itself (the employer's browser
  page, ``employers/browser.py``). The middleware never replaces a policy a view has set.
- Every response carries a Permissions-Policy that denies the page, and anything it could
  embed, the camera, the microphone, geolocation, payment, USB and the other powerful
  features; no page of the service uses any of them.
"""

from __future__ import annotations

import functools

DIRECTIVES = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


PAGE_POLICY = _policy(DIRECTIVES)

# Only features Chromium and Firefox know: an unknown name is a console error on every page.
DENIED_FEATURES = (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen",
    "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi",
    "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial",
    "usb", "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


def content_policy(**changes: str):
    """A view decorator: the default policy with the named directives replaced.

    ``@content_policy(style_src="'self' 'unsafe-inline'")`` allows inline styles on that view.
    """
    unknown = {name.replace("_", "-") for name in changes} - set(DIRECTIVES)
    if unknown:
        raise ValueError(f"Unknown directives: {', '.join(sorted(unknown))}")
    policy = _policy({**DIRECTIVES, **{name.replace("_", "-"): value for name, value in changes.items()}})

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response["Content-Security-Policy"] = policy
            return response

        return wrapped

    return decorate


# The report's charts are matplotlib SVG, styled by attributes and a <style> element, and the
# report itself is one self-contained HTML file (the same one is saved and printed to PDF).
inline_styles_allowed = content_policy(style_src="'self' 'unsafe-inline'")


class ContentPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
