from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from analytics import views as analytics_views
from config.api import api
from core import views as core_views
from core.access import declare
from core.metrics import metrics_view
from core.permissions import PUBLIC

admin.site.site_header = "Technician Analytics — HR admin"
admin.site.site_title = "Technician Analytics"
admin.site.index_title = "Curate technicians, candidates, models and knowledge"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", declare(PUBLIC)(metrics_view), name="metrics"),  # its own token / network check
    # pages link the SVG icon; this answers browsers and tools that ask for /favicon.ico anyway (no 404s)
    path("favicon.ico", declare(PUBLIC)(RedirectView.as_view(url=static("favicon.svg"), permanent=True))),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/", declare(PUBLIC)(auth_views.LoginView.as_view(template_name="core/login.html")), name="login"
    ),
    path("accounts/logout/", declare(PUBLIC)(auth_views.LogoutView.as_view()), name="logout"),
    path("api/v1/", api.urls),
    path("api/docs", core_views.api_docs_redirect, name="api-docs"),
    path("", analytics_views.overview, name="home"),  # the overview is the home page after login
    path("", include("core.urls")),
    path("analytics/", include("analytics.urls")),
    path("technicians/", include("technicians.urls")),
    path("predictions/", include("predictions.urls")),
    path("forecasts/", include("forecasts.urls")),
    path("assistant/", include("assistant.urls")),
    path("worklist/", include("worklist.urls")),
    path("alerts/", include("alerts.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
