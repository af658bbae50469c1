from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tutela.core import views as core_views
from tutela.pupils import views as pupil_views

urlpatterns = [
    path("", pupil_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path(".well-known/security.txt", core_views.security_txt, name="security-txt"),
    path(".well-known/security-policy.txt", core_views.security_policy, name="security-policy"),
    path("accounts/", include("tutela.accounts.urls")),
    path("", include("tutela.pupils.urls")),
    path("", include("tutela.doctor.urls")),
    path("", include("tutela.clients.urls")),
    path("attendance/", include("tutela.attendance.urls")),
    path("assessment/", include("tutela.assessment.urls")),
    path("behaviour/", include("tutela.behaviour.urls")),
    path("reports/", include("tutela.reports.urls")),
    path("api/v1/", include("tutela.pupils.api_urls")),
    path("api/v1/", include("tutela.clients.api_urls")),
    path("api/v1/attendance/", include("tutela.attendance.api_urls")),
    path("api/v1/assessment/", include("tutela.assessment.api_urls")),
    path("api/v1/behaviour/", include("tutela.behaviour.api_urls")),
    path("api/v1/reports/", include("tutela.reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the docs page needs no inline script (CSP).
    # Swagger UI sets inline style attributes; only this page relaxes style-src, never script-src.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]

handler403 = "tutela.core.views.forbidden"
handler404 = "tutela.core.views.not_found"
handler500 = "tutela.core.views.server_error"
