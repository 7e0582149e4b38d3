"""API of the employer side: the cycle key to seal with, sealed submissions, their history."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from compact.access import principal_of
from compact.api.base import Base
from compact.errors import DomainError, NotAllowed
from compact.json_bodies import BodyRefused, json_body_load
from compact.selectors import cycle_get
from employers.api.serializers import CycleKeyOut, ReceiptOut, SealedFileIn, SubmissionOut
from employers.selectors import submission_history
from employers.services.submissions import receipt_for, submission_accept
from protocol.layout import layout_for
from protocol.officekey import public_key_document


class RawJSONParser(BaseParser):
    """Hands the view the raw body, so that size is checked before anything is parsed."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.SEALED_SUBMISSION_MAX_BYTES
        data = stream.read(limit + 1) if stream is not None else b""
        return data


def cycle_key_document(cycle, employer) -> dict:
    """Everything the employer's client needs to seal for this cycle."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    layout = layout_for(cycle.taxonomy)
    latest = employer.submissions.filter(cycle=cycle).order_by("-version").values_list("version", flat=True).first()
    key = X25519PublicKey.from_public_bytes(bytes(cycle.office_public_key))
    return {
        "format": "talent-compact-cycle-key/1",
        "cycle": cycle.slug,
        "state": cycle.state,
        "deadline": cycle.deadline.isoformat(),
        "taxonomy": cycle.taxonomy,
        "layout": layout.layout_id,
        "elements": layout.length,
        "employer": employer.pk,
        "employer_name": employer.name,
        "employer_industry": employer.industry,
        "employer_size_band": employer.size_band,
        "next_version": (latest or 0) + 1,
        "office_key": public_key_document(key),
    }


class CycleKeyView(Base):
    @extend_schema(responses=CycleKeyOut, summary="The cycle key: what the client seals with")
    def get(self, request, slug):
        principal = principal_of(request)
        cycle = cycle_get(principal=principal, slug=slug)
        if principal.employer is None:
            raise NotAllowed("The cycle key is for enrolled employers.")
        if not cycle.office_public_key:
            raise DomainError("The equity office has not registered its key for this cycle yet.")
        return Response(cycle_key_document(cycle, principal.employer))


class SubmissionListView(Base):
    parser_classes = [RawJSONParser]

    @extend_schema(responses=SubmissionOut(many=True), summary="Your versions (metadata only)")
    def get(self, request, slug):
        principal = principal_of(request)
        cycle = cycle_get(principal=principal, slug=slug)
        return Response(SubmissionOut(submission_history(principal=principal, cycle=cycle), many=True).data)

    @extend_schema(
        request={"application/json": SealedFileIn},
        responses={201: ReceiptOut},
        summary="Submit a sealed file; answers with a signed receipt",
    )
    def post(self, request, slug):
        principal = principal_of(request)
        cycle = cycle_get(principal=principal, slug=slug)
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        limit = settings.SEALED_SUBMISSION_MAX_BYTES
        if declared > limit:
            return Response(
                {"detail": f"The sealed file is {declared:,} bytes; the limit is {limit:,}.", "code": "too_large"},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        raw = request.data if isinstance(request.data, bytes) else b""
        if len(raw) > limit:
            return Response(
                {"detail": f"The sealed file is larger than the limit of {limit:,} bytes.", "code": "too_large"},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            document = json_body_load(raw, what="It", max_bytes=limit)
        except BodyRefused as exc:
            raise DomainError(f"The body is not a sealed file. {exc.message}", code="bad_envelope") from None
        submission = submission_accept(
            principal=principal, cycle=cycle, document=document,
            received_via="api-key" if principal.api_key else "session", body_bytes=len(raw),
        )
        return Response(receipt_for(submission), status=status.HTTP_201_CREATED)
