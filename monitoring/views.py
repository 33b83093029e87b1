"""GET /health/ (can Herald publish on time?) and GET /metrics (the Prometheus exposition)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from monitoring.access import Access, metrics_access
from monitoring.collector import render
from monitoring.health import run_health_checks


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when Herald can publish on time, 503 naming what is failing. No login: no secrets."""
    report = run_health_checks()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Every Herald metric for a scraper with the token, or a staff operator."""
    access = metrics_access(request)
    if access is Access.FORBIDDEN:
        return HttpResponse("Staff only.\n", status=403, content_type="text/plain")
    if access is Access.UNAUTHENTICATED:
        response = HttpResponse("Authentication required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
