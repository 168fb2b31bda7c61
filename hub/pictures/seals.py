"""Seal pictures drawn to the public-security seal specifications, with Pillow.

What a picture looks like is data (`SPECS`, one `SealSpec` per seal type, in millimetres
as on the physical seal), read by three renderers: round (公章 and the special-purpose
seals), oval (发票专用章) and square (法定代表人名章, personal seals). The numbers follow
the rules the provincial public-security bureaus publish under GA 241 (and, for the
invoice seal, the State Taxation Administration's 2011 No. 7 announcement):

* company seal (公章): circle 42 mm (40 mm for a limited company), border 1.2 mm, a
  five-pointed star 14 mm across its points in the centre, the unit name along the upper
  arc, left to right, in 宋体;
* special-purpose seals (合同专用章, 财务专用章): circle 40 mm, border 1.0 mm, a 12 mm star,
  the name on the upper arc and the purpose in one horizontal line under the star;
* invoice seal (发票专用章): oval 40 x 30 mm, border 1.0 mm, no star; the name on the upper
  arc (4.2 mm high), the taxpayer identification number across the middle in Arial-like
  digits (3.7 mm high, 1.3 mm wide), "发票专用章" under it (4.6 mm high, 3 mm wide);
* the 13-digit seal code (印章编码) along the lower arc of round seals, when known;
* the legal representative's seal (法定代表人名章) and personal seals: squares with the
  person's name, read in columns right to left, in the 2- or 4-character layouts
  (a 2-character name alone, or 之印 / 印 completing four).

The name never touches the ring: every glyph box (its corners included) stays
`TEXT_GAP_MM` inside the ring, and a long name is compressed (narrower glyphs, down to
`MIN_ASPECT` of their height, then smaller ones) instead of running round into the code.

Every picture is a coverage mask drawn at `_SUPERSAMPLE` times the final resolution,
shrunk with a box filter (anti-aliased and deterministic), used as the alpha of flat
red: "red ink on a transparent background", the form the mold registry normalises to.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from hub.errors import ValidationFailed
from hub.pictures.fonts import FontType, digits_font, song_font

DEFAULT_DPI = 300
SEAL_RED = (230, 0, 18)
_SUPERSAMPLE = 4
# How far inside the ring every glyph stays (a carved seal keeps a clear channel).
TEXT_GAP_MM = 0.6
# The narrowest a compressed name glyph gets, as width / height, before it gets smaller.
MIN_ASPECT = 0.42
# The ideographic em box of Noto CJK: baseline 0.88 em below its top.
_EM_ASCENT = 0.88
_GLYPH_EM = 256


@dataclass(frozen=True)
class SealSpec:
    """One seal type's face, in millimetres."""

    shape: str  # "round" | "oval" | "square"
    width_mm: float
    height_mm: float
    border_mm: float
    star_mm: float = 0.0  # across the star's points; 0 = no star
    name_height_mm: float = 0.0  # glyph height of the name on the upper arc
    name_aspect: float = 0.85  # width / height of an uncompressed name glyph
    name_span_deg: float = 240.0  # the most of the ring the name may take
    purpose: str = ""  # the horizontal line (合同专用章 ...)
    purpose_height_mm: float = 0.0
    purpose_width_mm: float = 0.0
    purpose_drop_mm: float = 0.0  # centre of the purpose line below the seal's centre
    code_height_mm: float = 2.6  # the 13-digit seal code on the lower arc


SPECS: dict[str, SealSpec] = {
    "official": SealSpec("round", 42, 42, 1.2, star_mm=14, name_height_mm=6.8),
    "contract": SealSpec(
        "round",
        40,
        40,
        1.0,
        star_mm=12,
        name_height_mm=6.0,
        name_span_deg=225,
        purpose="合同专用章",
        purpose_height_mm=4.6,
        purpose_width_mm=3.3,
        purpose_drop_mm=9.0,
    ),
    "finance": SealSpec(
        "round",
        40,
        40,
        1.0,
        star_mm=12,
        name_height_mm=6.0,
        name_span_deg=225,
        purpose="财务专用章",
        purpose_height_mm=4.6,
        purpose_width_mm=3.3,
        purpose_drop_mm=9.0,
    ),
    "invoice": SealSpec(
        "oval",
        40,
        30,
        1.0,
        name_height_mm=4.2,
        name_aspect=0.8,
        name_span_deg=180,
        purpose="发票专用章",
        purpose_height_mm=4.6,
        purpose_width_mm=3.0,
        purpose_drop_mm=7.6,
    ),
    "legal-representative": SealSpec("square", 20, 20, 1.2),
    "personal": SealSpec("square", 20, 20, 1.2),
}
# The invoice seal's tax code (纳税人识别号): digit height and width.
_TAX_DIGIT_MM = (3.7, 1.3)


