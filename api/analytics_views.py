"""The analytics endpoints: thin over analytics.selectors; only the caller's own posts."""

from __future__ import annotations

import csv
import io

from django.shortcuts import get_object_or_404
from rest_framework.fields import DateTimeField
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from analytics import selectors
from analytics.models import CollectorState
from api.schema import analytics_schema, publication_metrics_schema
from api.serializers.analytics import (
    CSV_COLUMNS,
    AccountTotalsSerializer,
    AnalyticsQuerySerializer,
    AnalyticsSerializer,
    PlatformTotalsSerializer,
    PublicationMetricsSerializer,
    SnapshotSerializer,
    TopPostSerializer,
    TotalsSerializer,
)
from publishing.models import Publication


class CSVRenderer(BaseRenderer):
    """``?format=csv``: a list of rows (dicts) as CSV, header first; an error as one row."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data]
        columns = CSV_COLUMNS if isinstance(data, list) else list(rows[0] or {"detail": ""})
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutral(v) for k, v in (row or {}).items()})
        return out.getvalue().encode(self.charset)


def neutral(value):
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@publication_metrics_schema
class PublicationMetricsView(GenericAPIView):
    """GET /publications/{id}/metrics/: the snapshots of one of your publications."""

    serializer_class = PublicationMetricsSerializer
    pagination_class = None

    def get(self, request, pk: int):
        publication = get_object_or_404(
            Publication.objects.filter(content__owner=request.user), pk=pk
        )
        state = CollectorState.objects.filter(publication=publication).first()
        answer = {
            "publication": publication.pk,
            "platform": publication.platform,
            "published_at": publication.published_at,
            "gone": bool(state and state.gone_at),
            "next_snapshot_at": state.next_due_at if state else None,
            "snapshots": SnapshotSerializer(selectors.snapshots_of(publication.pk), many=True).data,
        }
        return Response(PublicationMetricsSerializer(answer).data)


@analytics_schema
class AnalyticsView(GenericAPIView):
    """GET /analytics/: totals per platform and account, and the top posts (paginated)."""

    serializer_class = AnalyticsSerializer
    pagination_class = PageNumberPagination
    renderer_classes = [JSONRenderer, CSVRenderer]

    def handle_exception(self, exc):
        # Errors are JSON whatever the format asked, as the schema says.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def get(self, request):
        query = AnalyticsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        selection = selectors.Range(
            start=filters["from"],
            end=filters["to"],
            platform=filters.get("platform", ""),
            integration_id=filters.get("integration"),
            owner=request.user,
        )
        top = selectors.top_posts(selection)
        if request.accepted_renderer.format == "csv":
            response = Response(TopPostSerializer(top, many=True).data)
            response["Content-Disposition"] = 'attachment; filename="herald-analytics.csv"'
            return response
        page = self.paginate_queryset(top)
        paginated = self.get_paginated_response(TopPostSerializer(page, many=True).data).data
        moment = DateTimeField()
        return Response(
            {
                "from": moment.to_representation(selection.start),
                "to": moment.to_representation(selection.end),
                "totals": TotalsSerializer(selectors.totals(selection)).data,
                "by_platform": PlatformTotalsSerializer(
                    selectors.totals_by_platform(selection), many=True
                ).data,
                "by_account": AccountTotalsSerializer(
                    selectors.totals_by_account(selection), many=True
                ).data,
                **paginated,
            }
        )
