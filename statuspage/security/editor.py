"""django-markdownx's preview and upload views, open to active staff only, and uploads served.

markdownx ships them without any access check; these wrappers answer 403 to
everyone but staff signed in as the admin requires (with their authenticator code, if
they have one), and 400 (not a 500) to a preview request without content.

An upload is trusted for what Pillow finds in it, not for its name or declared type:
only PNG and JPEG, at most ``MARKDOWNX_UPLOAD_MAX_SIZE`` bytes, ``EDITOR_IMAGE_MAX_SIDE``
pixels a side and ``EDITOR_IMAGE_MAX_PIXELS`` in all (read from the header, before
anything is decoded: a small file can hold a huge image), decoded in full and encoded
again (which drops metadata and anything hidden after the image), and stored under a
random name with the extension of what it is. Files under ``MEDIA_URL`` are served as
inert data: the right image type or ``application/octet-stream``, ``nosniff``, and a
sandboxing CSP.
"""

import uuid
from functools import wraps
from io import BytesIO
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.http import content_disposition_header
from django.views import static
from markdownx.forms import ImageForm
from markdownx.settings import MARKDOWNX_IMAGE_MAX_SIZE, MARKDOWNX_MEDIA_PATH
from markdownx.views import ImageUploadView, MarkdownifyView
from PIL import Image, ImageOps, UnidentifiedImageError

from statuspage.security.twofactor import verified_staff

# What Pillow calls the formats we take, and the extension each is stored with.
EXTENSIONS = {"PNG": "png", "JPEG": "jpg"}
# Types served inline (editor uploads, team photos); anything else is a download.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# Nothing in a served file may load, run or reach anything, even opened on its own.
MEDIA_CSP = "default-src 'none'; sandbox"
NOT_AN_IMAGE = "Upload a PNG or JPEG image; this file is not one."


def staff_only(view):
    """``view`` for staff signed in as the admin requires (``verified_staff``); 403 to others."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not verified_staff(request.user):
            return JsonResponse({"error": "Only signed-in staff may use the editor."}, status=403)
        return view(request, *args, **kwargs)

    return guarded


class PreviewView(MarkdownifyView):
    def post(self, request, *args, **kwargs):
        if "content" not in request.POST:
            return HttpResponseBadRequest("Send the Markdown to preview as “content”.")
        return super().post(request, *args, **kwargs)


class EditorImageForm(ImageForm):
    """markdownx's upload form (declared type and byte size checked), then Pillow's word."""

    def clean(self):
        upload = super().clean()
        self.image = _decoded_image(upload)
        return upload

    def save(self, commit: bool = True) -> str:
        image = ImageOps.exif_transpose(self.image)  # turned as the camera meant, then no EXIF
        image.thumbnail(MARKDOWNX_IMAGE_MAX_SIZE["size"])
        data = BytesIO()
        image.save(data, self.image.format, quality=MARKDOWNX_IMAGE_MAX_SIZE.get("quality", 90))
        name = f"{MARKDOWNX_MEDIA_PATH}{uuid.uuid4().hex}.{EXTENSIONS[self.image.format]}"
        return default_storage.url(default_storage.save(name, ContentFile(data.getvalue())))


def _decoded_image(upload) -> Image.Image:
    """The upload decoded in full, if it is a PNG or JPEG of an allowed size; else a
    ValidationError saying what is wrong."""
    side, pixels = settings.EDITOR_IMAGE_MAX_SIDE, settings.EDITOR_IMAGE_MAX_PIXELS
    too_large = (
        f"Images may be at most {side} pixels wide and {side} high, "
        f"and {pixels // 1_000_000} megapixels in all."
    )
    try:
        # Opening reads the header only; the size is checked before anything is decoded.
        image = Image.open(upload)
        if image.format not in EXTENSIONS:
            raise ValidationError(NOT_AN_IMAGE, code="not_image")
        width, height = image.size
        if max(width, height) > side or width * height > pixels:
            raise ValidationError(too_large, code="too_large")
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(too_large, code="too_large") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_image") from error
    return image


class UploadView(ImageUploadView):
    form_class = EditorImageForm
    http_method_names = ["post"]

    def form_invalid(self, form):
        messages = [message for field in form.errors.values() for message in field]
        return JsonResponse({"error": " ".join(messages)}, status=400)

    def form_valid(self, form):
        return JsonResponse({"image_code": f"![]({form.save()})"})


def serve_media(request, path: str):
    """A file under ``MEDIA_ROOT``, served so that no browser runs or sniffs it."""
    response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    if response.status_code != 200:
        return response  # a 304 has no body to describe
    # Stored names are never reused (random, or made unique by the storage): a day is safe.
    response["Cache-Control"] = "public, max-age=86400"
    content_type = response.get("Content-Type", "").split(";")[0]
    inline = content_type in INLINE_TYPES
    if not inline:
        response["Content-Type"] = "application/octet-stream"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=PurePosixPath(path).name
    )
    return response


preview = staff_only(PreviewView.as_view())
upload = staff_only(UploadView.as_view())
