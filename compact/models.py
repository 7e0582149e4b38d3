"""The compact's own domain: reporting cycles, invitations, enrolments and the audit log.

Rows here are written only by the services in ``compact.services``; every write that changes
state also writes an :class:`AuditEvent` in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from protocol.taxonomy import DEFAULT_TAXONOMY


class CycleState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    UNMASKED = "unmasked", "Unmasked"
    PUBLISHED = "published", "Published"


def default_policy() -> dict:
    return {
        "min_employees": 10,
        "min_employers": 5,
        "min_cohort_employers": 8,
    }


class Cycle(models.Model):
    """One reporting round. Its ``slug`` ("2026") is the public identifier in every URL."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    taxonomy = models.CharField(max_length=40, default=DEFAULT_TAXONOMY)
    deadline = models.DateTimeField()
    state = models.CharField(max_length=12, choices=CycleState.choices, default=CycleState.DRAFT)
    policy = models.JSONField(default=default_policy)
    office_public_key = models.BinaryField(null=True, blank=True, editable=False)
    office_key_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    unmasked_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deadline", "slug"]

    def __str__(self) -> str:
        return self.slug


class Invitation(models.Model):
    """A single-use enrolment code for one cycle. Only a hash of the code is stored."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="invitations")
    code_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8, help_text="The code's last characters, to tell codes apart.")
    employer = models.ForeignKey(
        "employers.Employer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
        help_text="When set, only this employer can accept the invitation.",
    )
    note = models.CharField(max_length=200, blank=True, default="")
    email = models.EmailField(
        blank=True, default="", help_text="Where the code was sent by email, when the office sent it (bulk invitations)."
    )
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        "employers.Employer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation …{self.hint} for {self.cycle}"

    @property
    def status(self) -> str:
        """used, revoked, expired or outstanding."""
        from django.utils import timezone

        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "outstanding"

    @property
    def expires_before_deadline(self) -> bool:
        """An unused invitation that stops working before its cycle's deadline: the employer
        could not enrol in the last days of the cycle."""
        return not self.used_at and not self.revoked_at and self.expires_at < self.cycle.deadline


class Enrollment(models.Model):
    """An employer taking part in a cycle."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="enrollments")
    employer = models.ForeignKey(
        "employers.Employer", on_delete=models.PROTECT, related_name="enrollments"
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.PROTECT, related_name="enrollment"
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "employer"], name="one_enrollment_per_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.employer} in {self.cycle}"


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Who did what, when, to which object. Append-only: rows are never changed or removed.

    The database refuses UPDATE as well (a trigger installed by migration 0002).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=120)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    employer = models.ForeignKey(
        "employers.Employer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")
