"""Turn a Content into the ``Post`` a platform module sees, for validation and publishing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings

from content.choices import Status
from content.models import Content, ContentMedia
from integrations.models import Integration
from platforms import registry
from platforms.base import Measure, MediaFile, Post
from platforms.registry import client_module
from publishing.models import Publication

logger = logging.getLogger(__name__)


def build_post(
    content: Content,
    platform: str,
    *,
    publication: Publication | None = None,
    media: list[ContentMedia] | None = None,
    account: dict | None = None,
) -> Post:
    """The post for ``platform``. With a publication, its state is carried and checkpointed.

    ``media`` replaces the content's saved media: files about to be attached,
    checked before anything is written. ``account``: the target account's options
    (a publication's own integration's when not given).
    """
    if account is None:
        integration = publication.integration if publication is not None else None
        account = dict(integration.account_options) if integration is not None else {}
    public_base = settings.PUBLIC_MEDIA_BASE_URL
    if media is None:
        media = list(content.media.all()) if content.pk else []
    media = [
        MediaFile(
            kind=item.kind,
            # A composer's check stands files in by their kind and size: no path yet.
            path=item.file.path if item.file else "",
            mime_type=item.mime_type,
            size_bytes=item.size_bytes,
            public_url=f"{public_base}/{item.file.name}" if public_base else "",
            alt_text=item.alt_text,
        )
        for item in media
    ]
    options = (content.options or {}).get(platform, {})
    post = Post(
        publication_id=publication.pk if publication else 0,
        idempotency_key=publication.idempotency_key if publication else "",
        # A platform's own text, when the content has one, replaces the body there.
        body=options.get("text") or content.body,
        title=content.title,
        options=options,
        media=media,
        account=account,
        platform_state=dict(publication.platform_state) if publication else {},
    )
    if publication is not None:
        post.checkpoint = checkpointer(publication)
    return post


def checkpointer(publication: Publication):
    """The ``Post.checkpoint`` of a claimed publication: save what the platform answered, now.

    A client calls it the moment an answer names something on the platform (a
    message, post, container or upload session id), before the rest of the
    outcome is recorded. The worker calls the platform outside any transaction,
    so this short UPDATE commits at once: if the worker dies before the outcome
    is recorded, the next attempt's ``reconcile`` finds the post by that id
    instead of leaving the row in doubt.

    Only the worker that holds the row's claim writes: the UPDATE is a
    compare-and-set on PUBLISHING and this claim's lease. A worker whose lease
    was recovered and claimed again writes nothing; the row's new worker
    reconciles from what the platform says.
    """
    lease = publication.lease_expires_at

    def checkpoint(state: dict) -> None:
        saved = {**publication.platform_state, **state}
        updated = Publication.objects.filter(
            pk=publication.pk, status=Status.PUBLISHING, lease_expires_at=lease
        ).update(platform_state=saved)
        if updated != 1:
            logger.warning(
                "Publication %s: not saving %s, its claim was lost to another worker.",
                publication.pk,
                ", ".join(sorted(state)),
            )
            return
        publication.platform_state = saved

    return checkpoint


def accounts_by_platform(targets) -> dict[str, list[dict]]:
    """The options of each target's account, by platform, each set once.

    ``targets``: anything with ``platform`` and ``integration`` (targets, publications).
    A platform whose limits depend on the account (a Mastodon server's) checks each.
    """
    targets = list(targets)
    # A publication's account is read in one query for all; a target carries its own.
    unloaded = {
        t.integration_id for t in targets if isinstance(t, Publication) and t.integration_id
    }
    stored = (
        dict(Integration.objects.filter(pk__in=unloaded).values_list("pk", "account_options"))
        if unloaded
        else {}
    )
    found: dict[str, list[dict]] = {}
    for target in targets:
        if isinstance(target, Publication):
            options = dict(stored.get(target.integration_id) or {})
        else:
            options = dict(target.integration.account_options) if target.integration else {}
        accounts = found.setdefault(target.platform, [])
        if options not in accounts:
            accounts.append(options)
    return found


def validation_problems(
    content: Content,
    platforms: list[str],
    *,
    media: list[ContentMedia] | None = None,
    accounts: dict[str, list[dict]] | None = None,
) -> dict[str, list[str]]:
    """What each platform would refuse in ``content``; empty when every platform accepts it.

    ``media``: check with these (unsaved) files instead of the content's saved ones.
    ``accounts``: the target accounts' options by platform (``accounts_by_platform``);
    each is checked, and a problem said by several is listed once.
    """
    problems = {}
    for platform in platforms:
        found: list[str] = []
        for account in (accounts or {}).get(platform) or [{}]:
            post = build_post(content, platform, media=media, account=account)
            found.extend(p for p in client_module(platform).validate(post) if p not in found)
        if found:
            problems[platform] = found
    return problems


@dataclass(frozen=True)
class PlatformCheck:
    """What one platform would say of a post now: its problems and its counters."""

    problems: list[str] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)


def check_post(
    content: Content,
    platforms: list[str],
    *,
    media: list[ContentMedia] | None = None,
    accounts: dict[str, list[dict]] | None = None,
) -> dict[str, PlatformCheck]:
    """The composer's live check: each platform's ``validate()`` (the one the engine and the
    API use) and its counters, for an unsaved ``content``.

    ``media``: unsaved rows standing for the files (kind, type and size are what count).
    ``accounts``: as for ``validation_problems``; the counters are the first account's.
    """
    checks = {}
    for platform in platforms:
        account = ((accounts or {}).get(platform) or [{}])[0]
        post = build_post(content, platform, media=media, account=account)
        module = client_module(platform)
        measure = getattr(module, "measure", None)
        measures = measure(post) if measure else default_measures(platform, post)
        checks[platform] = PlatformCheck(list(module.validate(post)), list(measures))
    return checks


def default_measures(platform: str, post: Post) -> list[Measure]:
    """Counters from the descriptor's limits, for a platform whose module offers none."""
    limits = registry.get(platform).limits
    return [
        Measure("Text", len(post.body), limits.max_text, "characters"),
        Measure("Media", len(post.media), limits.max_media, "files"),
    ]
