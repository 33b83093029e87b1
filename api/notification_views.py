"""``/api/v1/me/notifications/``: the signed-in user's notification preferences, theirs only."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import APIView

from api.parsers import BoundedJSONParser
from api.schema import notification_preferences_schema
from api.serializers.notifications import NotificationPreferencesSerializer
from notifications.services import preferences_for, update_preferences


@notification_preferences_schema
class NotificationPreferencesView(APIView):
    parser_classes = [BoundedJSONParser]

    def get(self, request):
        return Response(NotificationPreferencesSerializer(preferences_for(request.user)).data)

    def patch(self, request):
        form = NotificationPreferencesSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        preferences = update_preferences(request.user, **form.validated_data)
        return Response(NotificationPreferencesSerializer(preferences).data)
