"""Serializers of the employer side's API: what the OpenAPI schema says it takes and answers.

``SealedFileIn`` documents the sealed file (``talent-compact-sealed/1``) field by field from
``protocol.sealing``'s constants; it parses nothing. The service reads a sealed file only
through ``protocol.sealing.envelope_parse`` (one reader), and ``tests/employers/test_api_schema.py``
shows the two agree: a file ``seal`` writes fits the schema, and each field the schema requires
is one the parser refuses to do without.
"""

from __future__ import annotations

from rest_framework import serializers

from compact.api.schema import documented_as
from protocol.officekey import PUBLIC_FORMAT
from protocol.sealing import ELEMENT, ENVELOPE_FORMAT, SEALED_SEED_BYTES, VERSION_MAX

SHA256_HEX = r"^[0-9a-f]{64}$"
def base64_of(n_bytes: int) -> str:
    """The pattern of standard base64 of exactly ``n_bytes`` bytes."""
    full, rest = divmod(n_bytes, 3)
    tail = {0: "", 1: "[A-Za-z0-9+/]{2}==", 2: "[A-Za-z0-9+/]{3}="}[rest]
    return f"^[A-Za-z0-9+/]{{{4 * full}}}{tail}$"


def base64_field(n_bytes: int | None = None, **kwargs) -> serializers.CharField:
    """A string field documented as standard base64: ``format: byte``, or for exactly
    ``n_bytes`` bytes the pattern of that length (OpenAPI tools read one or the other)."""
    schema = {"type": "string"}
    schema.update({"format": "byte"} if n_bytes is None else {"pattern": base64_of(n_bytes)})
    return documented_as(schema, **kwargs)


class OfficePublicKeyOut(serializers.Serializer):
    format = serializers.ChoiceField(choices=[PUBLIC_FORMAT])
    kem = serializers.ChoiceField(choices=["X25519"])
    public_key = base64_field(32, help_text="The raw 32-byte X25519 public key.")
    fingerprint = serializers.RegexField(SHA256_HEX, help_text="SHA-256 of the raw public key, hex.")


class CycleKeyOut(serializers.Serializer):
    """Everything the employer's client needs to seal for a cycle."""

    format = serializers.ChoiceField(choices=["talent-compact-cycle-key/1"])
    cycle = serializers.CharField()
    state = serializers.CharField()
    deadline = serializers.DateTimeField()
    taxonomy = serializers.CharField()
    layout = serializers.CharField(help_text="The vector layout id a sealed file must carry.")
    elements = serializers.IntegerField(min_value=1, help_text="The vector's length.")
    employer = serializers.IntegerField(min_value=1, help_text="The employer number to seal for.")
    employer_name = serializers.CharField()
    employer_industry = serializers.CharField()
    employer_size_band = serializers.CharField()
    next_version = serializers.IntegerField(min_value=1, help_text="The version to seal the next file as.")
    office_key = OfficePublicKeyOut()


class SealedFileIn(serializers.Serializer):
    """A sealed file as the client writes it (docs/protocol.md). The service checks that it is
    self-consistent and matches the cycle and the employer; it cannot read the figures."""

    format = serializers.ChoiceField(choices=[ENVELOPE_FORMAT])
    cycle = serializers.CharField(help_text="The slug of the cycle it was sealed for.")
    employer = serializers.IntegerField(min_value=1, help_text="The employer number it was sealed for.")
    version = serializers.IntegerField(
        min_value=1, max_value=VERSION_MAX,
        help_text="Higher than the employer's latest version in the cycle, by at most 1,000.",
    )
    taxonomy = serializers.CharField()
    layout = serializers.CharField(help_text="The vector layout id from the cycle key.")
    key_fingerprint = serializers.RegexField(SHA256_HEX, help_text="The office key's fingerprint.")
    masked_sha256 = serializers.RegexField(SHA256_HEX, help_text="SHA-256 of the masked vector's bytes, hex.")
    masked_vector = base64_field(
        help_text=f"The masked vector: {ELEMENT.itemsize} bytes per element, little-endian, in Z/2^64."
    )
    sealed_seed = base64_field(
        SEALED_SEED_BYTES,
        help_text=f"The seed sealed to the office key with HPKE: {SEALED_SEED_BYTES} bytes.",
    )
    elements = serializers.IntegerField(
        min_value=1, required=False, help_text="The vector's length (informative; the service counts)."
    )
    sealed_at = serializers.DateTimeField(required=False, help_text="When it was sealed (informative).")


class ReceiptOut(serializers.Serializer):
    """What the employer keeps: proof of what was received, signed by the service."""

    format = serializers.ChoiceField(choices=["talent-compact-receipt/1"])
    submission = serializers.IntegerField()
    cycle = serializers.CharField()
    employer = serializers.CharField(help_text="The employer's name.")
    employer_id = serializers.IntegerField()
    version = serializers.IntegerField()
    masked_sha256 = serializers.RegexField(SHA256_HEX)
    received_at = serializers.DateTimeField()
    late = serializers.BooleanField()
    signature = serializers.RegexField(SHA256_HEX, help_text="HMAC-SHA256 of the other fields, hex.")


class SubmissionOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    version = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    received_via = serializers.CharField()
    late = serializers.BooleanField()
    masked_sha256 = serializers.CharField()
    employer = serializers.CharField(source="employer.name")
