"""Views that belong to no app: the health check."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.health import run_health_checks


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when Herald can publish on time, 503 naming what is failing. No login: no secrets."""
    report = run_health_checks()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
