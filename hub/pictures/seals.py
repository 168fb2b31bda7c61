"""Standard seal pictures drawn with Pillow.

Both renderers draw a coverage mask at `_SUPERSAMPLE` times the final resolution,
shrink it with a box filter (so edges are anti-aliased and the result is
deterministic), and use it as the alpha channel of a flat red image. A seal picture
is therefore always "red ink on a transparent background", which is also the form
the mold registry normalises to.

Sizes are given in millimetres, as on the physical seal; pixels = mm / 25.4 * dpi.
Proportions follow the usual public-security layout for a 42 mm round official seal
(GA 241): ~1.2 mm border, a 14 mm five-pointed star, the unit name on the upper arc
(about 240 degrees) and the 13-digit seal code on the lower arc.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

from hub.errors import ValidationFailed
from hub.pictures.fonts import FontType, cjk_font

DEFAULT_DPI = 300
SEAL_RED = (230, 0, 18)
_SUPERSAMPLE = 4
# Seal lettering is condensed: glyphs are narrower than they are tall.
_CONDENSE = 0.78


def mm_to_px(mm: float, dpi: int = DEFAULT_DPI) -> int:
    """Pixels for a length in millimetres at `dpi` dots per inch (rounded)."""
    return max(1, round(mm / 25.4 * dpi))


def render_official_seal(
    unit_name: str, seal_code: str, diameter_mm: int = 42, *, dpi: int = DEFAULT_DPI
) -> bytes:
    """A round official seal (公章): red PNG, transparent background, `dpi` stated in it."""
    unit_name = unit_name.strip()
    if not unit_name:
        raise ValidationFailed("the unit name is empty", field="unit_name")
    if not 20 <= diameter_mm <= 80:
        raise ValidationFailed("diameter must be 20..80 mm", field="diameter_mm")
    size = mm_to_px(diameter_mm, dpi)
    big = size * _SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    c = big / 2
    border = big * 1.2 / 42
    radius = big / 2 - big * 0.005
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), fill=255)
    inner = radius - border
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), fill=0)

    _draw_star(draw, c, c, big * 7.0 / 42)

    # Unit name: characters upright towards the rim, on an arc of at most 250 degrees.
    name_size = big * 6.5 / 42
    name_radius = inner - big * 1.3 / 42 - name_size / 2
    span = math.radians(min(250.0, 30.0 * len(unit_name)))
    step_arc = name_radius * span / max(1, len(unit_name) - 1) if len(unit_name) > 1 else 0
    # Long names: first make the glyphs narrower (down to half width, as carved seals
    # do), and only then smaller.
    condense = _CONDENSE
    if len(unit_name) > 1 and step_arc < name_size * condense:
        condense = max(0.5, step_arc * 0.66 / name_size)
        if step_arc * 0.66 < name_size * condense:
            name_size = step_arc * 0.66 / condense
            name_radius = inner - big * 1.3 / 42 - name_size / 2
            step_arc = name_radius * span / (len(unit_name) - 1)
    font = cjk_font(round(name_size))
    step = step_arc / name_radius if len(unit_name) > 1 else 0.0
    start = -step * (len(unit_name) - 1) / 2
    for i, ch in enumerate(unit_name):
        theta = start + i * step
        _place_glyph(mask, ch, font, c, c, name_radius, theta, math.degrees(theta),
                     condense=condense)

    # Seal code: small digits on the lower arc, reading left to right, feet outwards.
    code = seal_code.strip()
    if code:
        code_size = big * 2.6 / 42
        code_radius = inner - big * 0.8 / 42 - code_size / 2
        code_font = cjk_font(round(code_size))
        step = code_size * 0.62 / code_radius
        start = math.pi + step * (len(code) - 1) / 2
        for i, ch in enumerate(code):
            theta = start - i * step
            _place_glyph(
                mask, ch, code_font, c, c, code_radius, theta,
                math.degrees(theta - math.pi), condense=1.0,
            )
    return _to_png(mask, size, size, dpi)


def render_personal_seal(name: str, size_mm: int = 20, *, dpi: int = DEFAULT_DPI) -> bytes:
    """A square personal name seal (名章): red PNG, transparent background.

    Characters are set in columns read right to left, top to bottom, as on a carved
    seal; one- and three-character names get 印 and two-character names 之印, so the
    face is a full grid (1 x 2 or 2 x 2).
    """
    name = name.strip()
    if not name:
        raise ValidationFailed("the name is empty", field="name")
    if not 8 <= size_mm <= 60:
        raise ValidationFailed("size must be 8..60 mm", field="size_mm")
    text = name + {1: "印", 2: "之印", 3: "印"}.get(len(name), "")
    size = mm_to_px(size_mm, dpi)
    big = size * _SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    border = big * 0.07
    draw.rectangle((0, 0, big - 1, big - 1), fill=255)
    draw.rectangle((border, border, big - 1 - border, big - 1 - border), fill=0)

    # Two columns of tall characters (three for long names), read right to left.
    cols = 2 if len(text) <= 6 else 3
    rows = max(1, math.ceil(len(text) / cols))
    pad = border * 1.6
    cell_w = (big - 2 * pad) / cols
    cell_h = (big - 2 * pad) / rows
    font = cjk_font(round(min(cell_w / 0.95, cell_h) * 0.95))
    for i, ch in enumerate(text):
        col = cols - 1 - i // rows  # right-most column first
        row = i % rows
        cx = pad + (col + 0.5) * cell_w
        cy = pad + (row + 0.5) * cell_h
        glyph = _glyph(ch, font, stretch=(cell_w * 0.95, cell_h * 0.95))
        mask.paste(255, (round(cx - glyph.width / 2), round(cy - glyph.height / 2)), glyph)
    return _to_png(mask, size, size, dpi)


def _draw_star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r_outer: float) -> None:
    r_inner = r_outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for k in range(10):
        r = r_outer if k % 2 == 0 else r_inner
        a = math.radians(-90 + 36 * k)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(points, fill=255)


def _glyph(
    ch: str, font: FontType, *, condense: float = _CONDENSE,
    stretch: tuple[float, float] | None = None,
) -> Image.Image:
    """One character as a tight "L" mask, condensed or stretched to a box."""
    # A stroke makes the thin sans-serif strokes look carved rather than printed.
    stroke = max(1, round(getattr(font, "size", 10) / 45))
    left, top, right, bottom = font.getbbox(ch, stroke_width=stroke)
    w, h = max(1, int(right - left)), max(1, int(bottom - top))
    img = Image.new("L", (w + 2, h + 2), 0)
    ImageDraw.Draw(img).text(
        (1 - left, 1 - top), ch, font=font, fill=255, stroke_width=stroke, stroke_fill=255
    )
    if stretch is not None:
        target = (max(1, round(stretch[0])), max(1, round(stretch[1])))
    else:
        # Keep the glyph's own height (digits are shorter than Han characters).
        target = (max(1, round(img.width * condense)), img.height)
    return img.resize(target, Image.Resampling.BICUBIC)


def _place_glyph(
    mask: Image.Image, ch: str, font: FontType, cx: float, cy: float, radius: float,
    theta: float, rotate_cw_deg: float, *, condense: float = _CONDENSE,
) -> None:
    """Paste `ch` centred at angle `theta` (clockwise from 12 o'clock) on a circle."""
    glyph = _glyph(ch, font, condense=condense)
    rotated = glyph.rotate(-rotate_cw_deg, resample=Image.Resampling.BICUBIC, expand=True)
    x = cx + radius * math.sin(theta)
    y = cy - radius * math.cos(theta)
    mask.paste(255, (round(x - rotated.width / 2), round(y - rotated.height / 2)), rotated)


def _to_png(mask: Image.Image, width: int, height: int, dpi: int) -> bytes:
    alpha = mask.resize((width, height), Image.Resampling.BOX)
    red = Image.new("RGB", (width, height), SEAL_RED)
    red.putalpha(alpha)
    out = io.BytesIO()
    red.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()
