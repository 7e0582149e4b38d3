"""Input and output serializers of the v1 API. Input serializers only parse; services decide."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from compact.access import principal_for_api_key, principal_for_user
from compact.api.schema import documented_as
from compact.models import AuditEvent, Cycle, Invitation
from compact.services.cycles import POLICY_LIMITS
from compact.services.people import ROLES
from employers.models import (
    INDUSTRY_CHOICES,
    SIZE_BAND_CHOICES,
    ApiKey,
    Employer,
    api_key_expiry_check,
)
from protocol import taxonomy

# The rules below are the services' (with their messages); these fields only document them.
POLICY = {
    "type": "object",
    "properties": {key: {"type": "integer", "minimum": low, "maximum": high} for key, (low, high) in POLICY_LIMITS.items()},
    "additionalProperties": False,
}


def policy_field(**kwargs):
    return documented_as(POLICY, serializers.DictField, **kwargs)


def choice_field(values, **kwargs):
    return documented_as({"type": "string", "enum": list(values)}, **kwargs)


def industry_field(**kwargs):
    return choice_field([value for value, _ in INDUSTRY_CHOICES], **kwargs)


def size_band_field(**kwargs):
    return choice_field([value for value, _ in SIZE_BAND_CHOICES], **kwargs)


class DatabaseHealthOut(serializers.Serializer):
    ok = serializers.BooleanField()
    vendor = serializers.CharField(help_text="sqlite or postgresql")
    error = serializers.CharField(required=False, help_text="The driver's exception class, when not ok.")


class BrokerHealthOut(serializers.Serializer):
    ok = serializers.BooleanField()
    mode = serializers.CharField(help_text="broker, or eager (tasks run in-process)")
    transport = serializers.CharField(required=False)
    error = serializers.CharField(required=False, help_text="The exception class, when not ok.")


class HealthOut(serializers.Serializer):
    ok = serializers.BooleanField(help_text="Both the database and the broker answer.")
    database = DatabaseHealthOut()
    broker = BrokerHealthOut()


class CycleOut(serializers.ModelSerializer):
    office_key_fingerprint = serializers.CharField()
    policy = documented_as({**POLICY, "required": list(POLICY_LIMITS)}, serializers.DictField)

    class Meta:
        model = Cycle
        fields = [
            "slug",
            "name",
            "taxonomy",
            "deadline",
            "state",
            "policy",
            "office_key_fingerprint",
            "created_at",
            "opened_at",
            "closed_at",
            "unmasked_at",
            "published_at",
        ]


class CycleCreateIn(serializers.Serializer):
    slug = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    deadline = serializers.DateTimeField()
    taxonomy = choice_field(taxonomy.available(), max_length=40, required=False)
    policy = policy_field(required=False, help_text="Settings to change; the others keep their defaults.")


class CycleUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    deadline = serializers.DateTimeField(required=False)
    policy = policy_field(required=False, help_text="Only while the cycle is a draft.")


class ParticipationOut(serializers.Serializer):
    employer_id = serializers.IntegerField(source="employer.pk")
    employer = serializers.CharField(source="employer.name")
    industry = serializers.CharField(source="employer.industry")
    size_band = serializers.CharField(source="employer.size_band")
    invited = serializers.IntegerField()
    enrolled_at = serializers.DateTimeField(allow_null=True)
    versions = serializers.IntegerField()
    last_submitted_at = serializers.DateTimeField(allow_null=True)
    late = serializers.BooleanField()


class InvitationOut(serializers.ModelSerializer):
    cycle = serializers.CharField(source="cycle.slug")
    employer = serializers.CharField(source="employer.name", allow_null=True, default=None)
    used_by = serializers.CharField(source="used_by.name", allow_null=True, default=None)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "cycle",
            "hint",
            "employer",
            "email",
            "note",
            "expires_at",
            "created_at",
            "revoked_at",
            "used_at",
            "used_by",
            "status",
            "expires_before_deadline",
        ]

    def get_status(self, obj) -> str:
        return obj.status


class InvitationCreatedOut(InvitationOut):
    code = serializers.CharField()

    class Meta(InvitationOut.Meta):
        fields = InvitationOut.Meta.fields + ["code"]


class InvitationCreateIn(serializers.Serializer):
    employer = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    valid_days = serializers.IntegerField(required=False, min_value=1, max_value=365)


class BulkInvitationRowIn(serializers.Serializer):
    employer = serializers.CharField(max_length=200, allow_blank=True,
                                     help_text="The employer's name as registered (case does not matter).")
    email = serializers.CharField(max_length=254, allow_blank=True, help_text="Where the code is emailed.")


class InvitationsBulkIn(serializers.Serializer):
    invitations = BulkInvitationRowIn(
        many=True, min_length=1, max_length=500,
        help_text="One item per employer. Every item is checked first; if any is wrong nothing is created, and "
        "the 400 answer's details.problems names each problem as \"Row N, column employer|email\" (N counts "
        "items from 1).",
    )


class EnrolIn(serializers.Serializer):
    code = serializers.CharField(max_length=64)


class EnrollmentOut(serializers.Serializer):
    cycle = serializers.CharField(source="cycle.slug")
    employer = serializers.CharField(source="employer.name")
    enrolled_at = serializers.DateTimeField()


class EmployerOut(serializers.ModelSerializer):
    class Meta:
        model = Employer
        fields = ["id", "name", "industry", "size_band", "created_at"]


class EmployerIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    industry = industry_field(max_length=80)
    size_band = size_band_field(max_length=10)


class EmployerPatchIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    industry = industry_field(max_length=80, required=False)
    size_band = size_band_field(max_length=10, required=False)


class ApiKeyOut(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "expires_at"]


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.CharField()

    class Meta(ApiKeyOut.Meta):
        fields = ApiKeyOut.Meta.fields + ["key"]


class ApiKeyIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, validators=[api_key_expiry_check],
        help_text="When the key stops working (in the future, within API_KEY_MAX_LIFETIME_DAYS); never if omitted.",
    )


class PersonOut(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    employer = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "is_active", "role", "employer"]

    def get_role(self, user) -> str:
        return principal_for_user(user).role

    def get_employer(self, user) -> int | None:
        membership = getattr(user, "employer_membership", None)
        return membership.employer_id if membership else None


class PersonIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(max_length=128, write_only=True)
    role = choice_field(ROLES, max_length=20)
    employer = serializers.IntegerField(required=False, allow_null=True)


class PersonRoleIn(serializers.Serializer):
    role = choice_field(ROLES, max_length=20)
    employer = serializers.IntegerField(required=False, allow_null=True)


class AuditEventOut(serializers.ModelSerializer):
    cycle = serializers.CharField(source="cycle.slug", allow_null=True, default=None)
    employer = serializers.CharField(source="employer.name", allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor_label", "action", "object_type", "object_id", "cycle", "employer", "details"]


class MeOut(serializers.Serializer):
    label = serializers.CharField()
    role = serializers.CharField()
    employer = serializers.CharField(source="employer.name", allow_null=True, default=None)


class OfficeKeyIn(serializers.Serializer):
    public_key = serializers.CharField(
        max_length=4096, help_text="The public key document written by `aggregation.office keygen`, or PEM."
    )


class OfficeApiKeyCreatedOut(ApiKeyCreatedOut):
    role = serializers.SerializerMethodField(help_text="The role the key acts with: always analyst")

    class Meta(ApiKeyCreatedOut.Meta):
        fields = ApiKeyCreatedOut.Meta.fields + ["role"]

    def get_role(self, key) -> str:
        return principal_for_api_key(key).role


class OfficeApiKeyOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
