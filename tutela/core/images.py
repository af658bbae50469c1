"""Photos are decoded, checked and re-encoded in memory before they are encrypted.

Re-encoding strips metadata (EXIF can hold the GPS position of a child's home) and anything that is
not pixels; the thumbnail is made here too so that both are encrypted by the vault.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 8 * 1024 * 1024
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000
PHOTO_SIZE = (600, 600)
THUMB_SIZE = (96, 96)


@dataclass(frozen=True)
class Photo:
    full: bytes
    thumbnail: bytes


def _jpeg(image: Image.Image, size: tuple[int, int]) -> bytes:
    copy = ImageOps.fit(image, size) if size == THUMB_SIZE else image.copy()
    if size != THUMB_SIZE:
        copy.thumbnail(size)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def normalise_photo(data: bytes) -> Photo:
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError(
            f"The photo is {len(data) // 1024 // 1024} MB; the largest accepted is 8 MB.", code="too_big"
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError("The photo has too many pixels (40 megapixels at most).", code="big")
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError("The file is not a JPEG, PNG or WebP image.", code="invalid_image")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            return Photo(full=_jpeg(image, PHOTO_SIZE), thumbnail=_jpeg(image, THUMB_SIZE))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError("The file is not a JPEG, PNG or WebP image.", code="invalid_image") from None
