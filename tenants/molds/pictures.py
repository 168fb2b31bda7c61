"""Mold pictures: normalise a registered mold image and compare a seal picture to it.

同模同轨: an enterprise's electronic official seal must look exactly like the physical
seal registered with the police. Registries hold scans or exports in many forms (red on
white, red on transparent, black on white, GIF/JPEG/PNG, any resolution), so both the
mold and a vendor's seal picture are first *normalised*:

1. ink per pixel = alpha x max(redness, darkness), where redness = (R - max(G, B)) / 255
   and darkness = 1 - luma / 255. Red ink and black ink both count; white or
   transparent paper does not.
2. crop to the ink's bounding box (ink > 25 %), so a picture with a different margin or
   offset on its canvas is the same seal;
3. resize to the record's size in mm at `NORMAL_DPI`, and store as red
   (`SEAL_RED`) on a transparent background, with ink as the alpha channel.

Comparison (`compare`) renders both at `COMPARE_PX_PER_MM` (16 px/mm), thresholds ink
at 50 %, and counts *mismatch* pixels: ink in one picture with no ink within
`TOLERANCE_PX` (1 px = 0.0625 mm) in the other, in both directions. The tolerance absorbs
anti-aliasing and resampling jitter (re-encoding, another DPI, JPEG); anything that moves
ink further than that shows up as a strip of mismatch along the moved edges.

The verdict is on the mismatch *area*: at most `MAX_MISMATCH_MM2` = 1.0 mm^2 in total
and at most `MAX_CELL_MISMATCH_MM2` = 0.15 mm^2 inside any 4 x 4 mm cell, so a small local
change (one digit of the seal code) cannot hide in a large seal. Measured with the
generated 42 mm round seal (tests/tenants/test_tenants_molds.py checks these cases):
the same mold re-encoded, resampled from 150/300/600 dpi, JPEG q60 on white paper at an
offset, or at half resolution scores <= 0.06 mm^2 (worst cell <= 0.02); one digit of the
seal code changed (5 -> 6) 0.23 / 0.23, one character of the name changed 3.4 / 2.0, the
star 7 % smaller 3.8 / 0.6, the star moved 0.25 mm 4.3 / 1.1, the border 0.3 mm thinner
14.1 / 0.7. The cell limit sits ~7x above the re-encoding noise and below the smallest
real alteration.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps, UnidentifiedImageError

from hub.errors import ValidationFailed
from hub.pictures import SEAL_RED

NORMAL_DPI = 300
COMPARE_PX_PER_MM = 16
TOLERANCE_PX = 1
MAX_MISMATCH_MM2 = 1.0
CELL_MM = 4
MAX_CELL_MISMATCH_MM2 = 0.15
_INK_CROP = 64  # of 255: what counts as ink when finding the seal's extent
_MAX_PIXELS = 40_000_000  # a mold image larger than this is refused (decompression bombs)


@dataclass(frozen=True)
class MoldMatch:
    matched: bool
    mismatch_mm2: float  # total area of ink present in only one of the pictures
    worst_cell_mm2: float  # the largest mismatch inside one CELL_MM x CELL_MM cell
    detail: str


def _load(picture: bytes, what: str) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(picture))
        if img.width * img.height > _MAX_PIXELS:
            raise ValidationFailed(
                f"the {what} is too large ({img.width}x{img.height})", field=what
            )
        img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(f"the {what} is not a readable image: {exc}", field=what) from exc
    return img


def ink_mask(picture: bytes, *, what: str = "picture") -> Image.Image:
    """An 'L' image where 255 is full ink and 0 is paper (see module doc, step 1)."""
    img = _load(picture, what)
    rgba = img.convert("RGBA")
    r, g, b, a = rgba.split()
    redness = ImageChops.subtract(r, ImageChops.lighter(g, b))
    darkness = ImageOps.invert(rgba.convert("RGB").convert("L"))
    ink = ImageChops.lighter(redness, darkness)
    ink = ImageChops.multiply(ink, a)
    # Stretch so that ink at 85 % of the strongest is full strength: a pale scan is still
    # a seal, and JPEG noise inside solid areas does not read as partial ink.
    hi = int(ink.getextrema()[1])  # type: ignore[arg-type]  # "L" mode: (min, max) ints
    if hi < 32:
        raise ValidationFailed(f"the {what} has no visible ink", field=what)
    full = hi * 0.85
    return ink.point(lambda v: min(255, round(v * 255 / full)))


def _crop_to_ink(ink: Image.Image, what: str) -> Image.Image:
    box = ink.point(lambda v: 255 if v > _INK_CROP else 0).getbbox()
    if box is None:
        raise ValidationFailed(f"the {what} has no visible ink", field=what)
    return ink.crop(box)


def normalised_ink(
    picture: bytes, width_mm: float, height_mm: float, *, px_per_mm: float, what: str = "picture"
) -> Image.Image:
    ink = _crop_to_ink(ink_mask(picture, what=what), what)
    size = (max(1, round(width_mm * px_per_mm)), max(1, round(height_mm * px_per_mm)))
    return ink.resize(size, Image.Resampling.LANCZOS)


def normalise_mold(
    picture: bytes, *, width_mm: float, height_mm: float, dpi: int = NORMAL_DPI
) -> bytes:
    """The mold as the hub stores it: red ink, transparent paper, the record's size."""
    if width_mm <= 0 or height_mm <= 0:
        raise ValidationFailed("the mold size must be positive", field="size_mm")
    alpha = normalised_ink(picture, width_mm, height_mm, px_per_mm=dpi / 25.4, what="mold")
    red = Image.new("RGB", alpha.size, SEAL_RED)
    red.putalpha(alpha)
    out = io.BytesIO()
    red.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def _binary(ink: Image.Image) -> Image.Image:
    return ink.point(lambda v: 255 if v >= 128 else 0)


def compare(candidate: bytes, mold: bytes, *, width_mm: float, height_mm: float) -> MoldMatch:
    """Does the seal picture `candidate` show the registered `mold`? (module doc)"""
    px = COMPARE_PX_PER_MM
    a = _binary(normalised_ink(candidate, width_mm, height_mm, px_per_mm=px, what="picture"))
    b = _binary(normalised_ink(mold, width_mm, height_mm, px_per_mm=px, what="mold"))
    grow = ImageFilter.MaxFilter(2 * TOLERANCE_PX + 1)
    only_a = ImageChops.subtract(a, b.filter(grow))
    only_b = ImageChops.subtract(b, a.filter(grow))
    mismatch = ImageChops.lighter(only_a, only_b)
    px_area = 1.0 / (px * px)
    total = mismatch.histogram()[255] * px_area
    cell = CELL_MM * px
    worst = 0.0
    for top in range(0, mismatch.height, cell // 2):  # half-overlapping cells
        for left in range(0, mismatch.width, cell // 2):
            part = mismatch.crop((left, top, left + cell, top + cell))
            worst = max(worst, part.histogram()[255] * px_area)
    matched = total <= MAX_MISMATCH_MM2 and worst <= MAX_CELL_MISMATCH_MM2
    detail = (
        f"mismatch {total:.2f} mm^2 (limit {MAX_MISMATCH_MM2}), worst {CELL_MM} mm cell "
        f"{worst:.2f} mm^2 (limit {MAX_CELL_MISMATCH_MM2})"
    )
    return MoldMatch(matched, round(total, 3), round(worst, 3), detail)
