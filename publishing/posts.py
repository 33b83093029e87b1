"""Turn a Content into the ``Post`` a platform module sees, for validation and publishing."""

from __future__ import annotations

from django.conf import settings

from content.models import Content, ContentMedia
from platforms.base import MediaFile, Post
from platforms.registry import client_module
from publishing.models import Publication


def build_post(
    content: Content,
    platform: str,
    *,
    publication: Publication | None = None,
    media: list[ContentMedia] | None = None,
) -> Post:
    """The post for ``platform``. With a publication, its state is carried and checkpointed.

    ``media`` replaces the content's saved media: files about to be attached,
    checked before anything is written.
    """
    public_base = settings.PUBLIC_MEDIA_BASE_URL
    if media is None:
        media = list(content.media.all()) if content.pk else []
    media = [
        MediaFile(
            kind=item.kind,
            path=item.file.path,
            mime_type=item.mime_type,
            size_bytes=item.size_bytes,
            public_url=f"{public_base}/{item.file.name}" if public_base else "",
            alt_text=item.alt_text,
        )
        for item in media
    ]
    post = Post(
        publication_id=publication.pk if publication else 0,
        idempotency_key=publication.idempotency_key if publication else "",
        body=content.body,
        title=content.title,
        options=(content.options or {}).get(platform, {}),
        media=media,
        platform_state=dict(publication.platform_state) if publication else {},
    )
    if publication is not None:

        def checkpoint(state: dict) -> None:
            # Saved at once, outside the outcome's transaction: reconcile needs
            # it even if the worker dies mid-call.
            publication.platform_state = {**publication.platform_state, **state}
            Publication.objects.filter(pk=publication.pk).update(
                platform_state=publication.platform_state
            )

        post.checkpoint = checkpoint
    return post


def validation_problems(
    content: Content, platforms: list[str], *, media: list[ContentMedia] | None = None
) -> dict[str, list[str]]:
    """What each platform would refuse in ``content``; empty when every platform accepts it.

    ``media``: check with these (unsaved) files instead of the content's saved ones.
    """
    problems = {}
    for platform in platforms:
        found = client_module(platform).validate(build_post(content, platform, media=media))
        if found:
            problems[platform] = list(found)
    return problems
