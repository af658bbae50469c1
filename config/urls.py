from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tutela.core import views as core_views
from tutela.pupils import views as pupil_views

urlpatterns = [
    path("", pupil_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("tutela.accounts.urls")),
    path("", include("tutela.pupils.urls")),
    path("api/v1/", include("tutela.pupils.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "tutela.core.views.forbidden"
handler404 = "tutela.core.views.not_found"
handler500 = "tutela.core.views.server_error"
