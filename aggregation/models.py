"""Unmasking and its results: the job, the office's mask sums, the per-cohort aggregates.

Aggregates and mask sums are encrypted at rest (``compact.at_rest``). An aggregate exists only
for a cohort the office agreed to unmask.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from protocol.release import ReleaseDocument, cohort_key, release_from_json


class UnmaskState(models.TextChoices):
    AWAITING_MASKS = "awaiting_masks", "Waiting for the office's mask sums"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class UnmaskJob(models.Model):
    """The unmasking of one closed cycle: which cohorts, and how far the summing has got.

    ``checkpoint`` holds the partial sums of masked vectors (random-looking on their own) so
    that an interrupted run resumes where it stopped; results are written in one transaction at
    the end, so nothing is ever half-written.
    """

    cycle = models.OneToOneField("compact.Cycle", on_delete=models.PROTECT, related_name="unmask_job")
    state = models.CharField(max_length=20, choices=UnmaskState.choices, default=UnmaskState.AWAITING_MASKS)
    cohorts = models.JSONField(help_text="[{key, kind, value, members: [employer ids]}]")
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    resumed_from = models.PositiveIntegerField(default=0)
    checkpoint = models.BinaryField(null=True, blank=True)
    checkpoint_index = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"unmask of {self.cycle} ({self.state})"


class SubmissionExclusion(models.Model):
    """A frozen submission the office could not open, left out of the unmask (DESIGN §2.7).

    Recorded by the office before any mask sum is uploaded; the job's cohorts are proposed again
    without it, and every later step (the summing, the release) counts only what is not
    excluded. ``reason`` is the office client's own words (what did not open, and why).
    """

    job = models.ForeignKey(UnmaskJob, on_delete=models.PROTECT, related_name="exclusions")
    submission = models.OneToOneField(
        "employers.SealedSubmission", on_delete=models.PROTECT, related_name="exclusion"
    )
    reason = models.TextField()
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    excluded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "submission__employer_id"]

    def __str__(self) -> str:
        return f"exclusion of {self.submission}"


class CohortMaskSum(models.Model):
    """The sum of one cohort's masks, computed and uploaded by the office client."""

    job = models.ForeignKey(UnmaskJob, on_delete=models.PROTECT, related_name="mask_sums")
    cohort_key = models.CharField(max_length=120)
    mask_sum = models.BinaryField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "cohort_key"], name="one_mask_sum_per_cohort")]

    def __str__(self) -> str:
        return f"mask sum {self.cohort_key}"


class CohortAggregate(models.Model):
    """The exact sum of a cohort's statistics vectors."""

    cycle = models.ForeignKey("compact.Cycle", on_delete=models.PROTECT, related_name="aggregates")
    kind = models.CharField(max_length=20)
    value = models.CharField(max_length=80, blank=True, default="")
    employers = models.PositiveIntegerField()
    elements = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind", "value"], name="one_aggregate_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} {self.kind} {self.value}".strip()

    @property
    def key(self) -> str:
        return cohort_key(self.kind, self.value)


class ReleaseState(models.TextChoices):
    DRAFT = "draft", "Draft, awaiting review"
    REFUSED = "refused", "Refused by the audit"
    FAILED = "failed", "Could not be built"
    PUBLISHED = "published", "Published"


class Release(models.Model):
    """A disclosure-controlled release of a cycle (DESIGN §6) with its audit certificate.

    ``document`` is the release export exactly as it will be published; a refused release has
    no document. Release number 1 is the first; a later number is a correction, audited against
    everything published before it.
    """

    cycle = models.ForeignKey("compact.Cycle", on_delete=models.PROTECT, related_name="releases")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=ReleaseState.choices)
    document = models.JSONField(null=True, blank=True)
    certificate = models.JSONField(default=dict)
    policy_version = models.CharField(max_length=60)
    error = models.TextField(blank=True, default="")
    built_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["cycle", "-number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="one_release_per_number")]

    def __str__(self) -> str:
        return f"release {self.number} of {self.cycle} ({self.state})"

    @property
    def passed(self) -> bool:
        return bool(self.certificate.get("passed"))

    def release_document(self) -> ReleaseDocument | None:
        """The stored document read as a typed release (None for a release without one)."""
        return release_from_json(self.document) if self.document else None


class ReleaseBuildState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class ReleaseBuild(models.Model):
    """The build of one release of a cycle: queued once, run until it has written that release.

    A cycle has at most one unfinished build; its ``number`` is the release it writes, so a
    redelivered or duplicated run finds the build done (or another live run: a fresh heartbeat
    from a ``runner`` that is not a dead process on this host) and writes nothing. ``stage`` and ``heartbeat_at`` say how far it has got; beat re-queues a
    build whose heartbeat stopped (a killed worker).
    """

    cycle = models.ForeignKey("compact.Cycle", on_delete=models.PROTECT, related_name="release_builds")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=ReleaseBuildState.choices, default=ReleaseBuildState.QUEUED)
    stage = models.CharField(max_length=60, default="queued")
    attempts = models.PositiveIntegerField(default=0)
    runner = models.CharField(max_length=200, blank=True, default="", help_text="host:pid of the run that claimed it")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    release = models.OneToOneField(
        Release, null=True, blank=True, on_delete=models.PROTECT, related_name="build"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle", "-number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="one_build_per_release_number")]

    def __str__(self) -> str:
        return f"build of release {self.number} of {self.cycle} ({self.state})"
