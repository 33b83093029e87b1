"""The webhook settings refuse bad values at start, with one line saying what to fix."""

import pytest

from tests.config.test_settings import manage


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"WEBHOOK_RETRY_SCHEDULE": "5,soon"},
            "WEBHOOK_RETRY_SCHEDULE: 'soon' is not a number of seconds",
        ),
        ({"WEBHOOK_RETRY_SCHEDULE": "5,-1"}, "WEBHOOK_RETRY_SCHEDULE: -1 must be above 0"),
        (
            {"WEBHOOK_DISPATCH_BUDGET_SECONDS": "290"},
            "must stay below Q_TIMEOUT (300)",
        ),
        (
            {"WEBHOOK_ALLOW_LOCAL_URLS": "maybe"},
            "WEBHOOK_ALLOW_LOCAL_URLS='maybe' is not a boolean",
        ),
    ],
)
def test_bad_webhook_settings_fail_at_start(env, message):
    result = manage("check", **env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if not line.startswith("Warning:")]
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
