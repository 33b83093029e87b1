from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from analytics import admin_views as analytics_admin_views
from api.errors import not_found as api_not_found
from composer import views as composer_views
from monitoring.views import health, metrics
from planner import views as calendar_views
from publishing.admin import views as admin_views

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/dashboard/", admin.site.admin_view(admin_views.dashboard), name="herald-dashboard"),
    path(
        "admin/switches/", admin.site.admin_view(admin_views.switches_panel), name="herald-switches"
    ),
    path("admin/compose/", admin.site.admin_view(composer_views.compose), name="herald-compose"),
    path(
        "admin/compose/check/",
        admin.site.admin_view(composer_views.check),
        name="herald-compose-check",
    ),
    path(
        "admin/compose/media/<int:media_id>/",
        admin.site.admin_view(composer_views.media_file),
        name="herald-compose-media",
    ),
    path(
        "admin/compose/<int:content_id>/",
        admin.site.admin_view(composer_views.compose_edit),
        name="herald-compose-edit",
    ),
    path(
        "admin/calendar/",
        admin.site.admin_view(calendar_views.calendar_page),
        name="herald-calendar",
    ),
    path(
        "admin/calendar/events/",
        admin.site.admin_view(calendar_views.events),
        name="herald-calendar-events",
    ),
    path(
        "admin/calendar/<int:content_id>/",
        admin.site.admin_view(calendar_views.detail),
        name="herald-calendar-detail",
    ),
    path(
        "admin/calendar/<int:content_id>/move/",
        admin.site.admin_view(calendar_views.move),
        name="herald-calendar-move",
    ),
    path(
        "admin/analytics/",
        admin.site.admin_view(analytics_admin_views.analytics_page),
        name="herald-analytics",
    ),
    path("admin/", admin.site.urls),
    path("integrations/", include("integrations.urls")),
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

# Last, so it sees only what no route matched: unknown paths under /api/ answer JSON too.
urlpatterns.append(re_path(r"^api/", api_not_found))

# A request refused before any view: under /api/ in the API's error shape.
handler400 = "api.errors.bad_request"
