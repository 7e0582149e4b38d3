"""Employer organisations, their people, their API keys and their sealed submissions."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from protocol import taxonomy

_TAX = taxonomy.load()
INDUSTRY_CHOICES = [(name, name) for name in _TAX.industries]
SIZE_BAND_CHOICES = [(name, name) for name in _TAX.size_bands]


class Employer(models.Model):
    """A participating organisation. Industry and size band are cohort metadata, not secret."""

    name = models.CharField(max_length=200, unique=True)
    industry = models.CharField(max_length=80, choices=INDUSTRY_CHOICES)
    size_band = models.CharField(max_length=10, choices=SIZE_BAND_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmployerMember(models.Model):
    """A person who acts for one employer (HR or payroll staff)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employer_membership"
    )
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.employer}"


class ApiKey(models.Model):
    """A key for a program. The secret is shown once; only its SHA-256 is stored.

    A key is presented as ``tc_<prefix>_<secret>``; the prefix finds the row, the hash of the
    whole key proves it. An employer key acts for its employer only; an office key (``owner``
    set, no employer) acts with its owner's office role, for the unmask client.
    """

    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="office_api_keys",
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Refused from this moment on; never if empty.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(employer__isnull=False, owner__isnull=True)
                    | models.Q(employer__isnull=True, owner__isnull=False)
                ),
                name="api_key_for_an_employer_or_an_office_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (tc_{self.prefix}_…)"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


def _moment(value: datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M %Z}"


def api_key_expiry_check(expires_at: datetime | None) -> None:
    """Refuse an expiry that has passed or lies beyond ``API_KEY_MAX_LIFETIME_DAYS``.

    Raises Django's ValidationError, which the API's serializer, the form and the service each
    report against their own name of the field.
    """
    if expires_at is None:
        return
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError(f"The expiry must be in the future; {_moment(expires_at)} has passed.")
    days = settings.API_KEY_MAX_LIFETIME_DAYS
    latest = now + timedelta(days=days)
    if expires_at > latest:
        raise ValidationError(
            f"A key may live at most {days} days: the expiry must be on or before {_moment(latest)}; "
            f"got {_moment(expires_at)}."
        )


# How a version reached the service, in the words its receipt uses.
RECEIVED_VIA_WORDS = {
    "session": "Submitted through the web page (sealed in your browser)",
    "web": "Sealed file uploaded on the cycle page",
    "api-key": "Sent with an API key (the command-line client or your own system)",
}


class SealedSubmission(models.Model):
    """One version of one employer's sealed vector for one cycle. Never changed once stored.

    ``masked_vector`` and ``sealed_seed`` are encrypted at rest (``compact.at_rest``). The
    masked vector is random-looking without the seed; the seed is sealed to the equity office's
    key, which the service never holds. The latest version counts.
    """

    cycle = models.ForeignKey("compact.Cycle", on_delete=models.PROTECT, related_name="submissions")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="submissions")
    version = models.PositiveIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)
    received_via = models.CharField(max_length=20)
    late = models.BooleanField(default=False)
    layout_id = models.CharField(max_length=80)
    key_fingerprint = models.CharField(max_length=64)
    masked_sha256 = models.CharField(max_length=64)
    envelope_bytes = models.PositiveIntegerField()
    masked_vector = models.BinaryField()
    sealed_seed = models.BinaryField()

    class Meta:
        ordering = ["cycle", "employer", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "employer", "version"], name="one_submission_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employer} v{self.version} for {self.cycle}"

    @property
    def received_how(self) -> str:
        """How this version reached the service, in plain words."""
        return RECEIVED_VIA_WORDS.get(self.received_via, self.received_via)


class SubmissionSet(models.Model):
    """The frozen set of submissions that counts for a cycle, recorded when it closes."""

    cycle = models.OneToOneField(
        "compact.Cycle", on_delete=models.PROTECT, related_name="submission_set"
    )
    frozen_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"frozen set of {self.cycle}"


class FrozenSubmission(models.Model):
    """A member of a frozen set, with the cohort metadata its employer had at freezing time."""

    submission_set = models.ForeignKey(
        SubmissionSet, on_delete=models.PROTECT, related_name="members"
    )
    submission = models.OneToOneField(
        SealedSubmission, on_delete=models.PROTECT, related_name="frozen_in"
    )
    industry = models.CharField(max_length=80)
    size_band = models.CharField(max_length=10)

    class Meta:
        ordering = ["submission__employer__name"]

    def __str__(self) -> str:
        return str(self.submission)


class ResubmissionWindow(models.Model):
    """The office lets one employer submit again after close, until ``until`` or until the
    unmask is requested, whichever comes first (DESIGN §2.7). A version accepted in the window
    replaces the employer's member of the frozen set."""

    cycle = models.ForeignKey("compact.Cycle", on_delete=models.PROTECT, related_name="resubmission_windows")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="resubmission_windows")
    until = models.DateTimeField()
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resubmission_windows_granted"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When the unmask request closed it early.")

    class Meta:
        ordering = ["cycle", "employer__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "employer"], name="one_resubmission_window_per_employer")
        ]

    def __str__(self) -> str:
        return f"resubmission window of {self.employer} for {self.cycle} until {self.until:%Y-%m-%d %H:%M}"

    def is_open(self, now=None) -> bool:
        return self.ended_at is None and self.until > (now or timezone.now())