def mm_to_px(mm: float, dpi: int = DEFAULT_DPI) -> int:
    """Pixels for a length in millimetres at `dpi` dots per inch (rounded)."""
    return max(1, round(mm / 25.4 * dpi))


def render_seal(
    seal_type: str,
    name: str,
    *,
    seal_code: str = "",
    tax_code: str = "",
    size_mm: float | None = None,
    dpi: int = DEFAULT_DPI,
) -> bytes:
    """The picture of a seal of `seal_type` (keys of `SPECS`) for `name`.

    `name` is the unit's name for enterprise seals and the person's name for the legal
    representative's and personal seals. `size_mm` overrides the width (a round or
    square seal stays round or square; an oval keeps its 4:3).
    """
    spec = SPECS.get(seal_type)
    if spec is None:
        raise ValidationFailed(f"seal_type must be one of {', '.join(SPECS)}", field="seal_type")
    if spec.shape == "square":
        return render_personal_seal(name, int(size_mm or spec.width_mm), dpi=dpi)
    if spec.shape == "oval":
        return render_invoice_seal(name, tax_code, width_mm=size_mm or spec.width_mm, dpi=dpi)
    return _render_round(name, seal_code, spec, size_mm or spec.width_mm, dpi)


def render_official_seal(
    unit_name: str, seal_code: str, diameter_mm: int = 42, *, dpi: int = DEFAULT_DPI
) -> bytes:
    """A round company seal (公章): red PNG, transparent background, `dpi` stated in it."""
    return _render_round(unit_name, seal_code, SPECS["official"], diameter_mm, dpi)


def render_special_seal(
    unit_name: str,
    purpose_type: str,
    seal_code: str = "",
    diameter_mm: float = 40,
    *,
    dpi: int = DEFAULT_DPI,
) -> bytes:
    """A special-purpose seal (`contract` 合同专用章, `finance` 财务专用章)."""
    spec = SPECS.get(purpose_type)
    if spec is None or not spec.purpose or spec.shape != "round":
        raise ValidationFailed("purpose must be contract or finance", field="seal_type")
    return _render_round(unit_name, seal_code, spec, diameter_mm, dpi)


def render_invoice_seal(
    unit_name: str, tax_code: str, *, width_mm: float = 40, dpi: int = DEFAULT_DPI
) -> bytes:
    """The invoice seal (发票专用章): oval, the tax code across the middle."""
    spec = SPECS["invoice"]
    unit_name = _text(unit_name, "unit_name")
    tax_code = tax_code.strip().upper()
    if not tax_code or not tax_code.isalnum() or not tax_code.isascii() or len(tax_code) > 20:
        raise ValidationFailed(
            "an invoice seal needs the taxpayer identification number (15-20 letters and digits)",
            field="tax_code",
        )
    if not 30 <= width_mm <= 60:
        raise ValidationFailed("width must be 30..60 mm", field="size_mm")
    scale = width_mm / spec.width_mm
    canvas = _Canvas(width_mm, spec.height_mm * scale, dpi)
    a, b = canvas.mm(width_mm / 2), canvas.mm(spec.height_mm * scale / 2)
    border = canvas.mm(spec.border_mm * scale)
    canvas.ellipse(a, b, border)
    inner_a, inner_b = a - border, b - border
    _arc_name(canvas, unit_name, inner_a, inner_b, spec, scale)
    # Tax code: Arial-like digits 3.7 x 1.3 mm, one line through the centre.
    dh, dw = (canvas.mm(v * scale) for v in _TAX_DIGIT_MM)
    pitch = dw * 1.12
    x0 = canvas.c[0] - pitch * (len(tax_code) - 1) / 2
    for i, ch in enumerate(tax_code):
        glyph = _box_glyph(ch, dh, dw, face="digits")
        canvas.paste(glyph, x0 + i * pitch, canvas.c[1], 0.0)
    _purpose_line(canvas, spec, scale, inner_a, inner_b)
    return canvas.png()


