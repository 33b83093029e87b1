"""The sandbox's HTML pages: what it received, newest first, and one post in full."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from sandbox.models import Platform, SandboxPost

POSTS_PER_PAGE = 50


@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    """Every post the sandbox received, newest first, optionally for one platform."""
    posts = SandboxPost.objects.all()
    platform = request.GET.get("platform", "")
    if platform in Platform.values:
        posts = posts.filter(platform=platform)
    else:
        platform = ""
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "sandbox/post_list.html",
        {"page": page, "platforms": Platform.choices, "selected_platform": platform},
    )


@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One post: the page the sandbox's permalinks point at."""
    post = get_object_or_404(SandboxPost, pk=pk)
    return render(
        request,
        "sandbox/post_detail.html",
        {
            "post": post,
            "raw_request": json.dumps(post.raw_request, indent=2, ensure_ascii=False),
        },
    )


@require_GET
def permalink(request: HttpRequest, platform: str, external_id: str) -> HttpResponse:
    """Where a platform-shaped permalink (x.com/u/status/id, ...) lands in the sandbox."""
    post = get_object_or_404(SandboxPost, platform=platform, external_id=external_id)
    return redirect("sandbox:post-detail", pk=post.pk)


def x_permalink(request: HttpRequest, username: str, external_id: str) -> HttpResponse:
    return permalink(request, Platform.TWITTER, external_id)


def discord_permalink(
    request: HttpRequest, guild_id: str, channel_id: str, message_id: str
) -> HttpResponse:
    return permalink(request, Platform.DISCORD, message_id)


def youtube_permalink(request: HttpRequest) -> HttpResponse:
    return permalink(request, Platform.YOUTUBE, request.GET.get("v", ""))
