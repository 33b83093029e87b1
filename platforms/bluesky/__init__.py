"""Bluesky: posts as ``app.bsky.feed.post`` records in the account's repository (AT Protocol).

Connected with an app password exchanged for a session (see ``oauth.py``); the
client speaks XRPC over raw HTTP (see ``client.py``).
"""

from platforms.descriptor import Endpoint, Limits, Platform

BLUESKY = Platform(
    value="bluesky",
    label="Bluesky",
    client="platforms.bluesky.client",
    metrics="platforms.bluesky.metrics",
    oauth="platforms.bluesky.oauth",
    options="platforms.bluesky.options.BlueskyOptions",
    # 300 graphemes; 4 images or 1 video. The PDS allows 5,000 write points an hour
    # per account and a post costs 3 (a CREATE): 1,666 posts an hour
    # (https://docs.bsky.app/docs/advanced-guides/rate-limits).
    limits=Limits(max_text=300, max_media=4, rate_limit=(1666, 3600)),
    # The account's PDS: bsky.social is the entryway for Bluesky-hosted accounts.
    api_urls=(Endpoint("bluesky", "BLUESKY_PDS_URL", "https://bsky.social", "bluesky"),),
    # Bluesky connects with an app password, not a redirect: this is where one is made.
    authorize_url=Endpoint(
        "bluesky", "", "https://bsky.app/settings/app-passwords", "bluesky/app-passwords"
    ),
    permalink_base=Endpoint("bluesky", "", "https://bsky.app", "bluesky"),
    client_settings=(),
)
