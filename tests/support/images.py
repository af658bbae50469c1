"""Test photos drawn with Pillow: synthetic, with a pattern whose colours a test can look for."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

BAND = (0x5A, 0x17, 0xC3)  # unusual colours: a run of them in any file means an unencrypted bitmap
SQUARE = (0xE8, 0x91, 0x2D)


def checkerboard(size: int = 480, cell: int = 60) -> Image.Image:
    """A checkerboard of SQUARE on BAND whose top row of cells is one solid BAND stripe."""
    image = Image.new("RGB", (size, size), BAND)
    draw = ImageDraw.Draw(image)
    for row in range(1, size // cell):
        for column in range(size // cell):
            if (row + column) % 2:
                x, y = column * cell, row * cell
                draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=SQUARE)
    return image


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()
