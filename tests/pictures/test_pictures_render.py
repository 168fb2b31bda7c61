"""Generated seal pictures: size from mm and DPI, red ink, transparent paper, layout."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hub.errors import ValidationFailed
from hub.pictures import (
    DEFAULT_DPI,
    SEAL_RED,
    cjk_font_path,
    mm_to_px,
    render_official_seal,
    render_personal_seal,
)


def _open(png: bytes) -> Image.Image:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(png))


def test_official_seal_size_colour_and_transparency() -> None:
    img = _open(render_official_seal("杭州市某某科技有限公司", "3301060012345", 42))
    side = mm_to_px(42, DEFAULT_DPI)
    assert side == 496
    assert img.size == (side, side)
    assert img.mode == "RGBA"
    assert round(img.info["dpi"][0]) == DEFAULT_DPI
    # Every pixel carries the same red; only alpha varies (ink vs paper).
    assert img.convert("RGB").getcolors() == [(side * side, SEAL_RED)]
    # Paper outside the ring is transparent; the star's centre is solid ink.
    assert img.getpixel((0, 0))[3] == 0
    assert img.getpixel((side // 2, side // 2))[3] == 255
    # The ring: solid on the left edge at mid-height, clear just inside it.
    assert img.getpixel((mm_to_px(0.6), side // 2))[3] == 255


def test_official_seal_text_changes_the_picture_where_expected() -> None:
    a = _open(render_official_seal("杭州市某某科技有限公司", "3301060012345"))
    b = _open(render_official_seal("杭州市某某科技有限公司", "3301060099999"))
    c = _open(render_official_seal("杭州市某某料技有限公司", "3301060012345"))
    side = a.width

    def diff_rows(x: Image.Image, y: Image.Image) -> set[int]:
        xa, ya = x.getchannel("A"), y.getchannel("A")
        return {
            j
            for j in range(side)
            for i in range(0, side, 2)
            if abs(xa.getpixel((i, j)) - ya.getpixel((i, j))) > 64
        }

    code_rows = diff_rows(a, b)
    name_rows = diff_rows(a, c)
    assert code_rows and min(code_rows) > side * 0.7  # the code sits on the lower arc
    assert name_rows and min(name_rows) < side * 0.3  # the name starts on the upper arc


def test_pictures_are_deterministic() -> None:
    assert render_official_seal("某单位", "1") == render_official_seal("某单位", "1")
    assert render_personal_seal("张三") == render_personal_seal("张三")


def test_personal_seal_square_with_border() -> None:
    img = _open(render_personal_seal("张三", 20))
    side = mm_to_px(20)
    assert img.size == (side, side)
    assert img.getpixel((1, 1))[3] == 255  # border corner
    assert img.getpixel((side // 2, 1))[3] == 255
    inked = sum(1 for a in img.getchannel("A").tobytes() if a > 128)
    assert 0.2 < inked / (side * side) < 0.8


def test_dpi_is_honoured() -> None:
    img = _open(render_personal_seal("李四", 20, dpi=150))
    assert img.size == (mm_to_px(20, 150),) * 2 == (118, 118)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"unit_name": " ", "seal_code": "1"}, "unit_name"),
        ({"unit_name": "某单位", "seal_code": "1", "diameter_mm": 5}, "diameter_mm"),
    ],
)
def test_official_seal_rejects_bad_input(kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        render_official_seal(**kwargs)
    assert err.value.field == field


def test_cjk_font_is_available_from_pypi() -> None:
    # The font ships in a PyPI dependency, so a fresh `make test` machine has it.
    path = cjk_font_path()
    assert path is not None and path.is_file()


def test_a_character_outside_the_shipped_subset_still_renders() -> None:
    """The shipped Song subset holds GB 2312 level 1; a rarer character (堃, level 2+)
    falls back per character to a system CJK font, not to a box or a crash."""
    from hub.pictures import fonts

    assert "堃" not in fonts._song_coverage() and "张" in fonts._song_coverage()
    rare = _open(render_personal_seal("王堃"))
    common = _open(render_personal_seal("王坤"))
    assert rare.size == common.size == (mm_to_px(20),) * 2
    assert rare.tobytes() != common.tobytes()
