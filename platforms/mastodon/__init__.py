"""Mastodon: statuses on the account's own server, OAuth registered per server.

Every account lives on its own server (instance): the server's base URL is kept in
the account's non-secret options (``account_options["server"]``) and every API URL
is built from it. ``PLATFORM_BASE_URLS["mastodon"]`` is empty in production (there
is no one Mastodon) and names the sandbox's emulated server when the sandbox is on.
"""

from platforms.descriptor import Endpoint, Limits, Platform

MASTODON = Platform(
    value="mastodon",
    label="Mastodon",
    client="platforms.mastodon.client",
    metrics="platforms.mastodon.metrics",
    oauth="platforms.mastodon.oauth",
    options="platforms.mastodon.options.MastodonOptions",
    # 500 characters and 4 attachments are Mastodon's defaults; the client reads the
    # server's own from GET /api/v2/instance. A post may carry media, and media
    # uploads are limited to 30 per 30 minutes per account
    # (https://docs.joinmastodon.org/api/rate-limits/): publishing keeps to that.
    limits=Limits(max_text=500, max_media=4, rate_limit=(30, 30 * 60)),
    api_urls=(Endpoint("mastodon", "", "", "mastodon"),),
    # Each server has its own consent page ({server}/oauth/authorize): the provider
    # module builds it from the account's server, this entry only names the sandbox's.
    authorize_url=Endpoint("mastodon", "", "", "mastodon/oauth/authorize"),
    # No client id in the environment: a client is registered on each server on first use.
    client_settings=(),
    request_labels=("Mastodon",),
)
