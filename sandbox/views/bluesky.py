"""Emulation of a Bluesky PDS over XRPC: sessions, handles, blobs, post records, post views.

Routes live under ``bluesky/xrpc/<nsid>`` (``BLUESKY_PDS_URL`` points at
``<site>/sandbox/bluesky`` when the sandbox is on); permalinks under
``bluesky/profile/<handle>/post/<rkey>``.

Accounts. ``com.atproto.server.createSession`` signs in:
- with the password ``sandbox-<account>`` (the sandbox's token convention), the
  identifier being that account's handle ``<account>.bsky.sandbox``, its DID,
  ``<account>`` itself or ``<account>@bsky.sandbox``;
- or with the fixed sandbox app password ``SANDBOX_APP_PASSWORD``
  (``sbox-sbox-sbox-sbox``) and any handle: the account is the handle's first
  label.
Any other password is refused (401 ``AuthenticationRequired``).

Tokens are JWT-shaped (the ``atproto`` SDK reads their ``exp``) but unsigned:
the payload names the account, the DID and the scope (``com.atproto.access``,
``com.atproto.refresh``). A refresh token works once: ``refreshSession``
answers a new pair and ``deleteSession`` ends it, after which it answers 400
``ExpiredToken`` "Token has been revoked", as rotation on the PDS does. A bearer ``sandbox-<account>`` is taken as an access
token too, as every sandbox API does. An access token past its ``exp`` answers
400 ``ExpiredToken``, an unreadable one 401 ``InvalidToken``, none 401
``AuthMissing``, as the PDS does (https://atproto.com/specs/xrpc).

Handles ``<name>.<anything>`` resolve to a DID drawn from ``<name>``, except
names starting with ``nobody``, which answer 400 "Unable to resolve handle".

Limits (per account; the real per-IP limit has no IP to count here): every
call counts against 3,000 per 5 minutes, ``createRecord`` against 1,666 an hour
(5,000 write points, 3 per create) and ``createSession`` against 30 per 5
minutes (https://docs.bsky.app/docs/advanced-guides/rate-limits). Every answer
carries ``RateLimit-Limit``, ``-Remaining``, ``-Reset`` and ``-Policy``.

``createRecord`` validates a post as the lexicons say: text of at most 300
graphemes and 3,000 bytes, facets whose byte ranges lie within the text, an
``app.bsky.embed.images`` embed of at most 4 images of this account's blobs
(image/*, 1,000,000 bytes each, ``alt`` required) or an
``app.bsky.embed.video`` of one ``video/mp4`` blob. A record key already used
answers 400 ``InvalidRequest`` (the PDS's exact words for this are not
documented).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import re
import secrets
import time
from typing import Any

import regex
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from sandbox.emulations import Emulation
from sandbox.limits import RateState, rate_limit, take_rate_slot, untouched_rate_state
from sandbox.metrics import numbers
from sandbox.models import SandboxPost, SandboxUpload
from sandbox.views import pages
from sandbox.views.shared import (
    View,
    account_for_token,
    authorization_token,
    emulated_endpoint,
    read_json_object,
)

RATE_LIMIT = "bluesky"
WRITE_LIMIT = "bluesky_writes"
SESSION_LIMIT = "bluesky_session"

EMULATION = Emulation(
    value="bluesky",
    label="Bluesky",
    color="#1185fe",
    rate_limits={
        RATE_LIMIT: (3000, 300),
        WRITE_LIMIT: (1666, 3600),
        SESSION_LIMIT: (30, 300),
    },
)
SANDBOX_APP_PASSWORD = "sbox-sbox-sbox-sbox"
HANDLE_DOMAIN = "bsky.sandbox"
COLLECTION = "app.bsky.feed.post"
ACCESS_LIFETIME = 2 * 3600
REFRESH_LIFETIME = 60 * 86400
ACCESS_SCOPE = "com.atproto.access"
REFRESH_SCOPE = "com.atproto.refresh"
# A refresh token used (or signed out) is spent: it is remembered here by its ``jti``.
SPENT_TOKEN_CACHE = "sandbox:bluesky-spent:{}"
MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3000
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000
MAX_VIDEO_BYTES = 50_000_000
MAX_BLOB_BYTES = 52_428_800  # the PDS's own limit on any blob
MAX_LANGS = 3
MAX_LIST = 100
MAX_GET_POSTS = 25
READ_SIZE = 64 * 1024
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
TID_PATTERN = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
FACET_TYPES = {
    "app.bsky.richtext.facet#link": "uri",
    "app.bsky.richtext.facet#mention": "did",
    "app.bsky.richtext.facet#tag": "tag",
}


# --- Answers -------------------------------------------------------------------------------


def xrpc_error(status: int, error: str, message: str) -> JsonResponse:
    return JsonResponse({"error": error, "message": message}, status=status)


def invalid(message: str) -> JsonResponse:
    return xrpc_error(400, "InvalidRequest", message)


def with_rate_headers(response: HttpResponse, state: RateState, window: int) -> HttpResponse:
    response.headers["RateLimit-Limit"] = str(state.limit)
    response.headers["RateLimit-Remaining"] = str(state.remaining)
    response.headers["RateLimit-Reset"] = str(state.reset_epoch)
    response.headers["RateLimit-Policy"] = f"{state.limit};w={window}"
    return response


def window_of(limit: str) -> int:
    return rate_limit(limit)[1]


def transient(request: HttpRequest) -> HttpResponse:
    response = xrpc_error(503, "UpstreamFailure", "The service is unavailable; try again.")
    return with_rate_headers(response, untouched_rate_state(RATE_LIMIT), window_of(RATE_LIMIT))


def too_many(state: RateState, limit: str) -> HttpResponse:
    response = xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded")
    return with_rate_headers(response, state, window_of(limit))


# --- Accounts and tokens -------------------------------------------------------------------


def slug(account: str) -> str:
    """An account name as a handle label: lowercase letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9-]", "-", account.lower()).strip("-")[:63] or "account"


