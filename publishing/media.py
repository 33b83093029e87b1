"""What an uploaded file really is, read from its first bytes: the client's word is only a claim.

A part's declared type (its ``Content-Type``) costs nothing to fake: HTML sent as
``image/png`` would be stored and later served from the media folder. Every upload, from
the API and from the admin, goes through ``inspect_upload`` before anything is written:
it must be one of the image or video formats the platforms take, and its bytes must say
so. The stored ``mime_type`` and the file's extension are the sniffed ones, and the
stored name carries a random part, so no client picks a path another upload has.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from content.models import ContentMedia

# Enough for every signature below (an MP4's brands follow its first box header).
HEAD_BYTES = 64


@dataclass(frozen=True)
class MediaType:
    """A format Herald accepts, and the declared types a client may send it under."""

    mime_type: str
    kind: str
    extension: str
    label: str
    declared_as: frozenset[str]


JPEG = MediaType(
    "image/jpeg",
    ContentMedia.Kind.IMAGE,
    ".jpg",
    "a JPEG image",
    frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
)
PNG = MediaType(
    "image/png", ContentMedia.Kind.IMAGE, ".png", "a PNG image", frozenset({"image/png"})
)
GIF = MediaType(
    "image/gif", ContentMedia.Kind.IMAGE, ".gif", "a GIF image", frozenset({"image/gif"})
)
WEBP = MediaType(
    "image/webp", ContentMedia.Kind.IMAGE, ".webp", "a WebP image", frozenset({"image/webp"})
)
# MP4 and QuickTime are one container family; phones and browsers label either file as
# the other, so each may be declared as the other. The sniffed type is what is stored.
MP4 = MediaType(
    "video/mp4",
    ContentMedia.Kind.VIDEO,
    ".mp4",
    "an MP4 video",
    frozenset({"video/mp4", "video/x-m4v", "video/quicktime"}),
)
QUICKTIME = MediaType(
    "video/quicktime",
    ContentMedia.Kind.VIDEO,
    ".mov",
    "a QuickTime video",
    frozenset({"video/quicktime", "video/mp4"}),
)
WEBM = MediaType(
    "video/webm", ContentMedia.Kind.VIDEO, ".webm", "a WebM video", frozenset({"video/webm"})
)
MEDIA_TYPES = (JPEG, PNG, GIF, WEBP, MP4, QUICKTIME, WEBM)
ACCEPTED = "JPEG, PNG, GIF or WebP images, or MP4, QuickTime or WebM videos"

# ISO base media files (MP4) name their flavour in the ``ftyp`` box: the major brand,
# then compatible ones. These are the video brands of MP4 proper.
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"}
)
# Classic QuickTime files, before ``ftyp`` existed, open with one of these atoms.
QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip"})


class UploadRefused(Exception):
    """An upload Herald does not store; the message says why, naming the file."""


def sniff(head: bytes) -> MediaType | None:
    """The accepted format these first bytes begin, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        box_end = min(int.from_bytes(head[:4], "big"), len(head))
        major = head[8:12]
        compatible = {head[i : i + 4] for i in range(16, box_end - 3, 4)}
        if major == b"qt  ":
            return QUICKTIME
        if major in MP4_BRANDS or compatible & MP4_BRANDS:
            return MP4
        return None
    if head[4:8] in QUICKTIME_ATOMS:
        return QUICKTIME
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[4:HEAD_BYTES]:
        return WEBM
    return None


def declared_type(upload) -> str:
    return (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()


def inspect_upload(upload) -> MediaType:
    """The format of ``upload``, read from its bytes; ``UploadRefused`` says what is wrong.

    Refused: a file above ``MAX_UPLOAD_BYTES``, a declared type Herald does not take, and
    bytes that are not what the declared type says.
    """
    limit = settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise UploadRefused(
            f"{upload.name} is {filesizeformat(upload.size)}; the largest accepted file is "
            f"{filesizeformat(limit)}."
        )
    declared = declared_type(upload)
    claimed = [media_type for media_type in MEDIA_TYPES if declared in media_type.declared_as]
    if not claimed:
        raise UploadRefused(f"{upload.name} is {declared or 'of no type'}; send {ACCEPTED}.")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise UploadRefused(
            f"{upload.name} is declared {declared}, but its content is not {claimed[0].label}."
        )
    if found not in claimed:
        raise UploadRefused(
            f"{upload.name} is declared {declared}, but its content is {found.label}."
        )
    return found


def stored_name(original: str, media_type: MediaType) -> str:
    """``holiday-3f2a9c1d0b7e4a56.jpg``: the client's stem, a random part, the real extension."""
    stem = PurePath(original).stem.lstrip(".")[:80] or "media"
    return f"{stem}-{secrets.token_hex(8)}{media_type.extension}"


def media_draft(upload, *, position: int) -> ContentMedia:
    """An unsaved ContentMedia for ``upload``, typed and named by its content.

    Raises ``UploadRefused``. Nothing is written: the scheduling service stores the
    file, once every rule has passed.
    """
    media_type = inspect_upload(upload)
    upload.name = stored_name(upload.name, media_type)
    return ContentMedia(
        file=upload,
        kind=media_type.kind,
        mime_type=media_type.mime_type,
        size_bytes=upload.size,
        position=position,
    )
