"""Routes of /api/v1/."""

from django.urls import path

from aggregation.api import views as agg
from compact.api import views as v
from employers.api import views as emp

urlpatterns = [
    path("health", v.HealthView.as_view(), name="api-health"),
    path("me", v.MeView.as_view(), name="api-me"),
    path("me/api-keys", v.OfficeApiKeyView.as_view(), name="api-office-keys"),
    path("cycles/", v.CycleListView.as_view(), name="api-cycles"),
    path("cycles/<slug:slug>/", v.CycleDetailView.as_view(), name="api-cycle"),
    path("cycles/<slug:slug>/open", v.CycleOpenView.as_view(), name="api-cycle-open"),
    path("cycles/<slug:slug>/close", v.CycleCloseView.as_view(), name="api-cycle-close"),
    path("cycles/<slug:slug>/office-key", v.OfficeKeyView.as_view(), name="api-office-key"),
    path("cycles/<slug:slug>/participation", v.ParticipationView.as_view(), name="api-participation"),
    path("cycles/<slug:slug>/invitations/", v.InvitationListView.as_view(), name="api-invitations"),
    path("cycles/<slug:slug>/invitations/bulk", v.InvitationsBulkView.as_view(), name="api-invitations-bulk"),
    path(
        "cycles/<slug:slug>/invitations/<int:pk>/revoke",
        v.InvitationRevokeView.as_view(),
        name="api-invitation-revoke",
    ),
    path("cycles/<slug:slug>/enrol", v.EnrolView.as_view(), name="api-enrol"),
    path("cycles/<slug:slug>/cycle-key", emp.CycleKeyView.as_view(), name="api-cycle-key"),
    path("cycles/<slug:slug>/submissions", emp.SubmissionListView.as_view(), name="api-submissions"),
    path("cycles/<slug:slug>/unmask", agg.UnmaskRequestView.as_view(), name="api-unmask"),
    path("cycles/<slug:slug>/unmask/mask-sums", agg.MaskSumView.as_view(), name="api-unmask-mask-sums"),
    path("cycles/<slug:slug>/unmask/exclusions", agg.UnmaskExclusionsView.as_view(), name="api-unmask-exclusions"),
    path("cycles/<slug:slug>/resubmission-windows", agg.ResubmissionWindowsView.as_view(),
         name="api-resubmission-windows"),
    path("cycles/<slug:slug>/unmask/start", agg.UnmaskStartView.as_view(), name="api-unmask-start"),
    path("cycles/<slug:slug>/unmask/status", agg.UnmaskStatusView.as_view(), name="api-unmask-status"),
    path("cycles/<slug:slug>/release", agg.PublicReleaseView.as_view(), name="api-release"),
    path("cycles/<slug:slug>/release.csv", agg.PublicReleaseCsvView.as_view(), name="api-release-csv"),
    path("cycles/<slug:slug>/release/latest", agg.DraftReleaseView.as_view(), name="api-release-latest"),
    path("cycles/<slug:slug>/release/publish", agg.PublishView.as_view(), name="api-release-publish"),
    path("cycles/<slug:slug>/release/build", agg.RebuildView.as_view(), name="api-release-build"),
    path("employers/", v.EmployerListView.as_view(), name="api-employers"),
    path("employers/<int:pk>/", v.EmployerDetailView.as_view(), name="api-employer"),
    path("employers/<int:pk>/api-keys/", v.ApiKeyListView.as_view(), name="api-api-keys"),
    path(
        "employers/<int:pk>/api-keys/<int:key_id>/revoke",
        v.ApiKeyRevokeView.as_view(),
        name="api-api-key-revoke",
    ),
    path("people/", v.PersonListView.as_view(), name="api-people"),
    path("people/<int:pk>/role", v.PersonRoleView.as_view(), name="api-person-role"),
    path("audit-events/", v.AuditEventListView.as_view(), name="api-audit-events"),
]
