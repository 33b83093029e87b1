"""GET /metrics: the Prometheus exposition."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from metrics.access import Access, metrics_access
from metrics.collector import render


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