def did_for(account: str) -> str:
    """``did:plc:`` and 24 base32 characters, the same for the same account."""
    digest = hashlib.sha256(f"bluesky-did:{slug(account)}".encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def handle_for(account: str) -> str:
    return f"{slug(account)}.{HANDLE_DOMAIN}"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def issue_jwt(account: str, scope: str, lifetime: int) -> str:
    now = int(time.time())
    claims = {
        "scope": scope,
        "sub": did_for(account),
        "acct": account,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(9),
    }
    return f"{b64({'typ': 'JWT', 'alg': 'none'})}.{b64(claims)}.sandbox"


def read_jwt(token: str) -> dict | None:
    """The claims of a sandbox JWT; None when it is not one."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return claims if isinstance(claims, dict) and claims.get("acct") else None


class TokenRefused(Exception):
    def __init__(self, response: JsonResponse):
        self.response = response


def bearer_account(request: HttpRequest, scope: str = ACCESS_SCOPE) -> str:
    """The account of the bearer token; ``TokenRefused`` with the PDS's answer otherwise."""
    token = authorization_token(request)
    if not token:
        raise TokenRefused(xrpc_error(401, "AuthMissing", "Authentication Required"))
    plain = account_for_token(token)
    if plain and scope == ACCESS_SCOPE:
        return plain
    claims = read_jwt(token)
    if claims is None or claims.get("scope") != scope:
        raise TokenRefused(xrpc_error(401, "InvalidToken", "Token could not be verified"))
    if float(claims.get("exp") or 0) < time.time():
        raise TokenRefused(xrpc_error(400, "ExpiredToken", "Token has expired"))
    if scope == REFRESH_SCOPE and not spend(claims):
        raise TokenRefused(xrpc_error(400, "ExpiredToken", "Token has been revoked"))
    return str(claims["acct"])


def spend(claims: dict) -> bool:
    """Mark a refresh token used; False when it already was (rotation, sign-out)."""
    return cache.add(SPENT_TOKEN_CACHE.format(claims.get("jti")), True, REFRESH_LIFETIME)


def session_body(account: str) -> dict[str, Any]:
    return {
        "accessJwt": issue_jwt(account, ACCESS_SCOPE, ACCESS_LIFETIME),
        "refreshJwt": issue_jwt(account, REFRESH_SCOPE, REFRESH_LIFETIME),
        "handle": handle_for(account),
        "did": did_for(account),
        "email": f"{slug(account)}@{HANDLE_DOMAIN}",
        "emailConfirmed": True,
        "active": True,
    }


def account_signing_in(identifier: str, password: str) -> str | None:
    """The account an identifier and password sign in to; None when refused."""
    identifier = identifier.strip().lower().removeprefix("@")
    if password == SANDBOX_APP_PASSWORD and identifier:
        return identifier.split("@", 1)[0].split(".", 1)[0] if ":" not in identifier else None
    account = account_for_token(password)
    if account and identifier in (
        slug(account),
        account.lower(),
        handle_for(account),
        did_for(account),
        f"{slug(account)}@{HANDLE_DOMAIN}",
    ):
        return account
    return None


def xrpc_api(methods: list[str], limit: str = RATE_LIMIT, scope: str | None = ACCESS_SCOPE):
    """An XRPC endpoint: outages, the bearer token (unless ``scope`` is None), the limit."""

    def decorator(view: View) -> View:
        @emulated_endpoint(methods, transient)
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if scope is None:
                return view(request, None, *args, **kwargs)
            try:
                account = bearer_account(request, scope)
            except TokenRefused as refused:
                return with_rate_headers(
                    refused.response, untouched_rate_state(limit), window_of(limit)
                )
            state = take_rate_slot(limit, account)
            if state.exceeded:
                return too_many(state, limit)
            return with_rate_headers(
                view(request, account, *args, **kwargs), state, window_of(limit)
            )

        return wrapper

    return decorator


# --- Sessions ------------------------------------------------------------------------------


@xrpc_api(["POST"], scope=None)
def create_session(request: HttpRequest, _: None) -> HttpResponse:
    body = read_json_object(request)
    if (
        body is None
        or not isinstance(body.get("identifier"), str)
        or not isinstance(body.get("password"), str)
    ):
        return invalid("Input must have the properties identifier and password.")
    account = account_signing_in(body["identifier"], body["password"])
    if account is None:
        state = untouched_rate_state(SESSION_LIMIT)
        response = xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        return with_rate_headers(response, state, window_of(SESSION_LIMIT))
    state = take_rate_slot(SESSION_LIMIT, account)
    if state.exceeded:
        return too_many(state, SESSION_LIMIT)
    return with_rate_headers(JsonResponse(session_body(account)), state, window_of(SESSION_LIMIT))


@xrpc_api(["POST"], scope=REFRESH_SCOPE)
def refresh_session(request: HttpRequest, account: str) -> HttpResponse:
    return JsonResponse(session_body(account))


@xrpc_api(["GET"])
def get_session(request: HttpRequest, account: str) -> HttpResponse:
    session = session_body(account)
    return JsonResponse({key: session[key] for key in ("handle", "did", "email", "active")})


@xrpc_api(["POST"], scope=REFRESH_SCOPE)
def delete_session(request: HttpRequest, account: str) -> HttpResponse:
    return HttpResponse(status=200)


# --- Identity and profiles -----------------------------------------------------------------


HANDLE_PATTERN = re.compile(
    r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)


@xrpc_api(["GET"])
def resolve_handle(request: HttpRequest, account: str) -> HttpResponse:
    handle = request.GET.get("handle", "").lower()
    match = HANDLE_PATTERN.match(handle)
    if match is None:
        return invalid("Error: handle must be a valid handle")
    if match.group(1).startswith("nobody"):
        return invalid("Unable to resolve handle")
    return JsonResponse({"did": did_for(match.group(1))})


@xrpc_api(["GET"])
def get_profile(request: HttpRequest, account: str) -> HttpResponse:
    actor = request.GET.get("actor", "").lower()
    name = account if actor in (did_for(account), handle_for(account)) else actor.split(".")[0]
    return JsonResponse(
        {"did": did_for(name), "handle": handle_for(name), "displayName": name, "postsCount": 0}
    )


# --- Blobs ---------------------------------------------------------------------------------


def cid_from_digest(digest: bytes, codec: int = 0x55) -> str:
    """A CIDv1 (sha2-256) in base32: ``raw`` codec for blobs, ``dag-cbor`` (0x71) for records."""
    multihash = bytes([0x12, 0x20]) + digest
    encoded = base64.b32encode(bytes([0x01, codec]) + multihash).decode().lower().rstrip("=")
    return "b" + encoded


def cid_of(data: bytes, codec: int = 0x55) -> str:
    return cid_from_digest(hashlib.sha256(data).digest(), codec)


def blob_key(account: str, cid: str) -> str:
    return hashlib.sha256(f"bluesky:{account}:{cid}".encode()).hexdigest()


def read_blob(request: HttpRequest) -> tuple[int, bytes] | None:
    """Size and SHA-256 of the body, read in pieces (a video passes the memory limit of
    ``request.body``); None past the PDS's blob limit."""
    size, digest = 0, hashlib.sha256()
    while piece := request.read(READ_SIZE):
        size += len(piece)
        if size > MAX_BLOB_BYTES:
            return None
        digest.update(piece)
    return size, digest.digest()


@xrpc_api(["POST"])
def upload_blob(request: HttpRequest, account: str) -> HttpResponse:
    """Keep the blob's facts (size, type, checksum), never its bytes."""
    declared = request.headers.get("Content-Length", "")
    read = None if declared.isdigit() and int(declared) > MAX_BLOB_BYTES else read_blob(request)
    if read is None:
        return xrpc_error(413, "PayloadTooLarge", "request entity too large")
    size, digest = read
    if not size:
        return invalid("The blob is empty.")
    mime = request.content_type or "application/octet-stream"
    cid = cid_from_digest(digest)
    SandboxUpload.objects.get_or_create(
        upload_id=blob_key(account, cid),
        defaults={
            "platform": EMULATION.value,
            "account": account,
            "media_type": mime,
            "total_bytes": size,
            "received_bytes": size,
            "segments": 1,
            "digest": digest.hex(),
            "state": SandboxUpload.State.COMPLETE,
            "metadata": {"cid": cid},
        },
    )
    return JsonResponse(
        {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": size}}
    )


def own_blob(account: str, blob: Any) -> SandboxUpload | None:
    if not isinstance(blob, dict) or not isinstance(blob.get("ref"), dict):
        return None
    cid = blob["ref"].get("$link")
    if not isinstance(cid, str):
        return None
    return SandboxUpload.objects.filter(
        platform=EMULATION.value, upload_id=blob_key(account, cid)
    ).first()


# --- Records -------------------------------------------------------------------------------


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def facet_problem(facets: Any, text: str) -> str | None:
    if not isinstance(facets, list):
        return "Record/facets must be an array"
    size = len(text.encode("utf-8"))
    for number, facet in enumerate(facets):
        index = facet.get("index") if isinstance(facet, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(index, dict) or not isinstance(features, list) or not features:
            return f"Record/facets/{number} must have index and features"
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            return f"Record/facets/{number}/index must have integer byteStart and byteEnd"
        if not 0 <= start < end <= size:
            return f"Record/facets/{number}/index is outside the text's {size} bytes"
        for feature in features:
            kind = feature.get("$type") if isinstance(feature, dict) else None
            field = FACET_TYPES.get(kind)
            if field is None or not isinstance(feature.get(field), str) or not feature[field]:
                return f"Record/facets/{number}/features must be a link, mention or tag"
    return None


def embed_problem(account: str, embed: Any) -> tuple[str | None, list[dict]]:
    """What is wrong with an embed (or None), and the blobs it uses."""
    if not isinstance(embed, dict):
        return "Record/embed must be an object", []
    if embed.get("$type") == "app.bsky.embed.images":
        images = embed.get("images")
        if not isinstance(images, list) or not 1 <= len(images) <= MAX_IMAGES:
            return f"Record/embed/images must hold 1 to {MAX_IMAGES} images", []
        used = []
        for number, image in enumerate(images):
            if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
                return f"Record/embed/images/{number} must have alt text (it may be empty)", []
            upload = own_blob(account, image.get("image"))
            if upload is None:
                return f"Could not find blob of images/{number}", []
            if not upload.media_type.startswith("image/"):
                return (
                    f"Wrong type of file. It is {upload.media_type} but it must match image/*",
                    [],
                )
            if (upload.total_bytes or 0) > MAX_IMAGE_BYTES:
                return (
                    f"This file is too large. It is {upload.total_bytes} bytes but the maximum "
                    f"size is {MAX_IMAGE_BYTES} bytes.",
                    [],
                )
            used.append(
                {
                    "cid": upload.metadata.get("cid"),
                    "mime": upload.media_type,
                    "size": upload.total_bytes,
                    "alt": image["alt"],
                }
            )
        return None, used
    if embed.get("$type") == "app.bsky.embed.video":
        upload = own_blob(account, embed.get("video"))
        if upload is None:
            return "Could not find blob of video", []
        if upload.media_type != "video/mp4":
            return f"Wrong type of file. It is {upload.media_type} but it must match video/mp4", []
        if (upload.total_bytes or 0) > MAX_VIDEO_BYTES:
            return f"This file is too large. The maximum size is {MAX_VIDEO_BYTES} bytes.", []
        return None, [
            {
                "cid": upload.metadata.get("cid"),
                "mime": upload.media_type,
                "size": upload.total_bytes,
                "alt": embed.get("alt", ""),
            }
        ]
    return "Record/embed must be app.bsky.embed.images or app.bsky.embed.video", []


def record_problem(account: str, record: Any) -> tuple[str | None, list[dict]]:
    if not isinstance(record, dict) or record.get("$type") != COLLECTION:
        return f"Invalid $type: expected {COLLECTION}", []
    text = record.get("text")
    if not isinstance(text, str):
        return 'Record must have the property "text"', []
    created = record.get("createdAt")
    if not isinstance(created, str) or parse_datetime(created) is None:
        return "Record/createdAt must be an valid atproto datetime", []
    if graphemes(text) > MAX_GRAPHEMES:
        return f"Record/text must not be longer than {MAX_GRAPHEMES} graphemes", []
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        return f"Record/text must not be longer than {MAX_TEXT_BYTES} characters", []
    if "facets" in record:
        problem = facet_problem(record["facets"], text)
        if problem:
            return problem, []
    langs = record.get("langs", [])
    if not isinstance(langs, list) or len(langs) > MAX_LANGS:
        return f"Record/langs must not have more than {MAX_LANGS} elements", []
    if "embed" in record:
        return embed_problem(account, record["embed"])
    return None, []


def new_tid() -> str:
    value = (time.time_ns() // 1000) << 10 | secrets.randbits(10)
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    return "".join(alphabet[(value >> (5 * i)) & 0x1F] for i in reversed(range(13)))


def at_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{COLLECTION}/{rkey}"


def record_cid(record: dict) -> str:
    return cid_of(json.dumps(record, sort_keys=True).encode(), codec=0x71)


def record_item(post: SandboxPost) -> dict:
    record = post.raw_request.get("record", {})
    return {
        "uri": at_uri(post.target, post.external_id),
        "cid": record_cid(record),
        "value": record,
    }


def repo_problem(account: str, repo: Any) -> JsonResponse | None:
    if repo not in (did_for(account), handle_for(account)):
        return xrpc_error(
            400, "InvalidRequest", "Could not find repo or it is not the authenticated account's"
        )
    return None


@xrpc_api(["POST"], limit=WRITE_LIMIT)
def create_record(request: HttpRequest, account: str) -> HttpResponse:
    body = read_json_object(request)
    if body is None:
        return invalid("The request body is not a JSON object.")
    refused = repo_problem(account, body.get("repo"))
    if refused:
        return refused
    if body.get("collection") != COLLECTION:
        return invalid(f"Only {COLLECTION} records are emulated.")
    rkey = body.get("rkey") or new_tid()
    if not isinstance(rkey, str) or not TID_PATTERN.match(rkey):
        return invalid("Invalid record key: a post's rkey must be a TID")
    problem, blobs = record_problem(account, body.get("record"))
    if problem:
        return invalid(problem)
    did = did_for(account)
    record = body["record"]
    try:
        with transaction.atomic():
            if SandboxPost.objects.filter(platform=EMULATION.value, external_id=rkey).exists():
                return invalid(f"Record already exists at {at_uri(did, rkey)}")
            SandboxPost.objects.create(
                platform=EMULATION.value,
                account=account,
                target=did,
                external_id=rkey,
                text=record["text"],
                media=blobs,
                raw_request=body,
            )
    except IntegrityError:  # a concurrent create of the same key won
        return invalid(f"Record already exists at {at_uri(did, rkey)}")
    return JsonResponse(
        {
            "uri": at_uri(did, rkey),
            "cid": record_cid(record),
            "commit": {"cid": cid_of(rkey.encode(), codec=0x71), "rev": new_tid()},
            "validationStatus": "valid",
        }
    )


def own_posts(account: str):
    return SandboxPost.objects.filter(platform=EMULATION.value, target=did_for(account))


@xrpc_api(["GET"])
def get_record(request: HttpRequest, account: str) -> HttpResponse:
    repo = request.GET.get("repo", "")
    name = account if repo in (did_for(account), handle_for(account)) else None
    post = None
    if name and request.GET.get("collection") == COLLECTION:
        post = own_posts(name).filter(external_id=request.GET.get("rkey", "")).first()
    if post is None:
        return xrpc_error(400, "RecordNotFound", "Could not locate record")
    return JsonResponse(record_item(post))


@xrpc_api(["GET"])
def list_records(request: HttpRequest, account: str) -> HttpResponse:
    refused = repo_problem(account, request.GET.get("repo"))
    if refused:
        return refused
    try:
        limit = int(request.GET.get("limit", 50))
    except ValueError:
        return invalid("limit must be an integer")
    if not 1 <= limit <= MAX_LIST:
        return invalid(f"limit must be between 1 and {MAX_LIST}")
    posts = own_posts(account).filter(raw_request__collection=request.GET.get("collection", ""))
    reverse = request.GET.get("reverse") == "true"
    posts = posts.order_by("external_id" if reverse else "-external_id")
    cursor = request.GET.get("cursor", "")
    if cursor:
        posts = posts.filter(**{"external_id__gt" if reverse else "external_id__lt": cursor})
    page = list(posts[: limit + 1])
    body: dict[str, Any] = {"records": [record_item(p) for p in page[:limit]]}
    if len(page) > limit:
        body["cursor"] = page[limit - 1].external_id
    return JsonResponse(body)


# --- Post views ----------------------------------------------------------------------------


def post_view(post: SandboxPost, now: dt.datetime) -> dict:
    n = numbers(post.external_id, post.created_at, now)
    item = record_item(post)
    return {
        "uri": item["uri"],
        "cid": item["cid"],
        "author": {"did": post.target, "handle": handle_for(post.account)},
        "record": item["value"],
        "likeCount": n["likes"],
        "repostCount": n["shares"],
        "replyCount": n["comments"],
        "quoteCount": n["quotes"],
        "indexedAt": post.created_at.isoformat().replace("+00:00", "Z"),
    }


AT_URI = re.compile(r"^at://(did:[a-z]+:[a-zA-Z0-9._:%-]+)/app\.bsky\.feed\.post/([a-z2-7]{13})$")


@xrpc_api(["GET"])
def get_posts(request: HttpRequest, account: str) -> HttpResponse:
    uris = request.GET.getlist("uris")
    if not 1 <= len(uris) <= MAX_GET_POSTS:
        return invalid(f"uris must hold 1 to {MAX_GET_POSTS} AT URIs")
    wanted = []
    for uri in uris:
        match = AT_URI.match(uri)
        if match is None:
            return invalid(f"uris must be valid at-uris: {uri[:100]}")
        wanted.append(match.groups())
    posts = {
        (p.target, p.external_id): p
        for p in SandboxPost.objects.filter(
            platform=EMULATION.value, external_id__in=[rkey for _, rkey in wanted]
        )
    }
    now = timezone.now()
    # Posts that do not exist (deleted) are left out, as the AppView does.
    found = [posts[key] for key in wanted if key in posts]
    return JsonResponse({"posts": [post_view(p, now) for p in found]})


@require_GET
def permalink(request: HttpRequest, handle: str, rkey: str) -> HttpResponse:
    """bsky.app/profile/<handle>/post/<rkey>: the post's page in the sandbox."""
    return pages.permalink(request, EMULATION.value, rkey)


XRPC = "bluesky/xrpc/"

urlpatterns = [
    path("bluesky/profile/<str:handle>/post/<str:rkey>", permalink, name="bluesky-permalink"),
    path(XRPC + "com.atproto.server.createSession", create_session, name="bluesky-create-session"),
    path(
        XRPC + "com.atproto.server.refreshSession", refresh_session, name="bluesky-refresh-session"
    ),
    path(XRPC + "com.atproto.server.getSession", get_session, name="bluesky-get-session"),
    path(XRPC + "com.atproto.server.deleteSession", delete_session, name="bluesky-delete-session"),
    path(
        XRPC + "com.atproto.identity.resolveHandle", resolve_handle, name="bluesky-resolve-handle"
    ),
    path(XRPC + "app.bsky.actor.getProfile", get_profile, name="bluesky-get-profile"),
    path(XRPC + "com.atproto.repo.uploadBlob", upload_blob, name="bluesky-upload-blob"),
    path(XRPC + "com.atproto.repo.createRecord", create_record, name="bluesky-create-record"),
    path(XRPC + "com.atproto.repo.getRecord", get_record, name="bluesky-get-record"),
    path(XRPC + "com.atproto.repo.listRecords", list_records, name="bluesky-list-records"),
    path(XRPC + "app.bsky.feed.getPosts", get_posts, name="bluesky-get-posts"),
]
