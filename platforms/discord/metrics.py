"""Discord: a message's reaction counts, one message per call.

Checked against Discord's documentation (Dec 2026):
- ``GET /channels/{channel.id}/messages/{message.id}`` (a bot token) and
  ``GET /webhooks/{webhook.id}/{webhook.token}/messages/{message.id}`` (a webhook)
  answer the message object, whose ``reactions`` is a list of reaction objects
  with ``count`` (all reactions, normal and super) and ``count_details``
  (https://discord.com/developers/docs/resources/message#reaction-object). No
  reaction: the field is absent, 0 here.
- An unknown message answers 404 with code 10008 (Unknown Message), an unknown
  channel 10003: gone.
- Rate limits (https://discord.com/developers/docs/topics/rate-limits) are per
  route and read from the ``X-RateLimit-*`` headers; a 429 carries
  ``retry_after``. The budget below keeps reads to one a second per account,
  less what publishing's own window may take.
"""

from __future__ import annotations

import datetime as dt

from platforms.base import AuthError, Credentials
from platforms.discord.client import API, LABEL, base_url, raise_for_error, webhook_url
from platforms.http import json_body, send
from platforms.metrics import GONE, Budget, Gone, MetricsTarget, PostMetrics

BATCH_SIZE = 1
READS_PER_MINUTE = 60
GONE_CODES = {10003, 10008, 10015}


def budget(publish_limit: tuple[int, int]) -> Budget:
    posts, seconds = publish_limit
    publishing_per_minute = posts * 60 / max(seconds, 1)
    return Budget(
        units=max(int(READS_PER_MINUTE - publishing_per_minute), 1),
        window=dt.timedelta(minutes=1),
    )


def message_url(target: MetricsTarget, credentials: Credentials) -> tuple[str, dict]:
    channel_id = target.platform_state.get("channel_id") or credentials.account.get("channel_id")
    if credentials.access_token and channel_id:
        return (
            f"{base_url()}{API}/channels/{channel_id}/messages/{target.external_id}",
            {"Authorization": f"Bot {credentials.access_token}"},
        )
    if credentials.webhook_url:
        return f"{webhook_url(credentials)}/messages/{target.external_id}", {}
    raise AuthError("Discord: the account has neither a bot token and channel nor a webhook.")


def collect(
    targets: list[MetricsTarget], credentials: Credentials
) -> dict[int, PostMetrics | Gone]:
    if len(targets) > BATCH_SIZE:
        raise ValueError("Discord messages are read one per call.")
    (target,) = targets
    url, headers = message_url(target, credentials)
    response = send(LABEL, "GET", url, headers=headers)
    if response.status_code == 404 and json_body(response).get("code") in GONE_CODES:
        return {target.key: GONE}
    raise_for_error(response)
    reactions = json_body(response).get("reactions") or []
    total = sum(
        int(r.get("count") or 0) for r in reactions if isinstance(r, dict) and r.get("count")
    )
    return {target.key: PostMetrics(reactions=total)}
