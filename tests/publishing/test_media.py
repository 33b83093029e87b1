"""Reading an upload's real type from its first bytes."""

import pytest

from publishing.media import (
    GIF,
    JPEG,
    MP4,
    PNG,
    QUICKTIME,
    WEBM,
    WEBP,
    UploadRefused,
    inspect_upload,
    sniff,
)
from tests import media_files
from tests.media_files import upload


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (media_files.JPEG, JPEG),
        (media_files.PNG, PNG),
        (media_files.GIF, GIF),
        (b"GIF87a\x01\x00", GIF),
        (media_files.WEBP, WEBP),
        (media_files.MP4, MP4),
        (media_files.MOV, QUICKTIME),
        (media_files.WEBM, WEBM),
        # MP4 brands of cameras, phones and encoders
        (b"\x00\x00\x00\x18ftypmp41\x00\x00\x00\x00mp41isom", MP4),
        (b"\x00\x00\x00\x1cftypiso5\x00\x00\x02\x00iso5iso6mp41", MP4),
        (b"\x00\x00\x00\x14ftypXAVC\x00\x00\x00\x00avc1", MP4),  # a compatible brand
        (b"\x00\x00\x00\x08moov", QUICKTIME),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", QUICKTIME),
    ],
)
def test_accepted_formats_are_recognised(head, expected):
    assert sniff(head) is expected


@pytest.mark.parametrize(
    "head",
    [
        media_files.HTML,
        b"",
        b"\x89PNG",  # a truncated signature
        b"\x00\x00\x00\x18ftyp",  # no brand
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",  # an image container
        b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x003gp4",
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska",
        b"RIFF\x24\x00\x00\x00AVI LIST",
        b"%PDF-1.4",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_other_content_is_not_recognised(head):
    assert sniff(head) is None


def test_inspection_reads_from_the_start_and_leaves_the_file_there():
    photo = upload("a.jpg", media_files.JPEG, "image/jpeg")
    photo.read(10)
    assert inspect_upload(photo) is JPEG
    assert photo.tell() == 0


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload("a.txt", b"hello", "text/plain"), "a.txt is text/plain; send JPEG, PNG, GIF"),
        (upload("a", media_files.PNG, ""), "a is of no type; send JPEG"),
        (
            upload("a.png", media_files.PNG, "application/octet-stream"),
            "a.png is application/octet-stream; send",
        ),
        (
            upload("a.jpg", media_files.PNG, "image/jpeg"),
            "a.jpg is declared image/jpeg, but its content is a PNG image.",
        ),
        (
            upload("a.mp4", media_files.HTML, "video/mp4"),
            "a.mp4 is declared video/mp4, but its content is not an MP4 video.",
        ),
        (
            upload("a.webm", media_files.MP4, "video/webm"),
            "a.webm is declared video/webm, but its content is an MP4 video.",
        ),
    ],
)
def test_refusals_name_the_file_and_what_is_wrong(file, message):
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(file)
    assert str(refused.value).startswith(message)


def test_declared_types_are_read_without_case_or_parameters():
    assert inspect_upload(upload("a.png", media_files.PNG, "Image/PNG; charset=binary")) is PNG
    # MP4 and QuickTime are one family: either label passes, the bytes decide.
    assert inspect_upload(upload("a.mov", media_files.MOV, "video/mp4")) is QUICKTIME
    assert inspect_upload(upload("a.mp4", media_files.MP4, "video/quicktime")) is MP4


def test_a_file_above_the_limit_is_refused_before_it_is_read(settings):
    settings.MAX_UPLOAD_BYTES = 100
    with pytest.raises(UploadRefused, match=r"a.png is 200\xa0bytes; the largest accepted"):
        inspect_upload(upload("a.png", media_files.PNG, "image/png", size=200))
