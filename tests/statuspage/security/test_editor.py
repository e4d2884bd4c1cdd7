"""Image uploads through the Markdown editor, and how uploaded files are served, over HTTP."""

import re
import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from faq.models import Profile
from tests.factories import UserFactory

UPLOAD = "/markdownx/upload/"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _image(fmt="PNG", size=(40, 30), **save) -> bytes:
    data = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(data, fmt, **save)
    return data.getvalue()


def _upload(client, content: bytes, *, name="chart.png", content_type="image/png"):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(UPLOAD, {"image": file}, **XHR)


def _stored(media_root) -> list:
    return sorted((media_root / "uploads").glob("*")) if (media_root / "uploads").exists() else []


def _url(response) -> str:
    return re.fullmatch(r"!\[\]\((\S+)\)", response.json()["image_code"])[1]


def test_staff_upload_a_png_that_is_served_inert(staff_client, client, media_root):
    response = _upload(staff_client, _image())

    assert response.status_code == 200
    url = _url(response)
    assert re.fullmatch(r"/media/uploads/[0-9a-f]{32}\.png", url)
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["Content-Disposition"].startswith("inline; filename=")
    body = b"".join(served.streaming_content)
    assert Image.open(BytesIO(body)).size == (40, 30)


def test_the_stored_name_comes_from_the_content_not_the_upload(staff_client, media_root):
    response = _upload(staff_client, _image("JPEG"), name="photo.html", content_type="image/png")
    assert response.status_code == 200
    assert _url(response).endswith(".jpg")
    [stored] = _stored(media_root)
    assert stored.suffix == ".jpg"
    with Image.open(stored) as image:
        assert image.format == "JPEG"


def test_metadata_and_anything_appended_are_dropped(staff_client, media_root):
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Co"  # Make
    payload = b"<script>alert(1)</script>"
    content = _image("JPEG", exif=exif.tobytes()) + payload
    response = _upload(staff_client, content, name="p.jpg", content_type="image/jpeg")
    assert response.status_code == 200
    [stored] = _stored(media_root)
    data = stored.read_bytes()
    assert b"Secret Camera Co" not in data
    assert payload not in data


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"<!doctype html><script>alert(document.cookie)</script>", "image/png"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/png",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "image/svg+xml"),
        (b"GIF89a" + b"\x00" * 40, "image/png"),
        (_image("GIF"), "image/png"),
        (_image()[:60], "image/png"),  # cut short
    ],
    ids=["html", "svg-as-png", "svg", "fake-gif", "real-gif", "truncated-png"],
)
def test_anything_but_a_png_or_jpeg_is_refused(staff_client, media_root, content, content_type):
    response = _upload(staff_client, content, name="chart.png", content_type=content_type)
    assert response.status_code == 400
    message = response.json()["error"]
    assert message in {
        "Upload a PNG or JPEG image; this file is not one.",
        "File type is not supported.",
    }
    assert _stored(media_root) == []


def test_an_oversized_file_is_refused_with_a_clear_message(staff_client, media_root):
    noise = Image.frombytes("RGB", (1200, 1200), bytes(range(256)) * (1200 * 1200 * 3 // 256))
    data = BytesIO()
    noise.save(data, "PNG", compress_level=0)
    assert len(data.getvalue()) > 2 * 1024 * 1024

    response = _upload(staff_client, data.getvalue())

    assert response.status_code == 400
    assert response.json()["error"].startswith("Please keep file size under 2.0\xa0MB.")
    assert _stored(media_root) == []


TOO_LARGE = "Images may be at most 8000 pixels wide and 8000 high, and 25 megapixels in all."


def test_an_image_too_many_pixels_wide_is_refused(staff_client, media_root):
    response = _upload(staff_client, _image(size=(8001, 2)))
    assert response.status_code == 400
    assert response.json()["error"] == TOO_LARGE
    assert _stored(media_root) == []


def _png_bomb(width: int, height: int) -> bytes:
    """A valid RGB PNG of black pixels, written row by row: a few hundred KB on disk,
    ``width × height × 3`` bytes once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    packer = zlib.compressobj(9)
    row = bytes(1 + width * 3)  # filter byte, then the pixels
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_an_image_bomb_is_refused_by_its_pixel_count_before_it_is_decoded(staff_client, media_root):
    bomb = _png_bomb(8000, 8000)  # within 8000 a side; 192 MB once decoded
    assert len(bomb) < 400_000

    response = _upload(staff_client, bomb)

    assert response.status_code == 400
    assert response.json()["error"] == TOO_LARGE
    assert _stored(media_root) == []


def test_an_image_just_within_the_pixel_count_is_taken(staff_client, media_root):
    response = _upload(staff_client, _png_bomb(5000, 5000))
    assert response.status_code == 200
    assert len(_stored(media_root)) == 1


@pytest.mark.parametrize("who", ["anonymous", "customer", "inactive staff"])
def test_only_signed_in_staff_may_upload(db, client, media_root, who):
    if who == "customer":
        user = UserFactory(username="grace@example.com")
        Profile.objects.create(user=user, name="Grace")
        client.force_login(user)
    elif who == "inactive staff":
        client.force_login(UserFactory(is_staff=True, is_active=False))
    response = _upload(client, _image())
    assert response.status_code == 403
    assert response.json() == {"error": "Only signed-in staff may use the editor."}
    assert _stored(media_root) == []


def test_upload_takes_post_only(staff_client):
    assert staff_client.get(UPLOAD).status_code == 405


def test_other_media_files_are_served_as_downloads(client, media_root):
    (media_root / "uploads").mkdir()
    (media_root / "uploads" / "old.html").write_text("<script>alert(1)</script>")
    served = client.get("/media/uploads/old.html")
    assert served.status_code == 200
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"] == 'attachment; filename="old.html"'
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(served.streaming_content) == b"<script>alert(1)</script>"


def test_media_outside_the_folder_is_not_served(client, media_root):
    (media_root.parent / "secret.txt").write_text("not for the web")
    for path in ["/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/uploads/"]:
        response = client.get(path)
        assert response.status_code in {400, 404}
        assert b"not for the web" not in response.content
