"""Cartoon portraits drawn with Pillow: the demo never uses a real child's photo."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

SKIN = ["#f1c6a6", "#e0ac8a", "#c68863", "#a86b4a", "#8d5524", "#5c3a21", "#f3d5c0", "#d9a07b"]
HAIR = ["#2b1b12", "#4a2e1c", "#6b4226", "#a0522d", "#d2a15c", "#1b1b1b", "#7a3b1e", "#e8c47c"]
BACKDROP = ["#cfe3f6", "#d8ecd3", "#f6e2c9", "#e7d8f2", "#f2d3d8", "#d3eeee"]
UNIFORM = ["#1d4e89", "#7a1f3d", "#1e6b3a"]


def draw_avatar(seed: int, size: int = 320) -> bytes:
    """A PNG portrait, different for each seed: backdrop, uniform, skin, hair, eyes, smile."""
    rng = random.Random(seed)
    scale = size / 320
    image = Image.new("RGB", (size, size), rng.choice(BACKDROP))
    draw = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * scale, y0 * scale, x1 * scale, y1 * scale)

    skin, hair = rng.choice(SKIN), rng.choice(HAIR)
    draw.ellipse(box(50, 250, 270, 420), fill=rng.choice(UNIFORM))  # shoulders
    draw.polygon(
        [(130 * scale, 250 * scale), (160 * scale, 300 * scale), (190 * scale, 250 * scale)], fill="#ffffff"
    )
    draw.rectangle(box(140, 200, 180, 260), fill=skin)  # neck
    long_hair = rng.random() < 0.5
    if long_hair:
        draw.rounded_rectangle(box(82, 70, 238, 270), radius=60 * scale, fill=hair)
    draw.ellipse(box(95, 70, 225, 230), fill=skin)  # face
    draw.pieslice(box(88, 55, 232, 185), 180, 360, fill=hair)  # fringe
    if rng.random() < 0.4:
        draw.ellipse(box(88, 45, 232, 120), fill=hair)
    eye_y = 140 + rng.randint(-6, 6)
    for x in (130, 176):
        draw.ellipse(box(x, eye_y, x + 14, eye_y + 16), fill="#ffffff")
        draw.ellipse(box(x + 3, eye_y + 4, x + 11, eye_y + 13), fill="#3b2a1a")
    draw.arc(box(135, 165, 185, 200), 20, 160, fill="#8a3b2e", width=max(2, int(4 * scale)))
    if rng.random() < 0.25:  # glasses
        for x in (124, 170):
            draw.ellipse(
                box(x, eye_y - 6, x + 28, eye_y + 22), outline="#333333", width=max(1, int(3 * scale))
            )
        draw.line(box(152, eye_y + 6, 170, eye_y + 6), fill="#333333", width=max(1, int(3 * scale)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
