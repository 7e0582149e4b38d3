"""Top-level routes: pages, the v1 API, the OpenAPI schema and its local docs."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aggregation import views as release_views
from compact import views
from compact.content_policy import content_policy
from employers import views as employer_views

urlpatterns = [
    path("", release_views.public_home, name="home"),
    path("about/", release_views.public_landing, name="public-landing"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("office/cycles/", views.office_cycles, name="office-cycles"),
    path("office/cycles/<slug:slug>/", views.office_cycle, name="office-cycle"),
    path("office/cycles/<slug:slug>/close", views.office_cycle_close, name="office-cycle-close"),
    path("office/cycles/<slug:slug>/participation.csv", views.office_participation_csv, name="office-participation-csv"),
    path("office/cycles/<slug:slug>/reminders", views.office_reminders, name="office-reminders"),
    path("office/cycles/<slug:slug>/invitations/bulk", views.office_invitations_bulk, name="office-invitations-bulk"),
    path("office/cycles/<slug:slug>/invitations/example.csv", views.office_invitations_example,
         name="office-invitations-example"),
    path("office/cycles/<slug:slug>/<str:action>", views.office_cycle_action, name="office-cycle-action"),
    path("office/cycles/<slug:slug>/invitations/new", views.office_invitation_create, name="office-invitation-create"),
    path(
        "office/cycles/<slug:slug>/invitations/<int:pk>/revoke",
        views.office_invitation_revoke,
        name="office-invitation-revoke",
    ),
    path("office/employers/", views.office_employers, name="office-employers"),
    path("office/keys/", views.office_keys, name="office-keys"),
    path("people/", views.people_page, name="people"),
    path("employer/", employer_views.employer_home, name="employer-home"),
    path("employer/enrol", employer_views.employer_enrol, name="employer-enrol"),
    path("join/", employer_views.employer_join, name="employer-join"),
    path("employer/cycles/<slug:slug>/", employer_views.employer_cycle, name="employer-cycle"),
    path("employer/cycles/<slug:slug>/cycle-key.json", employer_views.employer_cycle_key, name="employer-cycle-key"),
    re_path(
        r"^employer/cycles/(?P<slug>[-\w]+)/(?P<name>template\.xlsx|template\.csv|template-instructions\.txt)$",
        employer_views.employer_template,
        name="employer-template",
    ),
    path("employer/cycles/<slug:slug>/submit", employer_views.employer_submit, name="employer-submit"),
    path(
        "employer/cycles/<slug:slug>/receipts/<int:version>.json",
        employer_views.employer_receipt,
        name="employer-receipt",
    ),
    path(
        "employer/cycles/<slug:slug>/submissions/<int:version>/",
        employer_views.employer_submission,
        name="employer-submission",
    ),
    path(
        "employer/cycles/<slug:slug>/receipts/<int:version>.pdf",
        employer_views.employer_receipt_pdf,
        name="employer-receipt-pdf",
    ),
    path("employer/api-keys/new", employer_views.employer_api_key_create, name="employer-api-key-create"),
    path(
        "employer/api-keys/<int:key_id>/revoke",
        employer_views.employer_api_key_revoke,
        name="employer-api-key-revoke",
    ),
    path("releases/", release_views.public_releases, name="public-releases"),
    path("releases/<slug:slug>/", release_views.public_report, name="public-report"),
    path("releases/<slug:slug>/report.pdf", release_views.public_report_pdf, name="public-report-pdf"),
    path("office/cycles/<slug:slug>/review/", release_views.office_review, name="office-review"),
    path("office/cycles/<slug:slug>/review/report", release_views.office_draft_report, name="office-draft-report"),
    path("office/cycles/<slug:slug>/review/drill-down.csv", release_views.office_drill_down_csv,
         name="office-drill-down-csv"),
    path("office/cycles/<slug:slug>/review/publish", release_views.office_publish, name="office-publish"),
    path("office/cycles/<slug:slug>/review/build", release_views.office_rebuild, name="office-rebuild"),
    path("office/cycles/<slug:slug>/resubmission-windows/new", release_views.office_resubmission_grant,
         name="office-resubmission-grant"),
    path("office/cycles/<slug:slug>/review/plan", release_views.office_plan, name="office-plan"),
    path("", include("employers.browser_urls")),
    path("api/v1/", include("compact.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The docs page loads its script from itself (the split view), so no inline script is needed;
    # Swagger UI's own stylesheet and markup use inline styles and data: images.
    path(
        "api/docs/",
        content_policy(style_src="'self' 'unsafe-inline'", img_src="'self' data:")(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]
