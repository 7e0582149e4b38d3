"""The office pages in headless Chromium: the same fixtures as the employer page's tests."""

from tests.employers.browser.conftest import chromium, signed_in  # noqa: F401  (fixtures)