def render_personal_seal(
    name: str, size_mm: int = 20, *, layout: int = 4, dpi: int = DEFAULT_DPI
) -> bytes:
    """A square name seal (个人名章, 法定代表人名章): red PNG, transparent background.

    Characters are set in two columns read right to left, top to bottom, as on a carved
    seal. `layout=4` (the default) completes a full 2 x 2 face: a two-character name
    gets 之印, a one- or three-character name 印. `layout=2` sets a two-character name
    alone, each character a full-height column. Longer names take more rows.
    """
    name = _text(name, "name")
    if not 8 <= size_mm <= 60:
        raise ValidationFailed("size must be 8..60 mm", field="size_mm")
    if layout not in (2, 4):
        raise ValidationFailed("layout must be 2 or 4 characters", field="layout")
    if layout == 2 and len(name) == 2:
        text = name
    else:
        text = name + {1: "印", 2: "之印", 3: "印"}.get(len(name), "")
    spec = SPECS["personal"]
    scale = size_mm / spec.width_mm
    canvas = _Canvas(size_mm, size_mm, dpi)
    side = canvas.size[0]
    border = canvas.mm(spec.border_mm * scale)
    canvas.draw.rectangle((0, 0, side - 1, side - 1), fill=255)
    canvas.draw.rectangle((border, border, side - 1 - border, side - 1 - border), fill=0)
    cols = 2 if len(text) > 1 else 1
    rows = max(1, math.ceil(len(text) / cols))
    pad = border + canvas.mm(0.8 * scale)
    gap = canvas.mm(0.5 * scale)  # between the columns and between the rows
    cell_w = (side - 2 * pad - gap * (cols - 1)) / cols
    cell_h = (side - 2 * pad - gap * (rows - 1)) / rows
    for i, ch in enumerate(text):
        col = cols - 1 - i // rows  # right-most column first
        row = i % rows
        cx = pad + col * (cell_w + gap) + cell_w / 2
        cy = pad + row * (cell_h + gap) + cell_h / 2
        canvas.paste(_box_glyph(ch, cell_h, cell_w, bold=True), cx, cy, 0.0)
    return canvas.png()


# --- round seals -------------------------------------------------------------------


def _render_round(name: str, seal_code: str, spec: SealSpec, diameter_mm: float, dpi: int) -> bytes:
    name = _text(name, "unit_name")
    if not 20 <= diameter_mm <= 80:
        raise ValidationFailed("diameter must be 20..80 mm", field="diameter_mm")
    scale = diameter_mm / spec.width_mm
    canvas = _Canvas(diameter_mm, diameter_mm, dpi)
    r = canvas.size[0] / 2
    border = canvas.mm(spec.border_mm * scale)
    canvas.ellipse(r, r, border)
    inner = r - border
    if spec.star_mm:
        _draw_star(canvas.draw, *canvas.c, canvas.mm(spec.star_mm * scale) / 2)
    code = seal_code.strip()
    code_span = 0.0
    if code:
        code_span = _arc_code(canvas, code, inner, spec, scale)
    _arc_name(
        canvas,
        name,
        inner,
        inner,
        spec,
        scale,
        max_span_deg=min(spec.name_span_deg, 360 - code_span - 40),
    )
    if spec.purpose:
        _purpose_line(canvas, spec, scale, inner, inner)
    return canvas.png()


def _arc_name(
    canvas: _Canvas,
    name: str,
    inner_a: float,
    inner_b: float,
    spec: SealSpec,
    scale: float,
    *,
    max_span_deg: float | None = None,
) -> None:
    """The name along the upper arc, left to right, glyph tops towards the ring."""
    n = len(name)
    gap = canvas.mm(TEXT_GAP_MM * scale)
    h = canvas.mm(spec.name_height_mm * scale)
    max_span = math.radians(max_span_deg or spec.name_span_deg)
    w = h * spec.name_aspect
    for _ in range(3):  # fit: narrower glyphs first, then smaller ones
        # Glyph centres sit where the glyph's outer corners are `gap` inside the ring.
        reach = math.sqrt(max(1.0, (min(inner_a, inner_b) - gap) ** 2 - (w / 2) ** 2))
        depth = min(inner_a, inner_b) - reach  # how far the outer corners sit inside
        path = _Ellipse(inner_a, inner_b, depth + h / 2)
        # Natural spacing: a glyph width and a little; short names spread to 150 degrees.
        natural = (n - 1) * w * 1.18
        span_len = min(
            path.length(max_span),
            max(natural, path.length(math.radians(150)) if n > 3 else natural),
        )
        pitch = span_len / (n - 1) if n > 1 else 0.0
        if n == 1 or pitch >= w * 1.08:
            break
        w = pitch / 1.08
        if w < h * MIN_ASPECT:  # compressed to the limit: make the glyphs smaller
            h = w / MIN_ASPECT
    half = span_len / 2
    for i, ch in enumerate(name):
        t = path.at_length(-half + i * pitch)
        x, y = path.point(t)
        glyph = _box_glyph(ch, h, w)
        canvas.paste(glyph, canvas.c[0] + x, canvas.c[1] + y, math.degrees(path.normal(t)))


