"""API of the unmask: the office client's request, its mask sums, start and status."""

from __future__ import annotations

import base64
import binascii

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aggregation.disclosure.export import release_to_csv
from aggregation.models import Release, ReleaseBuild, UnmaskJob
from aggregation.selectors import (
    exclusions_of,
    release_build_pending,
    release_latest,
    release_published,
    unmask_job_get,
)
from aggregation.services import releases, unmask
from aggregation.services.exclusions import REASON_MAX_CHARS, ExclusionRequest, unmask_exclude
from aggregation.services.resubmission import REASON_MAX_CHARS as RESUBMISSION_REASON_MAX
from aggregation.services.resubmission import resubmission_grant
from compact.access import principal_of
from compact.api.base import Base, input_parse
from compact.api.permissions import IsOffice
from compact.api.schema import ErrorOut
from compact.errors import DomainError, NotFound
from compact.selectors import cycle_get, cycle_get_published
from employers.selectors import resubmission_windows_of
from protocol.sealing import VERSION_MAX


class MaskSumIn(serializers.Serializer):
    cohort = serializers.CharField(max_length=120)
    mask_sum = serializers.CharField()


class ExclusionIn(serializers.Serializer):
    employer = serializers.IntegerField(min_value=1, help_text="The employer number the unmask request lists")
    version = serializers.IntegerField(min_value=1, max_value=VERSION_MAX)
    reason = serializers.CharField(max_length=REASON_MAX_CHARS, help_text="What did not open, and why")


class ExclusionsIn(serializers.Serializer):
    exclusions = ExclusionIn(many=True, allow_empty=False, max_length=100_000)


class ExclusionOut(serializers.Serializer):
    employer = serializers.IntegerField(source="submission.employer_id")
    employer_name = serializers.CharField(source="submission.employer.name")
    version = serializers.IntegerField(source="submission.version")
    reason = serializers.CharField()
    excluded_by = serializers.CharField(source="excluded_by.username", allow_null=True, default=None)
    excluded_at = serializers.DateTimeField()


class ResubmissionWindowIn(serializers.Serializer):
    employer = serializers.IntegerField(min_value=1, help_text="The employer number of the participation list")
    until = serializers.DateTimeField(help_text="When the window ends (ISO 8601 with a time zone)")
    reason = serializers.CharField(max_length=RESUBMISSION_REASON_MAX, trim_whitespace=True)


class ResubmissionWindowOut(serializers.Serializer):
    employer = serializers.IntegerField(source="employer_id")
    employer_name = serializers.CharField(source="employer.name")
    until = serializers.DateTimeField()
    reason = serializers.CharField()
    granted_by = serializers.CharField(source="granted_by.username")
    granted_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    open = serializers.BooleanField(source="is_open")


class UnmaskStatusOut(serializers.ModelSerializer):
    cycle = serializers.CharField(source="cycle.slug")

    class Meta:
        model = UnmaskJob
        fields = ["cycle", "state", "total", "processed", "attempts", "resumed_from", "started_at",
                  "finished_at", "heartbeat_at", "error"]


class ReleaseBuildOut(serializers.ModelSerializer):
    class Meta:
        model = ReleaseBuild
        fields = ["number", "state", "stage", "attempts", "created_at", "started_at", "heartbeat_at", "finished_at"]


