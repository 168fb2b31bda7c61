"""Seal pictures per seal type: golden images (docs/seals/) within a tolerance, and the
rules of the specifications that a picture can be measured against (sizes in mm, the
clear channel inside the ring, the purpose line, the invoice seal's oval and tax code,
the square name seals' layouts)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image

from hub.errors import ValidationFailed
from hub.pictures.examples import EXAMPLES, LONG_UNIT, UNIT
from hub.pictures.seals import (
    SPECS,
    TEXT_GAP_MM,
    mm_to_px,
    render_personal_seal,
    render_seal,
)

GOLDEN = Path(__file__).resolve().parents[2] / "docs" / "seals"
# A pixel differs when its ink (alpha) differs by more than a quarter; a picture matches
# its golden image when at most 0.5 % of its pixels differ (FreeType versions move
# anti-aliased edges by a pixel, a layout change moves whole glyphs).
_PIXEL_DELTA = 64
_MAX_DIFFERENT = 0.005


def _alpha(png: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(png))
    assert img.mode == "RGBA"
    return img.getchannel("A")


def _different_fraction(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    pa, pb = a.tobytes(), b.tobytes()
    return sum(1 for x, y in zip(pa, pb, strict=True) if abs(x - y) > _PIXEL_DELTA) / len(pa)


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_picture_matches_its_golden_image(example: str) -> None:
    rendered = _alpha(EXAMPLES[example]())
    golden = _alpha((GOLDEN / f"{example}.png").read_bytes())
    assert _different_fraction(rendered, golden) <= _MAX_DIFFERENT


def test_the_golden_comparison_sees_a_changed_name() -> None:
    # The tolerance is not so loose that another picture passes as the golden one.
    other = _alpha(render_seal("official", UNIT.replace("科技", "科学"), seal_code="3301060012345"))
    golden = _alpha((GOLDEN / "official.png").read_bytes())
    assert _different_fraction(other, golden) > _MAX_DIFFERENT


@pytest.mark.parametrize(
    ("seal_type", "mm"),
    [
        ("official", (42, 42)),
        ("contract", (40, 40)),
        ("finance", (40, 40)),
        ("invoice", (40, 30)),
        ("legal-representative", (20, 20)),
        ("personal", (20, 20)),
    ],
)
def test_size_in_millimetres_per_type(seal_type: str, mm: tuple[int, int]) -> None:
    png = render_seal(
        seal_type,
        "王小明" if seal_type in ("personal", "legal-representative") else UNIT,
        seal_code="3301060012345",
        tax_code="91330106MA2B3C4D5E",
    )
    img = Image.open(io.BytesIO(png))
    assert img.size == (mm_to_px(mm[0]), mm_to_px(mm[1]))
    assert round(img.info["dpi"][0]) == 300


def _ring_channel_ink(png: bytes, seal_type: str) -> int:
    """Inked pixels in the channel just inside the ring that text must keep clear."""
    spec = SPECS[seal_type]
    alpha = _alpha(png)
    side = alpha.width
    px_mm = side / spec.width_mm
    c = side / 2
    inner = c - spec.border_mm * px_mm
    lo, hi = inner - (TEXT_GAP_MM - 0.15) * px_mm, inner - 0.2 * px_mm
    data = alpha.load()
    return sum(
        1
        for y in range(side)
        for x in range(side)
        if lo <= math.hypot(x + 0.5 - c, y + 0.5 - c) <= hi and data[x, y] > 128
    )


@pytest.mark.parametrize("seal_type", ["official", "contract", "finance"])
@pytest.mark.parametrize("name", [UNIT, LONG_UNIT, "某某公司"])
def test_name_and_code_never_touch_the_ring(seal_type: str, name: str) -> None:
    assert (
        _ring_channel_ink(render_seal(seal_type, name, seal_code="3301060012345"), seal_type) == 0
    )


def test_the_channel_check_sees_text_on_the_ring() -> None:
    # Same measure on a seal whose text is pushed outwards (gap 0): ink in the channel.
    from hub.pictures import seals

    original = seals.TEXT_GAP_MM
    seals.TEXT_GAP_MM = -0.3
    try:
        pushed = render_seal("official", UNIT, seal_code="3301060012345")
    finally:
        seals.TEXT_GAP_MM = original
    assert _ring_channel_ink(pushed, "official") > 50


def _rows_with_ink(png: bytes, x0: float, x1: float) -> set[int]:
    alpha = _alpha(png)
    data = alpha.load()
    return {
        y
        for y in range(alpha.height)
        for x in range(int(x0 * alpha.width), int(x1 * alpha.width))
        if data[x, y] > 128
    }


def test_purpose_line_under_the_star_differs_between_special_seals() -> None:
    contract = _alpha(render_seal("contract", UNIT, seal_code="3301060012345"))
    finance = _alpha(render_seal("finance", UNIT, seal_code="3301060012345"))
    side = contract.width
    px_mm = side / 40
    diff_rows = {
        y
        for y in range(side)
        for x in range(0, side, 2)
        if abs(contract.getpixel((x, y)) - finance.getpixel((x, y))) > 64
    }
    # Only the purpose line differs: a horizontal band 9.0 +- 2.3 mm below the centre.
    assert diff_rows
    assert min(diff_rows) >= side / 2 + 6.5 * px_mm
    assert max(diff_rows) <= side / 2 + 11.5 * px_mm
    # ... and it is horizontal: its ink rows are the same for the first and last glyph.
    band = list(range(round(side / 2 + 6.5 * px_mm), round(side / 2 + 11.5 * px_mm)))
    left = {
        y
        for y in band
        for x in range(round(side * 0.33), round(side * 0.4))
        if contract.getpixel((x, y)) > 128
    }
    right = {
        y
        for y in band
        for x in range(round(side * 0.6), round(side * 0.67))
        if contract.getpixel((x, y)) > 128
    }
    assert left and right and abs(min(left) - min(right)) <= 3


def test_company_seal_has_no_purpose_line_and_a_star() -> None:
    official = _alpha(render_seal("official", UNIT))
    side = official.width
    assert official.getpixel((side // 2, side // 2)) == 255  # the star's centre
    px_mm = side / 42
    band = range(round(side / 2 + 7 * px_mm), round(side / 2 + 11 * px_mm))
    middle = range(round(side * 0.4), round(side * 0.6))
    assert not any(official.getpixel((x, y)) > 128 for y in band for x in middle)


def test_invoice_seal_is_an_oval_with_the_tax_code_in_the_middle() -> None:
    a = _alpha(render_seal("invoice", UNIT, tax_code="91330106MA2B3C4D5E"))
    b = _alpha(render_seal("invoice", UNIT, tax_code="91330106MA2B3C4D5F"))
    w, h = a.size
    assert (w, h) == (mm_to_px(40), mm_to_px(30))
    assert a.getpixel((w // 2, 2)) > 128 and a.getpixel((2, h // 2)) > 128  # the oval ring
    assert a.getpixel((3, 3)) == 0  # outside the oval
    px_mm = w / 40
    rows = {
        y
        for y in range(h)
        for x in range(0, w, 2)
        if abs(a.getpixel((x, y)) - b.getpixel((x, y))) > 64
    }
    # The last character of the tax code differs: it sits across the centre line,
    # 3.7 mm high.
    assert rows and h / 2 - 2.2 * px_mm <= min(rows) and max(rows) <= h / 2 + 2.2 * px_mm
    with pytest.raises(ValidationFailed) as err:
        render_seal("invoice", UNIT)
    assert err.value.field == "tax_code"


def test_square_name_seal_layouts() -> None:
    four = _alpha(render_personal_seal("张三"))  # 张三之印, 2 x 2
    two = _alpha(render_personal_seal("张三", layout=2))  # 张三, two full columns
    side = four.width
    # 2 x 2 has a gap between the rows at mid-height; the 2-layout does not.
    mid_row = [four.getpixel((x, side // 2)) for x in range(side // 8, side * 7 // 8)]
    mid_two = [two.getpixel((x, side // 2)) for x in range(side // 8, side * 7 // 8)]
    assert sum(v > 128 for v in mid_row) < sum(v > 128 for v in mid_two)
    # Read right to left: the right column of the 4-layout is the name (张, 三), the same
    # characters as a 2-character seal of the name alone would put first.
    assert render_personal_seal("张三", layout=4) != render_personal_seal("张三", layout=2)
    with pytest.raises(ValidationFailed) as err:
        render_personal_seal("张三", layout=3)
    assert err.value.field == "layout"


def test_unknown_seal_type_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        render_seal("stamp", UNIT)
    assert err.value.field == "seal_type"
