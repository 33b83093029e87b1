"""The sandbox's HTML pages: what it received, newest first, and one post in full."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from sandbox import emulations
from sandbox.models import SandboxPost

POSTS_PER_PAGE = 50


@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    """Every post the sandbox received, newest first, optionally for one platform."""
    posts = SandboxPost.objects.all()
    platform = request.GET.get("platform", "")
    if platform in emulations.values():
        posts = posts.filter(platform=platform)
    else:
        platform = ""
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "sandbox/post_list.html",
        {"page": page, "platforms": emulations.choices(), "selected_platform": platform},
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
    """Where a platform-shaped permalink lands: each emulation routes its own shape here."""
    post = get_object_or_404(SandboxPost, platform=platform, external_id=external_id)
    return redirect("sandbox:post-detail", pk=post.pk)