class CohortOut(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField(help_text="all, industry or size_band")
    value = serializers.CharField(allow_null=True)
    members = serializers.ListField(child=serializers.IntegerField(), help_text="Employer numbers")


class SealedSeedOut(serializers.Serializer):
    employer = serializers.IntegerField()
    version = serializers.IntegerField()
    masked_sha256 = serializers.CharField()
    sealed_seed = serializers.CharField(help_text="base64 of the HPKE-sealed seed")


class ExcludedOut(serializers.Serializer):
    employer = serializers.IntegerField()
    version = serializers.IntegerField()
    reason = serializers.CharField()


class UnmaskBundleOut(serializers.Serializer):
    """What the office client downloads to unmask: sealed seeds, bindings, cohorts."""

    format = serializers.ChoiceField(choices=[unmask.BUNDLE_FORMAT])
    cycle = serializers.CharField()
    taxonomy = serializers.CharField()
    layout = serializers.CharField()
    elements = serializers.IntegerField()
    key_fingerprint = serializers.CharField()
    min_cohort_employers = serializers.IntegerField()
    submissions = SealedSeedOut(many=True)
    excluded = ExcludedOut(many=True)
    cohorts = CohortOut(many=True)
    uploaded = serializers.ListField(child=serializers.CharField(), help_text="Cohorts whose mask sum is stored")


class MaskSumStoredOut(serializers.Serializer):
    cohort = serializers.CharField()
    stored = serializers.BooleanField()


class BuildQueuedOut(serializers.Serializer):
    cycle = serializers.CharField()
    queued = serializers.BooleanField()


class PublishedOut(serializers.Serializer):
    number = serializers.IntegerField()
    state = serializers.CharField()
    published_at = serializers.DateTimeField()


class LatestReleaseOut(serializers.Serializer):
    number = serializers.IntegerField()
    state = serializers.CharField(help_text="draft, refused, failed or published")
    certificate = serializers.DictField(help_text="The audit certificate (docs/disclosure.md)")
    error = serializers.CharField(allow_blank=True, help_text="Why it was refused or could not be built")
    document = serializers.DictField(allow_null=True, help_text="The release document (protocol/release.py)")
    build = ReleaseBuildOut(allow_null=True, help_text="A build still queued or running, if any")


class ReleaseBriefOut(serializers.ModelSerializer):
    passed = serializers.BooleanField()

    class Meta:
        model = Release
        fields = ["number", "state", "passed", "error", "built_at"]


class UnmaskProgressOut(UnmaskStatusOut):
    """The unmask status with the release build that follows it and the latest release."""

    release_build = ReleaseBuildOut(allow_null=True, help_text="A build still queued or running, if any")
    release = ReleaseBriefOut(allow_null=True, help_text="The latest release, if one was built")

    class Meta(UnmaskStatusOut.Meta):
        fields = [*UnmaskStatusOut.Meta.fields, "release_build", "release"]


def unmask_status_data(job: UnmaskJob) -> dict:
    """The unmask job's status with what follows it: the unfinished release build, if any, and
    the latest release, so that a client can follow the whole job with one request."""
    build = release_build_pending(cycle=job.cycle)
    release = release_latest(cycle=job.cycle)
    return {
        **UnmaskStatusOut(job).data,
        "release_build": ReleaseBuildOut(build).data if build is not None else None,
        "release": ReleaseBriefOut(release).data if release is not None else None,
    }


class OfficeBase(Base):
    permission_classes = [IsOffice]

    def cycle(self, request, slug):
        return cycle_get(principal=principal_of(request), slug=slug)


class UnmaskRequestView(OfficeBase):
    @extend_schema(
        responses={200: UnmaskBundleOut, 409: OpenApiResponse(ErrorOut, "The cycle is not closed yet.")},
        summary="Sealed seeds and cohorts for the office client",
    )
    def get(self, request, slug):
        return Response(unmask.unmask_bundle(principal=principal_of(request), cycle=self.cycle(request, slug)))


class MaskSumView(OfficeBase):
    @extend_schema(request=MaskSumIn, responses={201: MaskSumStoredOut}, summary="Upload one cohort's mask sum")
    def post(self, request, slug):
        data = input_parse(MaskSumIn, request)
        try:
            mask_sum = base64.b64decode(data["mask_sum"], validate=True)
        except (binascii.Error, ValueError):
            raise DomainError("mask_sum is not valid base64.") from None
        unmask.unmask_mask_sum_store(
            principal=principal_of(request), cycle=self.cycle(request, slug), cohort_key=data["cohort"], mask_sum=mask_sum
        )
        return Response({"cohort": data["cohort"], "stored": True}, status=201)


class UnmaskStartView(OfficeBase):
    @extend_schema(request=None, responses=UnmaskProgressOut,
                   summary="Start adding the mask sums (the answer is the unmask status)")
    def post(self, request, slug):
        job = unmask.unmask_start(principal=principal_of(request), cycle=self.cycle(request, slug))
        job.refresh_from_db()
        return Response(unmask_status_data(job))


class UnmaskExclusionsView(OfficeBase):
    """Submissions the office could not open, excluded from the unmask with who and why."""

    @extend_schema(responses=ExclusionOut(many=True), summary="The submissions excluded from the unmask")
    def get(self, request, slug):
        return Response(ExclusionOut(exclusions_of(cycle=self.cycle(request, slug)), many=True).data)

    @extend_schema(request=ExclusionsIn, responses={201: ExclusionOut(many=True)},
                   summary="Exclude submissions whose seed does not open (before any mask sum)")
    def post(self, request, slug):
        data = input_parse(ExclusionsIn, request)
        cycle = self.cycle(request, slug)
        unmask_exclude(
            principal=principal_of(request), cycle=cycle,
            exclusions=[ExclusionRequest(**item) for item in data["exclusions"]],
        )
        return Response(ExclusionOut(exclusions_of(cycle=cycle), many=True).data, status=201)


class ResubmissionWindowsView(OfficeBase):
    """Windows in which one employer may submit again after close, before the unmask (DESIGN §2.7)."""

    @extend_schema(responses=ResubmissionWindowOut(many=True), summary="The cycle's resubmission windows")
    def get(self, request, slug):
        return Response(ResubmissionWindowOut(resubmission_windows_of(cycle=self.cycle(request, slug)), many=True).data)

    @extend_schema(request=ResubmissionWindowIn, responses={201: ResubmissionWindowOut},
                   summary="Let one employer submit again after close, until a time or the unmask request")
    def post(self, request, slug):
        data = input_parse(ResubmissionWindowIn, request)
        window = resubmission_grant(
            principal=principal_of(request), cycle=self.cycle(request, slug),
            employer_id=data["employer"], until=data["until"], reason=data["reason"],
        )
        return Response(ResubmissionWindowOut(window).data, status=201)


class UnmaskStatusView(OfficeBase):
    @extend_schema(responses=UnmaskProgressOut,
                   summary="Progress of the unmask, the release build that follows it and the latest release")
    def get(self, request, slug):
        return Response(unmask_status_data(unmask_job_get(cycle=self.cycle(request, slug))))


class PublicReleaseView(APIView):
    """The published release (DESIGN §6): public, no sign-in."""

    permission_classes: list = []
    authentication_classes: list = []

    @extend_schema(
        responses=OpenApiResponse(OpenApiTypes.OBJECT, "The release document (protocol/release.py)"),
        summary="The published release (public)",
    )
    def get(self, request, slug):
        cycle = cycle_get_published(slug=slug)
        return Response(release_published(cycle=cycle).document)


class PublicReleaseCsvView(APIView):
    permission_classes: list = []
    authentication_classes: list = []

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, summary="The published release as CSV (public)")
    def get(self, request, slug):
        cycle = cycle_get_published(slug=slug)
        document = release_published(cycle=cycle).release_document()
        response = HttpResponse(release_to_csv(document), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="release-{slug}.csv"'
        return response


class DraftReleaseView(OfficeBase):
    @extend_schema(responses=LatestReleaseOut, summary="The latest release, draft or published, with its audit")
    def get(self, request, slug):
        cycle = self.cycle(request, slug)
        release = release_latest(cycle=cycle)
        build = release_build_pending(cycle=cycle)
        progress = ReleaseBuildOut(build).data if build is not None else None
        if release is None:
            if build is not None:
                raise NotFound(
                    f"Release {build.number} is being built: {build.stage} (attempt {build.attempts}).",
                    code="being_built", details={"build": progress},
                )
            raise NotFound("No release has been built for this cycle yet.")
        return Response({
            "number": release.number, "state": release.state, "certificate": release.certificate,
            "error": release.error, "document": release.document, "build": progress,
        })


class RebuildView(OfficeBase):
    @extend_schema(request=None, responses={202: BuildQueuedOut},
                   summary="Build the release again after it was refused or could not be built")
    def post(self, request, slug):
        cycle = self.cycle(request, slug)
        releases.release_rebuild(principal=principal_of(request), cycle=cycle)
        return Response({"cycle": cycle.slug, "queued": True}, status=202)


class PublishView(OfficeBase):
    @extend_schema(request=None, responses=PublishedOut, summary="Publish the reviewed draft release")
    def post(self, request, slug):
        release = releases.release_publish(principal=principal_of(request), cycle=self.cycle(request, slug))
        return Response({"number": release.number, "state": release.state, "published_at": release.published_at})
