from django.urls import path
from rest_framework.routers import SimpleRouter

from api import analytics_views, auth_views, notification_views, views

router = SimpleRouter()
router.register("content", views.ContentViewSet, basename="content")
router.register("publications", views.PublicationViewSet, basename="publication")
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("webhooks", views.WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("auth/token/", auth_views.ObtainTokenView.as_view(), name="api-token"),
    path("auth/token/rotate/", auth_views.RotateTokenView.as_view(), name="api-token-rotate"),
    path("auth/logout/", auth_views.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", auth_views.LogoutAllView.as_view(), name="api-logout-all"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path(
        "me/notifications/",
        notification_views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
    path(
        "publications/<int:pk>/metrics/",
        analytics_views.PublicationMetricsView.as_view(),
        name="publication-metrics",
    ),
    path("analytics/", analytics_views.AnalyticsView.as_view(), name="analytics"),
    *router.urls,
]
