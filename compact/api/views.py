"""The v1 API of the compact's domain. Each view parses, calls one service or selector, renders."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from compact.access import principal_of
from compact.api import serializers as s
from compact.api.base import Base, Paginated, input_parse, paginated_response
from compact.api.permissions import IsOffice, IsPerson, IsPrincipal
from compact.api.schema import ErrorOut
from compact.errors import NotFound
from compact.health import health_report
from compact.selectors import (
    audit_events_visible,
    cycle_get,
    cycle_get_for_enrolment,
    cycles_visible,
    invitations_visible,
    people_list,
    person_get,
)
from compact.services import cycles, invitations, people
from compact.services.guards import require_admin, require_office
from employers.selectors import (
    api_keys_visible,
    cycle_participation,
    employer_get,
    employers_visible,
)
from employers.services import organisations


class HealthView(APIView):
    permission_classes: list = []
    authentication_classes: list = []

    @extend_schema(responses={200: s.HealthOut, 503: s.HealthOut}, summary="Database and broker health")
    def get(self, request):
        report = health_report()
        return Response(report, status=200 if report["ok"] else 503)


class MeView(Base):
    @extend_schema(responses=s.MeOut)
    def get(self, request):
        return Response(s.MeOut(principal_of(request)).data)


class CycleListView(Paginated):
    @extend_schema(responses=s.CycleOut(many=True))
    def get(self, request):
        return paginated_response(self, request, cycles_visible(principal=principal_of(request)), s.CycleOut)

    @extend_schema(request=s.CycleCreateIn, responses={201: s.CycleOut})
    def post(self, request):
        data = input_parse(s.CycleCreateIn, request)
        cycle = cycles.cycle_create(
            principal=principal_of(request),
            slug=data["slug"],
            name=data["name"],
            deadline=data["deadline"],
            taxonomy_name=data.get("taxonomy") or "compact-2026",
            policy=data.get("policy"),
        )
        return Response(s.CycleOut(cycle).data, status=status.HTTP_201_CREATED)


class CycleDetailView(Base):
    @extend_schema(responses=s.CycleOut)
    def get(self, request, slug):
        return Response(s.CycleOut(cycle_get(principal=principal_of(request), slug=slug)).data)

    @extend_schema(request=s.CycleUpdateIn, responses=s.CycleOut)
    def patch(self, request, slug):
        principal = principal_of(request)
        data = input_parse(s.CycleUpdateIn, request)
        cycle = cycles.cycle_update(principal=principal, cycle=cycle_get(principal=principal, slug=slug), **data)
        return Response(s.CycleOut(cycle).data)


class CycleOpenView(Base):
    @extend_schema(request=None, responses=s.CycleOut, summary="Open a draft cycle")
    def post(self, request, slug):
        principal = principal_of(request)
        cycle = cycles.cycle_open(principal=principal, cycle=cycle_get(principal=principal, slug=slug))
        return Response(s.CycleOut(cycle).data)


class CycleCloseView(Base):
    @extend_schema(request=None, responses=s.CycleOut, summary="Close an open cycle and freeze its submissions")
    def post(self, request, slug):
        principal = principal_of(request)
        cycle = cycles.cycle_close(principal=principal, cycle=cycle_get(principal=principal, slug=slug))
        return Response(s.CycleOut(cycle).data)


class ParticipationView(Base):
    permission_classes = [IsOffice]

    @extend_schema(responses=s.ParticipationOut(many=True), summary="Who was invited, enrolled and submitted")
    def get(self, request, slug):
        principal = principal_of(request)
        rows = cycle_participation(principal=principal, cycle=cycle_get(principal=principal, slug=slug))
        return Response(s.ParticipationOut(rows, many=True).data)


class InvitationListView(Paginated):
    permission_classes = [IsOffice]

    @extend_schema(responses=s.InvitationOut(many=True))
    def get(self, request, slug):
        principal = principal_of(request)
        cycle = cycle_get(principal=principal, slug=slug)
        return paginated_response(self, request, invitations_visible(principal=principal, cycle=cycle), s.InvitationOut)

    @extend_schema(request=s.InvitationCreateIn, responses={201: s.InvitationCreatedOut})
    def post(self, request, slug):
        principal = principal_of(request)
        cycle = cycle_get(principal=principal, slug=slug)
        data = input_parse(s.InvitationCreateIn, request)
        employer = employer_get(principal=principal, pk=data["employer"]) if data.get("employer") else None
        invitation, code = invitations.invitation_create(
            principal=principal,
            cycle=cycle,
            employer=employer,
            note=data.get("note", ""),
            valid_days=data.get("valid_days", 30),
        )
        invitation.code = code
        return Response(s.InvitationCreatedOut(invitation).data, status=status.HTTP_201_CREATED)


class InvitationsBulkView(Base):
    permission_classes = [IsOffice]

    @extend_schema(
        request=s.InvitationsBulkIn,
        responses={201: s.InvitationCreatedOut(many=True)},
        summary="Invite many employers at once, each code emailed and valid until the cycle's deadline",
    )
    def post(self, request, slug):
        principal = principal_of(request)
        cycle = cycle_get(principal=principal, slug=slug)
        data = input_parse(s.InvitationsBulkIn, request)
        rows = [invitations.BulkRow(row=i, employer=item["employer"].strip(), email=item["email"].strip())
                for i, item in enumerate(data["invitations"], start=1)]
        made = invitations.invitations_create_bulk(
            principal=principal, cycle=cycle, rows=rows, enrol_url=request.build_absolute_uri(reverse("employer-home")),
            join_url=request.build_absolute_uri(reverse("employer-join")) + f"?cycle={cycle.slug}",
        )
        for m in made:
            m.invitation.code = m.code
        return Response(s.InvitationCreatedOut([m.invitation for m in made], many=True).data,
                        status=status.HTTP_201_CREATED)


class InvitationRevokeView(Base):
    permission_classes = [IsOffice]

    @extend_schema(request=None, responses=s.InvitationOut)
    def post(self, request, slug, pk):
        principal = principal_of(request)
        cycle = cycle_get(principal=principal, slug=slug)
        invitation = invitations_visible(principal=principal, cycle=cycle).filter(pk=pk).first()
        if invitation is None:
            raise NotFound(f"No invitation {pk} in cycle {slug}.")
        return Response(s.InvitationOut(invitations.invitation_revoke(principal=principal, invitation=invitation)).data)


class EnrolView(Base):
    throttle_scope = "enrol"

    @extend_schema(
        request=s.EnrolIn,
        responses={201: s.EnrollmentOut, 410: OpenApiResponse(ErrorOut, "The invitation was used, revoked or expired.")},
        summary="Enrol your organisation with an invitation code",
    )
    def post(self, request, slug):
        principal = principal_of(request)
        data = input_parse(s.EnrolIn, request)
        cycle = cycle_get_for_enrolment(slug=slug)
        enrollment = invitations.invitation_accept(principal=principal, cycle=cycle, code=data["code"])
        return Response(s.EnrollmentOut(enrollment).data, status=status.HTTP_201_CREATED)


class EmployerListView(Paginated):
    @extend_schema(responses=s.EmployerOut(many=True))
    def get(self, request):
        return paginated_response(self, request, employers_visible(principal=principal_of(request)), s.EmployerOut)

    @extend_schema(request=s.EmployerIn, responses={201: s.EmployerOut})
    def post(self, request):
        data = input_parse(s.EmployerIn, request)
        employer = organisations.employer_create(principal=principal_of(request), **data)
        return Response(s.EmployerOut(employer).data, status=status.HTTP_201_CREATED)


class EmployerDetailView(Base):
    @extend_schema(responses=s.EmployerOut)
    def get(self, request, pk):
        return Response(s.EmployerOut(employer_get(principal=principal_of(request), pk=pk)).data)

    @extend_schema(request=s.EmployerPatchIn, responses=s.EmployerOut)
    def patch(self, request, pk):
        principal = principal_of(request)
        data = input_parse(s.EmployerPatchIn, request)
        employer = organisations.employer_update(
            principal=principal, employer=employer_get(principal=principal, pk=pk), **data
        )
        return Response(s.EmployerOut(employer).data)


class ApiKeyListView(Paginated):
    @extend_schema(responses=s.ApiKeyOut(many=True))
    def get(self, request, pk):
        principal = principal_of(request)
        employer = employer_get(principal=principal, pk=pk)
        return paginated_response(self, request, api_keys_visible(principal=principal, employer=employer), s.ApiKeyOut)

    @extend_schema(request=s.ApiKeyIn, responses={201: s.ApiKeyCreatedOut})
    def post(self, request, pk):
        principal = principal_of(request)
        data = input_parse(s.ApiKeyIn, request)
        key, raw = organisations.api_key_create(
            principal=principal, employer=employer_get(principal=principal, pk=pk), name=data["name"],
            expires_at=data.get("expires_at"),
        )
        key.key = raw
        return Response(s.ApiKeyCreatedOut(key).data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeView(Base):
    @extend_schema(request=None, responses=s.ApiKeyOut)
    def post(self, request, pk, key_id):
        principal = principal_of(request)
        employer = employer_get(principal=principal, pk=pk)
        key = api_keys_visible(principal=principal, employer=employer).filter(pk=key_id).first()
        if key is None:
            raise NotFound(f"No API key {key_id} for this employer.")
        return Response(s.ApiKeyOut(organisations.api_key_revoke(principal=principal, key=key)).data)


class PersonListView(Paginated):
    permission_classes = [IsPerson]

    @extend_schema(responses=s.PersonOut(many=True))
    def get(self, request):
        return paginated_response(self, request, people_list(principal=principal_of(request)), s.PersonOut)

    @extend_schema(request=s.PersonIn, responses={201: s.PersonOut})
    def post(self, request):
        require_admin(principal_of(request))
        data = input_parse(s.PersonIn, request)
        employer = employer_get(principal=principal_of(request), pk=data["employer"]) if data.get("employer") else None
        user = people.person_create(
            principal=principal_of(request),
            username=data["username"],
            email=data["email"],
            password=data["password"],
            role=data["role"],
            employer=employer,
        )
        return Response(s.PersonOut(user).data, status=status.HTTP_201_CREATED)


class PersonRoleView(Base):
    permission_classes = [IsPerson]

    @extend_schema(request=s.PersonRoleIn, responses=s.PersonOut)
    def post(self, request, pk):
        principal = principal_of(request)
        require_admin(principal)
        data = input_parse(s.PersonRoleIn, request)
        user = person_get(principal=principal, pk=pk)
        employer = employer_get(principal=principal, pk=data["employer"]) if data.get("employer") else None
        user = people.person_set_role(principal=principal, user=user, role=data["role"], employer=employer)
        return Response(s.PersonOut(user).data)


class AuditEventListView(Paginated):
    @extend_schema(responses=s.AuditEventOut(many=True))
    def get(self, request):
        return paginated_response(self, request, audit_events_visible(principal=principal_of(request)), s.AuditEventOut)


class OfficeKeyView(Base):
    permission_classes = [IsOffice]

    @extend_schema(request=s.OfficeKeyIn, responses=s.CycleOut, summary="Register the office's public key")
    def put(self, request, slug):
        principal = principal_of(request)
        data = input_parse(s.OfficeKeyIn, request)
        cycle = cycles.cycle_set_office_key(
            principal=principal, cycle=cycle_get(principal=principal, slug=slug), public_key=data["public_key"]
        )
        return Response(s.CycleOut(cycle).data)


class OfficeApiKeyView(Base):
    # Listing is for the office; a request for a new key reaches the service, which refuses a
    # person without an office role with what to do about it.
    permission_classes = [IsPrincipal]

    @extend_schema(responses=s.OfficeApiKeyOut(many=True), summary="Your office API keys")
    def get(self, request):
        principal = principal_of(request)
        require_office(principal)
        user = principal.user or (principal.api_key.owner if principal.api_key else None)
        keys = user.office_api_keys.all() if user is not None else []
        return Response(s.OfficeApiKeyOut(keys, many=True).data)

    @extend_schema(request=s.ApiKeyIn, responses={201: s.OfficeApiKeyCreatedOut},
                   summary="A key for the unmask client (acts as the office: analyst role)")
    def post(self, request):
        data = input_parse(s.ApiKeyIn, request)
        key, raw = organisations.office_api_key_create(
            principal=principal_of(request), name=data["name"], expires_at=data.get("expires_at")
        )
        key.key = raw
        return Response(s.OfficeApiKeyCreatedOut(key).data, status=status.HTTP_201_CREATED)