def _arc_code(canvas: _Canvas, code: str, inner: float, spec: SealSpec, scale: float) -> float:
    """The seal code along the lower arc, read left to right, feet towards the ring.
    Returns the degrees of ring it takes."""
    gap = canvas.mm(TEXT_GAP_MM * scale)
    h = canvas.mm(spec.code_height_mm * scale)
    w = h * 0.55
    radius = inner - gap - h / 2 - w * 0.1
    pitch = w * 1.15 / radius
    start = math.pi + pitch * (len(code) - 1) / 2
    for i, ch in enumerate(code):
        theta = start - i * pitch
        x, y = radius * math.sin(theta), -radius * math.cos(theta)
        glyph = _box_glyph(ch, h, w, face="digits")
        canvas.paste(glyph, canvas.c[0] + x, canvas.c[1] + y, math.degrees(theta - math.pi))
    return math.degrees(pitch * len(code))


def _purpose_line(
    canvas: _Canvas, spec: SealSpec, scale: float, inner_a: float, inner_b: float
) -> None:
    """The purpose (合同专用章 ...) in one horizontal line below the centre."""
    h = canvas.mm(spec.purpose_height_mm * scale)
    w = canvas.mm(spec.purpose_width_mm * scale)
    y = canvas.c[1] + canvas.mm(spec.purpose_drop_mm * scale)
    # Keep the line inside the ring at its lower edge: narrow the glyphs if needed.
    dy = (y + h / 2 - canvas.c[1]) / inner_b
    room = 2 * inner_a * math.sqrt(max(0.0, 1 - dy * dy)) - 2 * canvas.mm(1.5 * scale)
    n = len(spec.purpose)
    pitch = min(w * 1.12, room / n)
    w = min(w, pitch / 1.05)
    x0 = canvas.c[0] - pitch * (n - 1) / 2
    for i, ch in enumerate(spec.purpose):
        canvas.paste(_box_glyph(ch, h, w), x0 + i * pitch, y, 0.0)


# --- drawing helpers ----------------------------------------------------------------


class _Canvas:
    """A supersampled coverage mask of the seal's face."""

    def __init__(self, width_mm: float, height_mm: float, dpi: int) -> None:
        self.dpi = dpi
        self.out = (mm_to_px(width_mm, dpi), mm_to_px(height_mm, dpi))
        self.size = (self.out[0] * _SUPERSAMPLE, self.out[1] * _SUPERSAMPLE)
        self.mask = Image.new("L", self.size, 0)
        self.draw = ImageDraw.Draw(self.mask)
        self.c = (self.size[0] / 2, self.size[1] / 2)
        self._px_per_mm = self.size[0] / width_mm

    def mm(self, mm: float) -> float:
        return mm * self._px_per_mm

    def ellipse(self, a: float, b: float, border: float) -> None:
        cx, cy = self.c
        m = self.size[0] * 0.002  # anti-aliasing margin at the canvas edge
        self.draw.ellipse((cx - a + m, cy - b + m, cx + a - m, cy + b - m), fill=255)
        self.draw.ellipse(
            (cx - a + m + border, cy - b + m + border, cx + a - m - border, cy + b - m - border),
            fill=0,
        )

    def paste(self, glyph: Image.Image, x: float, y: float, rotate_cw_deg: float) -> None:
        if rotate_cw_deg:
            glyph = glyph.rotate(-rotate_cw_deg, resample=Image.Resampling.BICUBIC, expand=True)
        self.mask.paste(255, (round(x - glyph.width / 2), round(y - glyph.height / 2)), glyph)

    def png(self) -> bytes:
        alpha = self.mask.resize(self.out, Image.Resampling.BOX)
        red = Image.new("RGB", self.out, SEAL_RED)
        red.putalpha(alpha)
        buf = io.BytesIO()
        red.save(buf, format="PNG", dpi=(self.dpi, self.dpi), optimize=True)
        return buf.getvalue()


