"""Pages of a document as pictures, drawn on the server (the browser runs no PDF or OFD
engine): pypdfium2 for PDF; for OFD a plain preview of the page's text objects, enough
to see where a seal goes."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
from lxml import etree
from PIL import Image, ImageDraw

from hub.documents.ofd_package import OfdPackage, children, descendants, local, resolve
from hub.errors import FormatError, ValidationFailed
from hub.pictures.fonts import cjk_font

PT_PER_MM = 72 / 25.4
RENDER_WIDTH_PX = 900  # wide enough to read on a desktop, scaled down by CSS on a phone


@dataclass(frozen=True)
class PageSize:
    width_mm: float
    height_mm: float


def pdf_pages(data: bytes) -> list[PageSize]:
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise FormatError(f"not a readable PDF: {exc}") from exc
    try:
        return [
            PageSize(w / PT_PER_MM, h / PT_PER_MM)
            for w, h in (doc[i].get_size() for i in range(len(doc)))
        ]
    finally:
        doc.close()


def render_pdf_page(data: bytes, page: int, width_px: int = RENDER_WIDTH_PX) -> bytes:
    doc = pdfium.PdfDocument(data)
    try:
        if not 0 <= page < len(doc):
            raise ValidationFailed("no such page", field="page")
        p = doc[page]
        scale = width_px / p.get_width()
        image = p.render(scale=scale).to_pil()
    finally:
        doc.close()
    return _png(image)


def _ofd_pages(pkg: OfdPackage) -> list[tuple[str, PageSize]]:
    root = pkg.xml("OFD.xml")
    doc_root = next((el.text or "" for el in descendants(root, "DocRoot")), "")
    if not doc_root:
        raise FormatError("OFD.xml names no DocRoot")
    doc_path = doc_root.lstrip("/")
    document = pkg.xml(doc_path)
    default = _box(next(iter(descendants(document, "PhysicalBox")), None))
    out = []
    for page in descendants(document, "Page"):
        loc = page.get("BaseLoc")
        if not loc:
            continue
        out.append((resolve(doc_path, loc), default))
    return out


def _box(el: etree._Element | None) -> PageSize:
    try:
        parts = [float(v) for v in (el.text or "").split()] if el is not None else []
    except ValueError:
        parts = []
    if len(parts) == 4 and parts[2] > 0 and parts[3] > 0:
        return PageSize(parts[2], parts[3])
    return PageSize(210.0, 297.0)


def ofd_pages(data: bytes, *, max_uncompressed: int, max_entries: int) -> list[PageSize]:
    pkg = OfdPackage.read(data, max_uncompressed=max_uncompressed, max_entries=max_entries)
    return [size for _path, size in _ofd_pages(pkg)]


def render_ofd_page(
    data: bytes,
    page: int,
    *,
    max_uncompressed: int,
    max_entries: int,
    width_px: int = RENDER_WIDTH_PX,
) -> bytes:
    pkg = OfdPackage.read(data, max_uncompressed=max_uncompressed, max_entries=max_entries)
    pages = _ofd_pages(pkg)
    if not 0 <= page < len(pages):
        raise ValidationFailed("no such page", field="page")
    path, size = pages[page]
    px_per_mm = width_px / size.width_mm
    image = Image.new("RGB", (width_px, round(size.height_mm * px_per_mm)), "white")
    draw = ImageDraw.Draw(image)
    content = pkg.xml(path)
    for obj in descendants(content, "TextObject"):
        try:
            x, y, _w, _h = (float(v) for v in (obj.get("Boundary") or "").split())
            size_mm = float(obj.get("Size") or "4")
        except ValueError:
            continue
        font = cjk_font(max(8, round(size_mm * px_per_mm)))
        for code in children(obj, "TextCode"):
            if local(code) != "TextCode" or not code.text:
                continue
            dx = float(code.get("X") or 0)
            dy = float(code.get("Y") or size_mm)
            left = (x + dx) * px_per_mm
            top = (y + dy - size_mm) * px_per_mm
            draw.text((left, top), code.text, fill="black", font=font)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=False)
    return buf.getvalue()
