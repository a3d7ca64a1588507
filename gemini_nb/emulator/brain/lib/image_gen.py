"""Deterministic "generated" images for the emulator's image-output skills.

The real API returns a picture that depends on the prompt; notebooks then display it,
save it, or feed it back as input. A flat placeholder would hide bugs in all of those
paths (wrong dimensions, wrong mime type, base64 mix-ups), so this module draws a small
but real scene: a gradient sky in colours named by the prompt, a few glyphs for the
objects it mentions (sun, mountain, tree, cat, star, ...) and the prompt as a caption.

Everything is a pure function of its arguments: same prompt, ratio, size, mime type and
seed give byte-identical output, which keeps recorded notebooks and tests stable.
Pillow is imported lazily so that importing the emulator stays fast.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import re
from typing import Any, NamedTuple

ASPECT_RATIOS: tuple[str, ...] = (
    "1:1",
    "2:3",
    "3:2",
    "3:4",
    "4:3",
    "4:5",
    "5:4",
    "9:16",
    "16:9",
    "21:9",
)
"""The ten aspect ratios documented for Gemini image generation."""

IMAGE_SIZES: tuple[str, ...] = ("512", "1K", "2K", "4K")
MIME_TYPES: tuple[str, ...] = ("image/png", "image/jpeg", "image/webp")

# Published output sizes. 1K follows the Gemini 2.5 Flash Image table (16:9 -> 1344x768);
# 2K and 4K follow the Gemini 3 Pro Image table; 512 is half of the 3.x 1K row, the
# ~0.25 MP tier of Gemini 3.1 Flash Image. Every value is a multiple of 8.
_DIMENSIONS: dict[str, dict[str, tuple[int, int]]] = {
    "512": {
        "1:1": (512, 512),
        "2:3": (424, 632),
        "3:2": (632, 424),
        "3:4": (448, 600),
        "4:3": (600, 448),
        "4:5": (464, 576),
        "5:4": (576, 464),
        "9:16": (384, 688),
        "16:9": (688, 384),
        "21:9": (792, 336),
    },
    "1K": {
        "1:1": (1024, 1024),
        "2:3": (832, 1248),
        "3:2": (1248, 832),
        "3:4": (864, 1184),
        "4:3": (1184, 864),
        "4:5": (896, 1152),
        "5:4": (1152, 896),
        "9:16": (768, 1344),
        "16:9": (1344, 768),
        "21:9": (1536, 672),
    },
    "2K": {
        "1:1": (2048, 2048),
        "2:3": (1696, 2528),
        "3:2": (2528, 1696),
        "3:4": (1792, 2400),
        "4:3": (2400, 1792),
        "4:5": (1856, 2304),
        "5:4": (2304, 1856),
        "9:16": (1536, 2752),
        "16:9": (2752, 1536),
        "21:9": (3168, 1344),
    },
    "4K": {
        "1:1": (4096, 4096),
        "2:3": (3392, 5056),
        "3:2": (5056, 3392),
        "3:4": (3584, 4800),
        "4:3": (4800, 3584),
        "4:5": (3712, 4608),
        "5:4": (4608, 3712),
        "9:16": (3072, 5504),
        "16:9": (5504, 3072),
        "21:9": (6336, 2688),
    },
}

# Colour words -> RGB. Scene words (sunset, ocean, ...) contribute a whole sky.
_COLORS: dict[str, tuple[int, int, int]] = {
    "red": (214, 48, 49),
    "crimson": (170, 20, 50),
    "orange": (240, 140, 40),
    "yellow": (250, 215, 60),
    "gold": (230, 180, 50),
    "golden": (230, 180, 50),
    "green": (60, 170, 80),
    "lime": (160, 220, 60),
    "teal": (20, 140, 140),
    "cyan": (60, 200, 220),
    "blue": (50, 100, 210),
    "navy": (20, 35, 90),
    "purple": (130, 60, 170),
    "violet": (150, 90, 210),
    "pink": (240, 130, 180),
    "magenta": (210, 50, 160),
    "brown": (130, 85, 50),
    "white": (245, 245, 245),
    "black": (25, 25, 30),
    "gray": (128, 128, 135),
    "grey": (128, 128, 135),
    "silver": (190, 195, 205),
    "turquoise": (64, 210, 200),
    "beige": (225, 210, 180),
}
_SCENES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "sunset": ((70, 40, 120), (250, 150, 70)),
    "sunrise": ((120, 150, 220), (255, 190, 120)),
    "ocean": ((70, 150, 220), (10, 60, 130)),
    "sea": ((90, 170, 230), (20, 80, 150)),
    "beach": ((120, 200, 240), (240, 220, 170)),
    "forest": ((150, 200, 160), (30, 90, 45)),
    "jungle": ((120, 190, 120), (20, 80, 30)),
    "night": ((5, 10, 40), (40, 50, 110)),
    "space": ((0, 0, 10), (30, 10, 60)),
    "desert": ((250, 210, 150), (220, 160, 90)),
    "snow": ((200, 215, 235), (250, 250, 255)),
    "winter": ((170, 190, 220), (240, 245, 250)),
    "autumn": ((240, 180, 90), (160, 70, 30)),
    "fire": ((120, 20, 10), (255, 170, 40)),
    "sky": ((80, 140, 230), (190, 220, 250)),
    "neon": ((20, 0, 50), (230, 40, 200)),
    "cyberpunk": ((15, 5, 45), (0, 200, 220)),
}

# Words -> glyph names. Several synonyms map to one drawing routine.
_GLYPH_WORDS: dict[str, str] = {
    "sun": "sun",
    "sunny": "sun",
    "sunset": "sun",
    "sunrise": "sun",
    "moon": "moon",
    "night": "moon",
    "circle": "circle",
    "ball": "circle",
    "planet": "circle",
    "dot": "circle",
    "bubble": "circle",
    "square": "square",
    "box": "square",
    "cube": "square",
    "rectangle": "square",
    "house": "house",
    "home": "house",
    "building": "house",
    "cabin": "house",
    "triangle": "triangle",
    "pyramid": "triangle",
    "star": "star",
    "stars": "star",
    "starry": "star",
    "space": "star",
    "mountain": "mountain",
    "mountains": "mountain",
    "hill": "mountain",
    "hills": "mountain",
    "tree": "tree",
    "trees": "tree",
    "forest": "tree",
    "pine": "tree",
    "jungle": "tree",
    "cat": "cat",
    "kitten": "cat",
    "dog": "cat",
    "puppy": "cat",
    "fox": "cat",
    "ocean": "waves",
    "sea": "waves",
    "water": "waves",
    "lake": "waves",
    "beach": "waves",
    "river": "waves",
    "wave": "waves",
    "waves": "waves",
    "cloud": "cloud",
    "clouds": "cloud",
    "cloudy": "cloud",
    "rain": "cloud",
    "flower": "flower",
    "flowers": "flower",
    "rose": "flower",
    "garden": "flower",
    "heart": "heart",
    "love": "heart",
    "bird": "bird",
    "birds": "bird",
}
# Background glyphs are drawn first so the foreground ones sit on top of them.
_LAYER = {
    "sun": 0,
    "moon": 0,
    "star": 0,
    "cloud": 1,
    "bird": 1,
    "mountain": 2,
    "waves": 3,
    "tree": 4,
    "house": 4,
    "flower": 5,
    "cat": 5,
    "circle": 5,
    "square": 5,
    "triangle": 5,
    "heart": 5,
}
_FALLBACK_GLYPHS = ("circle", "square", "triangle", "star", "heart", "flower", "cloud")


def _norm_ratio(aspect_ratio: Any) -> str:
    ratio = str(aspect_ratio if aspect_ratio is not None else "1:1").strip().replace(" ", "")
    if ratio not in ASPECT_RATIOS:
        raise ValueError(
            f"unsupported aspect_ratio {aspect_ratio!r}; expected one of {', '.join(ASPECT_RATIOS)}"
        )
    return ratio


def _norm_size(image_size: Any) -> str:
    size = str(image_size if image_size is not None else "1K").strip().upper()
    if size not in IMAGE_SIZES:
        raise ValueError(
            f"unsupported image_size {image_size!r}; expected one of "
            f"{', '.join(IMAGE_SIZES)} (1k/2k/4k also accepted)"
        )
    return size


def image_dimensions(aspect_ratio: str = "1:1", image_size: str = "1K") -> tuple[int, int]:
    """Pixel ``(width, height)`` the real API produces for this ratio and size tier.

    Sizes are case-insensitive so the legacy ``1k``/``2k``/``4k`` spellings work too.
    Raises ``ValueError`` naming the bad value for an unknown ratio or size.
    """
    return _DIMENSIONS[_norm_size(image_size)][_norm_ratio(aspect_ratio)]


def _norm_mime(mime_type: Any) -> str:
    mime = str(mime_type or "image/png").strip().lower()
    mime = {"image/jpg": "image/jpeg"}.get(mime, mime)
    if mime not in MIME_TYPES:
        raise ValueError(
            f"unsupported image mime_type {mime_type!r}; expected one of {', '.join(MIME_TYPES)}"
        )
    return mime


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, int, int]:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))  # type: ignore[return-value]


def _hash_color(digest: bytes, offset: int, light: float) -> tuple[int, int, int]:
    """A saturated colour from two digest bytes, so unknown prompts still differ."""
    import colorsys

    hue = digest[offset] / 255.0
    sat = 0.45 + digest[offset + 1] / 255.0 * 0.4
    r, g, b = colorsys.hls_to_rgb(hue, light, sat)
    return int(r * 255), int(g * 255), int(b * 255)


def _palette(words: list[str], digest: bytes) -> dict[str, tuple[int, int, int]]:
    """Sky top/bottom, ground and accent colours taken from the prompt's words."""
    scene = next((_SCENES[w] for w in words if w in _SCENES), None)
    colors = [_COLORS[w] for w in words if w in _COLORS]
    if scene:
        top, bottom = scene
    elif len(colors) >= 2:
        top, bottom = _mix(colors[0], (255, 255, 255), 0.25), colors[1]
    elif colors:
        top, bottom = _mix(colors[0], (255, 255, 255), 0.55), _mix(colors[0], (0, 0, 0), 0.2)
    else:
        top, bottom = _hash_color(digest, 0, 0.75), _hash_color(digest, 2, 0.5)
    accent = colors[0] if colors else _hash_color(digest, 4, 0.45)
    ground = _mix(bottom, (20, 60, 30) if "forest" in words else (60, 50, 40), 0.55)
    return {"top": top, "bottom": bottom, "ground": ground, "accent": accent}


