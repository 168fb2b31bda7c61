"""Mold registry: normalisation, the 同模同轨 comparison (what passes, what is caught),
and bulk CSV import with a per-row report."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image, ImageDraw

from hub.errors import ValidationFailed
from hub.pictures import SEAL_RED, mm_to_px, render_official_seal, render_personal_seal
from tenants.molds import (
    MoldStatus,
    compare,
    images_from_zip,
    make_record,
    normalise_mold,
    parse_mold_csv,
    seal_type_code,
    valid_credit_code,
)

NAME, CODE = "杭州市某某科技有限公司", "3301060012345"
CREDIT = "91350100M000100Y43"


@pytest.fixture(scope="module")
def mold() -> bytes:
    return render_official_seal(NAME, CODE)


def _png(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def _on_white(png: bytes, offset: tuple[int, int] = (50, 10)) -> Image.Image:
    seal = Image.open(io.BytesIO(png))
    paper = Image.new("RGB", (seal.width + 80, seal.height + 40), "white")
    paper.paste(seal, offset, seal)
    return paper


def _edit_star(png: bytes, *, dx_mm: float = 0.0, scale: float = 1.0) -> bytes:
    """Move or shrink the star: it alone fills the central 15 mm box of a 42 mm seal."""
    img = Image.open(io.BytesIO(png)).copy()
    c, half = img.width // 2, mm_to_px(7.6)
    box = (c - half, c - half, c + half, c + half)
    star = img.crop(box)
    img.paste((0, 0, 0, 0), box)
    if scale != 1.0:
        size = round(star.width * scale)
        star = star.resize((size, size), Image.Resampling.LANCZOS)
    x = c - star.width // 2 + round(dx_mm * img.width / 42)
    img.alpha_composite(star, (x, c - star.height // 2))
    return _png(img)


def _thin_border(png: bytes, by_mm: float) -> bytes:
    img = Image.open(io.BytesIO(png)).copy()
    side = img.width
    px = side / 42
    inner = side / 2 - side * 0.005 - 1.2 * px
    outer = inner + by_mm * px
    ring = Image.new("L", img.size, 0)
    draw = ImageDraw.Draw(ring)
    c = side / 2
    draw.ellipse((c - outer, c - outer, c + outer, c + outer), fill=255)
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), fill=0)
    img.paste((0, 0, 0, 0), (0, 0), ring)
    return _png(img)


# --- normalisation ---------------------------------------------------------------------


def test_normalised_mold_is_red_transparent_and_the_record_size(mold) -> None:
    scan = _png(_on_white(mold), "JPEG", quality=85)  # a registry scan: red on white
    out = Image.open(io.BytesIO(normalise_mold(scan, width_mm=40, height_mm=40, dpi=300)))
    assert out.mode == "RGBA"
    assert out.size == (mm_to_px(40), mm_to_px(40))
    assert out.convert("RGB").getcolors() == [(out.width * out.height, SEAL_RED)]
    # The white paper became transparent: the corners of a round seal have no ink.
    assert out.getpixel((2, 2))[3] == 0
    assert out.getpixel((out.width // 2, out.height // 2))[3] == 255  # the star


def test_black_ink_molds_normalise_to_red() -> None:
    black = Image.new("RGB", (200, 200), "white")
    ImageDraw.Draw(black).rectangle((20, 20, 180, 180), outline="black", width=12)
    out = Image.open(io.BytesIO(normalise_mold(_png(black), width_mm=20, height_mm=20)))
    assert out.getpixel((1, out.height // 2))[3] == 255
    assert out.getpixel((out.width // 2, out.height // 2))[3] == 0


def test_blank_or_unreadable_images_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="no visible ink"):
        normalise_mold(_png(Image.new("RGB", (50, 50), "white")), width_mm=20, height_mm=20)
    with pytest.raises(ValidationFailed, match="not a readable image"):
        normalise_mold(b"not an image", width_mm=20, height_mm=20)


# --- comparison ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant", ["same", "normalised", "dpi150", "dpi600", "jpeg-white", "jpeg-q60", "half-res"]
)
def test_the_same_mold_re_encoded_passes(mold, variant) -> None:
    candidate = {
        "same": lambda: mold,
        "normalised": lambda: normalise_mold(mold, width_mm=42, height_mm=42),
        "dpi150": lambda: render_official_seal(NAME, CODE, dpi=150),
        "dpi600": lambda: render_official_seal(NAME, CODE, dpi=600),
        "jpeg-white": lambda: _png(_on_white(mold), "JPEG", quality=90),
        "jpeg-q60": lambda: _png(_on_white(mold, (5, 30)), "JPEG", quality=60),
        "half-res": lambda: _png(_on_white(mold).resize((288, 268))),
    }[variant]()
    result = compare(candidate, mold, width_mm=42, height_mm=42)
    assert result.matched, result.detail
    assert result.mismatch_mm2 < 0.1


@pytest.mark.parametrize(
    "change",
    [
        "star moved 0.25 mm",
        "star moved 1 mm",
        "star 7% smaller",
        "one character",
        "one code digit",
        "border 0.3 mm thinner",
        "another unit",
    ],
)
def test_an_altered_picture_is_caught(mold, change) -> None:
    candidate = {
        "star moved 0.25 mm": lambda: _edit_star(mold, dx_mm=0.25),
        "star moved 1 mm": lambda: _edit_star(mold, dx_mm=1.0),
        "star 7% smaller": lambda: _edit_star(mold, scale=0.93),
        "one character": lambda: render_official_seal("杭州市某某料技有限公司", CODE),
        "one code digit": lambda: render_official_seal(NAME, "3301060012346"),
        "border 0.3 mm thinner": lambda: _thin_border(mold, 0.3),
        "another unit": lambda: render_official_seal("宁波市另一家贸易有限公司", CODE),
    }[change]()
    result = compare(candidate, mold, width_mm=42, height_mm=42)
    assert not result.matched, result.detail


def test_unchanged_star_edit_round_trip_still_matches(mold) -> None:
    # The editing helper itself does not disturb the picture (so the catches above are real).
    assert compare(_edit_star(mold), mold, width_mm=42, height_mm=42).matched


def test_personal_seal_comparison() -> None:
    mold = render_personal_seal("张三")
    assert compare(render_personal_seal("张三", dpi=200), mold, width_mm=20, height_mm=20).matched
    assert not compare(render_personal_seal("张山"), mold, width_mm=20, height_mm=20).matched


# --- records and CSV import -------------------------------------------------------------


def test_credit_code_and_seal_type_rules() -> None:
    assert valid_credit_code(CREDIT)
    assert not valid_credit_code(CREDIT[:-1] + "4")
    assert not valid_credit_code("91350100M000100Y4")
    assert seal_type_code("公章") == seal_type_code("official") == 1
    assert seal_type_code("合同专用章") == seal_type_code("contract")
    with pytest.raises(ValueError):
        seal_type_code("私章")


def test_make_record_names_the_bad_field(mold) -> None:
    good = {
        "seal_code": CODE,
        "unit_name": NAME,
        "credit_code": CREDIT,
        "seal_type": "公章",
        "width_mm": 42,
        "height_mm": 42,
        "status": "在用",
        "image": mold,
    }
    record = make_record(**good)
    assert record.status is MoldStatus.ACTIVE and record.seal_type == 1
    assert Image.open(io.BytesIO(record.mold_png)).size == (mm_to_px(42), mm_to_px(42))
    for field, value in [
        ("seal_code", "12"),
        ("credit_code", "123"),
        ("seal_type", "x"),
        ("width_mm", 5),
        ("status", "lost"),
        ("image", b"junk"),
        ("unit_name", " "),
    ]:
        with pytest.raises(ValidationFailed) as err:
            make_record(**{**good, field: value})
        assert err.value.field == field


def test_csv_import_keeps_good_rows_and_names_bad_ones(mold) -> None:
    other = render_official_seal("宁波市另一家贸易有限公司", "3302030000001")
    person = render_personal_seal("李四")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("molds/a.png", mold)
        zf.writestr("molds/b.png", other)
        zf.writestr("molds/c.png", person)
        zf.writestr("molds/broken.png", b"\x89PNG not really")
    images = images_from_zip(buf.getvalue())
    assert set(images) == {"a.png", "b.png", "c.png", "broken.png"}
    rows = [
        "印章编码,单位名称,统一社会信用代码,印章类型,印模文件,宽度,高度,状态",
        f"{CODE},{NAME},{CREDIT},公章,a.png,42,42,在用",  # line 2: good
        f"3302030000001,宁波市另一家贸易有限公司,{CREDIT[:-1]}4,公章,b.png,42,42,在用",  # bad code
        f"3302030000002,某单位,{CREDIT},公章,missing.png,42,42,在用",  # image not uploaded
        f"3302030000003,某单位,{CREDIT},私章,b.png,42,42,在用",  # unknown type
        f"{CODE},{NAME},{CREDIT},公章,a.png,42,42,在用",  # duplicate of line 2
        f"3302030000004,某单位,{CREDIT},公章,broken.png,42,42,在用",  # unreadable image
        f"3302030000005,某单位,{CREDIT},公章,b.png,42",  # short row
        "",
        f"3302030000006,李四,{CREDIT},法人章,c.png,20,20,注销",  # line 10: good
    ]
    report = parse_mold_csv("\n".join(rows).encode("utf-8-sig"), images)
    assert [r.seal_code for r in report.records] == [CODE, "3302030000006"]
    assert report.records[1].status is MoldStatus.REVOKED
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "credit_code"),
        (4, "image"),
        (5, "seal_type"),
        (6, "seal_code"),
        (7, "image"),
        (8, "row"),
    ]
    assert "duplicate of line 2" in report.errors[3].reason
    assert report.rows == 8
    assert report.to_dict()["imported"] == [CODE, "3302030000006"]


def test_csv_with_english_headers_and_size_column(mold) -> None:
    text = (
        "seal_code,unit_name,credit_code,seal_type,image,size_mm,status\n"
        f"{CODE},{NAME},{CREDIT},official,a.png,40,active\n"
    )
    report = parse_mold_csv(text.encode(), {"a.png": mold})
    assert not report.errors
    assert (report.records[0].width_mm, report.records[0].height_mm) == (40, 40)


def test_csv_without_required_columns_is_refused_whole() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_mold_csv(b"seal_code,unit_name\n1,2\n", {})
    assert err.value.field == "csv" and "credit_code" in err.value.detail
