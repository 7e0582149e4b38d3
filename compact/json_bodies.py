"""Reading a JSON request body within limits: size and nesting are checked before parsing.

Guarantees: :func:`json_body_load` never raises anything but :class:`BodyRefused` for a bad
body — too large, nested deeper than ``MAX_DEPTH``, not UTF-8, not JSON — and its message says
which of these it is and where (``what`` names the body: "The request body", "sealed.json").
The depth is measured on the raw bytes (brackets outside strings), so a body nested 100,000
levels deep is refused without recursing into it. :class:`BoundedJSONParser` is the same rule
for every view of the API.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from django.conf import settings
from rest_framework.parsers import JSONParser

from compact.errors import DomainError

# Every body the service takes is shallow: a sealed file is one object, a cycle's policy two
# levels. 32 leaves room for any client while staying far from Python's recursion limit.
MAX_DEPTH = 32
# A JSON string, escapes included (the unrolled form is linear and needs no backtracking).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


class BodyRefused(DomainError):
    """A body that is not a JSON document the service reads; the message says why."""

    code = "bad_json"


class BodyTooLarge(BodyRefused):
    status = 413
    code = "too_large"


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw`` (0 for a scalar), counted without
    parsing: brackets inside strings do not count."""
    outside = np.frombuffer(_STRING.sub(b'""', raw), dtype=np.uint8)
    steps = np.isin(outside, _OPEN).astype(np.int64) - np.isin(outside, _CLOSE)
    return int(np.cumsum(steps).max(initial=0))


def json_body_load(raw: bytes, *, what: str = "The request body", max_bytes: int | None = None) -> Any:
    """The parsed JSON of ``raw``, or BodyRefused naming ``what`` and what is wrong with it."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if max_bytes is None else max_bytes
    if len(raw) > limit:
        raise BodyTooLarge(f"{what} is larger than the limit of {limit:,} bytes.")
    depth = json_depth(raw)
    if depth > MAX_DEPTH:
        raise BodyRefused(
            f"{what} is JSON nested {depth:,} levels deep; the service reads at most {MAX_DEPTH}.",
            code="too_deep",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused(f"{what} is not UTF-8 text (byte {exc.start + 1} is not valid).") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BodyRefused(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4,300 digits
        raise BodyRefused(f"{what} is not JSON the service can read: {exc}.") from None


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser behind :func:`json_body_load`'s size and depth limits. A refused body
    is a BodyRefused, which the API's exception handler answers with its status and code."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        return json_body_load(raw, max_bytes=limit)