def _glyphs(words: list[str], digest: bytes) -> list[str]:
    found: list[str] = []
    for w in words:
        g = _GLYPH_WORDS.get(w)
        if g and g not in found:
            found.append(g)
    if not found:  # nothing recognisable: two hash-chosen shapes keep prompts distinct
        found = [_FALLBACK_GLYPHS[digest[6] % 7], _FALLBACK_GLYPHS[(digest[6] // 7 + 1) % 7]]
    found = found[:6]
    return sorted(found, key=lambda g: _LAYER[g])


def _star(cx: float, cy: float, r: float, points: int = 5) -> list[tuple[float, float]]:
    pts = []
    for i in range(points * 2):
        rad = r if i % 2 == 0 else r * 0.45
        a = -math.pi / 2 + i * math.pi / points
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return pts


class _Canvas(NamedTuple):
    """What every glyph drawer needs: the surface, its geometry, palette and layout randomness."""

    d: Any
    w: int
    h: int
    horizon: int
    pal: dict
    rng: random.Random
    slot: float
    u: int
    """The short side: glyph sizes scale with it."""
    cx: int
    """Horizontal centre of a foreground glyph (from ``slot``, jittered)."""


def _draw_sun(c: _Canvas) -> None:
    d, u = c.d, c.u
    x, y, r = int(c.w * c.rng.uniform(0.65, 0.85)), int(c.horizon * c.rng.uniform(0.25, 0.45)), u // 9
    for i in range(12):
        a = i * math.pi / 6
        d.line(
            [
                (x + r * 1.2 * math.cos(a), y + r * 1.2 * math.sin(a)),
                (x + r * 1.7 * math.cos(a), y + r * 1.7 * math.sin(a)),
            ],
            fill=(255, 200, 60),
            width=max(2, u // 160),
        )
    d.ellipse([x - r, y - r, x + r, y + r], fill=(255, 214, 70))


def _draw_moon(c: _Canvas) -> None:
    x, y, r = int(c.w * c.rng.uniform(0.15, 0.3)), int(c.horizon * 0.3), c.u // 12
    c.d.ellipse([x - r, y - r, x + r, y + r], fill=(240, 240, 215))
    c.d.ellipse([x - r + r // 2, y - r - r // 5, x + r + r // 2, y + r - r // 5], fill=c.pal["top"])


def _draw_stars(c: _Canvas) -> None:
    for _ in range(7):
        x, y = c.rng.uniform(0.05, 0.95) * c.w, c.rng.uniform(0.05, 0.8) * c.horizon
        c.d.polygon(_star(x, y, c.u * c.rng.uniform(0.015, 0.04)), fill=(255, 245, 180))


def _draw_clouds(c: _Canvas) -> None:
    for _ in range(2):
        x, y, r = c.rng.uniform(0.15, 0.8) * c.w, c.rng.uniform(0.15, 0.45) * c.horizon, c.u * 0.05
        for dx, dy, k in ((-1.2, 0.2, 0.8), (0, 0, 1.1), (1.2, 0.2, 0.85), (0.5, -0.5, 0.8)):
            rr = r * k
            c.d.ellipse(
                [x + dx * r - rr, y + dy * r - rr, x + dx * r + rr, y + dy * r + rr], fill=(248, 248, 252)
            )


def _draw_birds(c: _Canvas) -> None:
    for _ in range(3):
        x, y, s = c.rng.uniform(0.2, 0.8) * c.w, c.rng.uniform(0.2, 0.5) * c.horizon, c.u * 0.025
        c.d.line(
            [(x - s, y - s * 0.5), (x, y), (x + s, y - s * 0.5)], fill=(30, 30, 40), width=max(2, c.u // 250)
        )


def _draw_mountains(c: _Canvas) -> None:
    w, horizon = c.w, c.horizon
    for i, (x0, peak, shade) in enumerate(((-0.1, 0.45, 0.35), (0.3, 0.3, 0.2), (0.6, 0.5, 0.3))):
        base_w = w * 0.6
        px, py = x0 * w + base_w / 2, horizon - (horizon * (1 - peak)) * 0.8
        c.d.polygon(
            [(x0 * w, horizon), (px, py), (x0 * w + base_w, horizon)],
            fill=_mix(c.pal["ground"], (90, 90, 110), shade + 0.2 * i),
        )
        cap = (horizon - py) * 0.22
        c.d.polygon(
            [(px - base_w / 2 * 0.22, py + cap), (px, py), (px + base_w / 2 * 0.22, py + cap)],
            fill=(245, 245, 250),
        )


def _draw_waves(c: _Canvas) -> None:
    w, h = c.w, c.h
    top = c.horizon + (h - c.horizon) // 4
    c.d.rectangle([0, top, w, h], fill=_mix(c.pal["bottom"], (25, 85, 170), 0.75))
    step = max(16, w // 16)
    for row in range(3):
        y = top + (row + 1) * (h - top) // 5
        pts = [(x, y + math.sin(x / step * math.pi) * step / 5) for x in range(0, w + step, step // 4)]
        c.d.line(pts, fill=(220, 235, 255), width=max(2, c.u // 200))


def _draw_trees(c: _Canvas) -> None:
    w, u = c.w, c.u
    for k in range(3):
        x = int(w * (0.08 + 0.12 * k) if c.slot < 0.5 else w * (0.68 + 0.12 * k))
        th, tw = u * 0.28, u * 0.09
        base = c.horizon + (c.h - c.horizon) * 0.35
        c.d.rectangle([x - tw / 6, base - th * 0.3, x + tw / 6, base], fill=(100, 65, 35))
        for j in range(3):
            y0 = base - th * 0.25 - j * th * 0.22
            c.d.polygon(
                [(x - tw * (1 - j * 0.2), y0), (x, y0 - th * 0.4), (x + tw * (1 - j * 0.2), y0)],
                fill=_mix((40, 130, 60), (10, 60, 25), j * 0.3),
            )


def _draw_house(c: _Canvas) -> None:
    d, cx = c.d, c.cx
    s, base = c.u * 0.16, c.horizon + (c.h - c.horizon) * 0.45
    d.rectangle([cx - s, base - s * 1.3, cx + s, base], fill=_mix(c.pal["accent"], (230, 220, 200), 0.5))
    d.polygon(
        [(cx - s * 1.2, base - s * 1.3), (cx, base - s * 2.2), (cx + s * 1.2, base - s * 1.3)],
        fill=(150, 50, 40),
    )
    d.rectangle([cx - s * 0.25, base - s * 0.7, cx + s * 0.25, base], fill=(90, 55, 30))


def _ground_spot(c: _Canvas) -> tuple[float, int]:
    """(size, centre y) of a foreground shape sitting on the ground line."""
    s = c.u * 0.11
    return s, int(c.horizon + (c.h - c.horizon) * 0.4 - s)


def _draw_circle(c: _Canvas) -> None:
    (s, cy), cx = _ground_spot(c), c.cx
    c.d.ellipse(
        [cx - s, cy - s, cx + s, cy + s],
        fill=c.pal["accent"],
        outline=(255, 255, 255),
        width=max(2, c.u // 200),
    )


def _draw_square(c: _Canvas) -> None:
    (s, cy), cx = _ground_spot(c), c.cx
    c.d.rectangle(
        [cx - s, cy - s, cx + s, cy + s], fill=c.pal["accent"], outline=(20, 20, 20), width=max(2, c.u // 200)
    )


def _draw_triangle(c: _Canvas) -> None:
    (s, cy), cx = _ground_spot(c), c.cx
    c.d.polygon([(cx - s * 1.1, cy + s), (cx, cy - s * 1.1), (cx + s * 1.1, cy + s)], fill=c.pal["accent"])


def _draw_heart(c: _Canvas) -> None:
    (s, cy), cx, d = _ground_spot(c), c.cx, c.d
    r = s * 0.55
    d.ellipse([cx - 2 * r, cy - r * 1.5, cx, cy + r * 0.5], fill=(220, 40, 80))
    d.ellipse([cx, cy - r * 1.5, cx + 2 * r, cy + r * 0.5], fill=(220, 40, 80))
    d.polygon(
        [(cx - 1.95 * r, cy - 0.2 * r), (cx, cy + 2 * r), (cx + 1.95 * r, cy - 0.2 * r)], fill=(220, 40, 80)
    )


def _draw_flower(c: _Canvas) -> None:
    (s, cy), cx, d = _ground_spot(c), c.cx, c.d
    d.line([(cx, cy), (cx, cy + s * 1.6)], fill=(40, 140, 50), width=max(3, c.u // 120))
    r = s * 0.45
    for i in range(6):
        a = i * math.pi / 3
        px, py = cx + r * 1.1 * math.cos(a), cy + r * 1.1 * math.sin(a)
        d.ellipse([px - r * 0.7, py - r * 0.7, px + r * 0.7, py + r * 0.7], fill=c.pal["accent"])
    d.ellipse([cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6], fill=(250, 210, 60))


def _draw_cat(c: _Canvas) -> None:
    (s, cy), cx, d = _ground_spot(c), c.cx, c.d
    fur = c.pal["accent"] if c.pal["accent"] != c.pal["bottom"] else (240, 150, 60)
    d.ellipse([cx - s * 1.2, cy, cx + s * 1.2, cy + s * 1.6], fill=fur)  # body
    d.ellipse([cx - s * 0.7, cy - s * 0.9, cx + s * 0.7, cy + s * 0.4], fill=fur)  # head
    for sign in (-1, 1):
        d.polygon(
            [
                (cx + sign * s * 0.65, cy - s * 0.45),
                (cx + sign * s * 0.55, cy - s * 1.25),
                (cx + sign * s * 0.15, cy - s * 0.8),
            ],
            fill=fur,
        )
        d.ellipse(
            [
                cx + sign * s * 0.3 - s * 0.1,
                cy - s * 0.35 - s * 0.1,
                cx + sign * s * 0.3 + s * 0.1,
                cy - s * 0.35 + s * 0.1,
            ],
            fill=(20, 20, 20),
        )


_DRAWERS = {
    "sun": _draw_sun,
    "moon": _draw_moon,
    "star": _draw_stars,
    "cloud": _draw_clouds,
    "bird": _draw_birds,
    "mountain": _draw_mountains,
    "waves": _draw_waves,
    "tree": _draw_trees,
    "house": _draw_house,
    "circle": _draw_circle,
    "square": _draw_square,
    "triangle": _draw_triangle,
    "heart": _draw_heart,
    "flower": _draw_flower,
    "cat": _draw_cat,
}
"""Glyph name -> drawer. Sky glyphs place themselves; the rest sit at the slot's ``cx``."""


def _draw_glyph(
    d: Any, name: str, w: int, h: int, horizon: int, pal: dict, rng: random.Random, slot: float
) -> None:
    """Draw one glyph. ``slot`` in [0, 1) spreads foreground glyphs left to right."""
    cx = int(w * (0.15 + 0.7 * slot) + rng.uniform(-0.04, 0.04) * w)
    drawer = _DRAWERS.get(name)
    if drawer is not None:
        drawer(_Canvas(d, w, h, horizon, pal, rng, slot, min(w, h), cx))


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # old Pillow or no FreeType: fixed bitmap font
        return ImageFont.load_default()


def _caption(img: Any, prompt: str, w: int, h: int) -> None:
    from PIL import ImageDraw

    text = " ".join(prompt.split()) or "(empty prompt)"
    size = max(12, min(w, h) // 24)
    font = _font(size)
    d = ImageDraw.Draw(img)
    limit = w - 2 * size
    text = text[: int(limit / (size * 0.2)) + 1]  # no glyph is narrower than 0.2 em
    if d.textlength(text, font=font) > limit:
        while text and d.textlength(text + "…", font=font) > limit:
            text = text[:-1]
        text = text.rstrip() + "…"
    pad = size // 2
    band = size + 2 * pad
    d.rectangle([0, h - band, w, h], fill=(15, 15, 20))
    d.text((size, h - band + pad), text, fill=(245, 245, 245), font=font)


def render_image(
    prompt: str,
    *,
    aspect_ratio: str = "1:1",
    image_size: str = "1K",
    mime_type: str = "image/png",
    seed: int = 0,
) -> bytes:
    """Encoded image bytes of a small scene drawn from ``prompt``.

    Dimensions follow :func:`image_dimensions`; ``mime_type`` is one of PNG, JPEG or
    WEBP. ``seed`` nudges the layout (glyph positions) without changing the palette, so
    the same prompt with a different seed looks like a sibling picture. Shapes are drawn
    at most ~1.6K on the long side and upscaled for 4K, which keeps a 4K PNG around half
    a second; the content is flat colours and smooth gradients, so files stay small.
    """
    import numpy as np
    from PIL import Image, ImageDraw

    w, h = image_dimensions(aspect_ratio, image_size)
    mime = _norm_mime(mime_type)
    prompt = str(prompt or "")
    words = re.findall(r"[a-z]+", prompt.lower())
    digest = hashlib.sha256(prompt.encode("utf-8")).digest()
    layout_seed = hashlib.sha256(digest + str(int(seed or 0)).encode()).digest()
    rng = random.Random(int.from_bytes(layout_seed[:8], "big"))
    pal = _palette(words, digest)

    scale = max(1, math.ceil(max(w, h) / 1600))  # draw at <= ~1.6K on the long side
    dw, dh = math.ceil(w / scale), math.ceil(h / scale)
    horizon = int(dh * 0.62)
    t = np.linspace(0.0, 1.0, horizon, dtype=np.float32)[:, None]
    sky = np.array(pal["top"], np.float32) * (1 - t) + np.array(pal["bottom"], np.float32) * t
    g = np.linspace(0.0, 1.0, dh - horizon, dtype=np.float32)[:, None]
    ground = np.array(pal["ground"], np.float32) * (1 - 0.5 * g)
    column = np.concatenate([sky, ground]).round().astype(np.uint8)  # (dh, 3)
    img = Image.fromarray(np.ascontiguousarray(np.broadcast_to(column[:, None, :], (dh, dw, 3))), "RGB")

    d = ImageDraw.Draw(img)
    glyphs = _glyphs(words, digest)
    front = [gname for gname in glyphs if _LAYER[gname] >= 4]
    for gname in glyphs:
        slot = (front.index(gname) + 0.5) / len(front) if gname in front else 0.5
        _draw_glyph(d, gname, dw, dh, horizon, pal, rng, slot)
    if scale > 1:
        img = img.resize((w, h), Image.Resampling.BILINEAR)
    _caption(img, prompt, w, h)

    buf = io.BytesIO()
    if mime == "image/png":
        img.save(buf, format="PNG", compress_level=6)
    elif mime == "image/jpeg":
        img.save(buf, format="JPEG", quality=88)
    else:
        img.save(buf, format="WEBP", quality=85, method=1)
    return buf.getvalue()
