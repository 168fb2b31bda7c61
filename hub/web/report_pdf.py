"""A verification report as a PDF a person can read and print.

Drawn as A4 pages with the hub's CJK font and wrapped to the page width (the text-PDF
writer lays every character out at full CJK width, which runs long Latin lines off the
page); the JSON report beside it is the machine-readable one.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from hub.pictures.fonts import cjk_font

DPI = 150
PAGE_PX = (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI))
MARGIN_PX = round(18 / 25.4 * DPI)


def _wrap(text: str, font: object, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for ch in paragraph:
            if font.getlength(line + ch) > width and line:  # type: ignore[attr-defined]
                lines.append(line)
                line = "    " + ch if paragraph.startswith("    ") else ch
            else:
                line += ch
        lines.append(line)
    return lines


def report_pdf(title: str, body: str) -> bytes:
    head = cjk_font(40)
    font = cjk_font(26)
    width = PAGE_PX[0] - 2 * MARGIN_PX
    lines = _wrap(body, font, width)
    step = 40
    pages: list[Image.Image] = []
    y = PAGE_PX[1]  # start a page at once
    draw: ImageDraw.ImageDraw | None = None
    for n, line in enumerate(lines):
        if y + step > PAGE_PX[1] - MARGIN_PX:
            page = Image.new("RGB", PAGE_PX, "white")
            pages.append(page)
            draw = ImageDraw.Draw(page)
            y = MARGIN_PX
            if n == 0:
                draw.text((MARGIN_PX, y), title, fill="black", font=head)
                y += 80
        assert draw is not None
        draw.text((MARGIN_PX, y), line, fill="black", font=font)
        y += step
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, title=title)
    return buf.getvalue()
