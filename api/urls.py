from django.urls import path
from rest_framework.routers import SimpleRouter

from api import views

router = SimpleRouter()
router.register("content", views.ContentViewSet, basename="content")
router.register("publications", views.PublicationViewSet, basename="publication")
router.register("integrations", views.IntegrationViewSet, basename="integration")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    *router.urls,
]