class _Ellipse:
    """A text path: the curve `inset` inside an ellipse (a circle when a == b) with
    semi-axes a, b, at parameter t clockwise from 12 o'clock; arc length by sampling.

    The inset is along the normal (a true offset curve, not a smaller ellipse, which
    would come closer to the ring between the axes of an oval)."""

    _STEPS = 720

    def __init__(self, a: float, b: float, inset: float = 0.0) -> None:
        self.a, self.b, self.inset = a, b, inset
        self._ts = [math.pi * (k / self._STEPS) for k in range(self._STEPS + 1)]
        self._len = [0.0]
        for t0, t1 in zip(self._ts, self._ts[1:], strict=False):
            (x0, y0), (x1, y1) = self.point(t0), self.point(t1)
            self._len.append(self._len[-1] + math.hypot(x1 - x0, y1 - y0))

    def point(self, t: float) -> tuple[float, float]:
        n = self.normal(t)
        return (
            self.a * math.sin(t) - self.inset * math.sin(n),
            -self.b * math.cos(t) + self.inset * math.cos(n),
        )

    def normal(self, t: float) -> float:
        """The outward normal's angle, clockwise from 12 o'clock (radians)."""
        x, y = self.a * math.sin(t), -self.b * math.cos(t)
        return math.atan2(x / (self.a * self.a), -y / (self.b * self.b))

    def length(self, span: float) -> float:
        """Arc length of a span centred on 12 o'clock."""
        return 2 * self._length_to(span / 2)

    def _length_to(self, t: float) -> float:
        k = min(self._STEPS, max(0, t / math.pi * self._STEPS))
        i = int(k)
        if i >= self._STEPS:
            return self._len[-1]
        return self._len[i] + (self._len[i + 1] - self._len[i]) * (k - i)

    def at_length(self, s: float) -> float:
        """The angle at signed arc length `s` from 12 o'clock."""
        target, sign = abs(s), (1 if s >= 0 else -1)
        lo, hi = 0, self._STEPS
        while lo < hi:
            mid = (lo + hi) // 2
            if self._len[mid] < target:
                lo = mid + 1
            else:
                hi = mid
        if lo == 0:
            return 0.0
        l0, l1 = self._len[lo - 1], self._len[lo]
        frac = 0.0 if l1 == l0 else (target - l0) / (l1 - l0)
        return sign * (self._ts[lo - 1] + frac * (self._ts[lo] - self._ts[lo - 1]))


def _draw_star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r_outer: float) -> None:
    r_inner = r_outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for k in range(10):
        r = r_outer if k % 2 == 0 else r_inner
        a = math.radians(-90 + 36 * k)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(points, fill=255)


def _box_glyph(
    ch: str, height: float, width: float, *, face: str = "song", bold: bool = False
) -> Image.Image:
    """`ch` drawn in its em box (CJK) or advance box (digits), scaled to width x height.

    The em box, not the ink's bounding box, is scaled: 一 stays a thin stroke in the
    middle of its cell instead of being stretched into a block."""
    # Drawn at one fixed em whatever the output size, then scaled: the same seal at
    # 150, 300 or 600 dpi has the same letter shapes (the mold comparison relies on it).
    em = _GLYPH_EM
    font: FontType = digits_font(em) if face == "digits" else song_font(ch, em)
    # Carved lettering is heavier than print: a stroke of ~3 % (5 % in name seals).
    stroke = max(1, round(em * (0.05 if bold else 0.028)))
    if face == "digits":
        left, top, right, bottom = font.getbbox(ch, stroke_width=stroke)
        box_w, box_h = max(1, int(right - left)), max(1, int(bottom - top))
        img = Image.new("L", (box_w + 2, box_h + 2), 0)
        ImageDraw.Draw(img).text(
            (1 - left, 1 - top), ch, font=font, fill=255, stroke_width=stroke, stroke_fill=255
        )
    else:
        img = Image.new("L", (em + 2 * stroke, em + 2 * stroke), 0)
        ImageDraw.Draw(img).text(
            (stroke, stroke + round(em * _EM_ASCENT)),
            ch,
            font=font,
            fill=255,
            anchor="ls",
            stroke_width=stroke,
            stroke_fill=255,
        )
    return img.resize((max(1, round(width)), max(1, round(height))), Image.Resampling.BICUBIC)


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationFailed(f"the {field.replace('_', ' ')} is empty", field=field)
    if len(value) > 40:
        raise ValidationFailed(
            f"the {field.replace('_', ' ')} is longer than 40 characters", field=field
        )
    return value
