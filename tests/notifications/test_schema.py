"""schemathesis over the notification preferences endpoint, with the API's own fuzzing rules."""

import pytest
import schemathesis
from schemathesis import GenerationMode

from notifications.models import NotificationPreferences
from tests.api.test_schema import CHECKS, Fuzzing, hostile_cases
from tests.api.test_schema import in_process_app as in_process_app  # the fixture

pytestmark = pytest.mark.django_db

PATH = "/api/v1/me/notifications/"


def test_schemathesis_finds_no_server_error_on_the_preferences(alice, bob, in_process_app):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_app)
    operations = [result.ok() for result in schema.get_all_operations() if result.ok().path == PATH]
    assert sorted(op.method.upper() for op in operations) == ["GET", "PATCH"]
    fuzzing = Fuzzing(alice, {"content": [1]})
    for operation in operations:
        fuzzing.generated("positive", operation, GenerationMode.POSITIVE, 60, CHECKS)
        fuzzing.generated("negative", operation, GenerationMode.NEGATIVE, 60, CHECKS)
        for case in hostile_cases(schema.raw_schema, operation, [1]):
            fuzzing.send("hostile", case, CHECKS)
    assert fuzzing.server_errors() == 0
    assert fuzzing.failures == []
    assert fuzzing.phase_cases("positive") >= 60 and fuzzing.phase_cases("negative") >= 30
    assert fuzzing.statuses[200] > 0 and fuzzing.statuses[400] > 0
    # Whatever alice sent, bob's switches were never touched.
    assert not NotificationPreferences.objects.filter(user=bob).exists()
