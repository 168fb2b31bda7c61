"""Write a simple text PDF (pikepdf) with the same page layout as the OFD writer.

Chinese text uses the standard non-embedded CJK font of PDF readers: Type0
`STSong-Light` with the `UniGB-UCS2-H` CMap (Adobe-GB1), as reportlab's
`UnicodeCIDFont` does, so the file stays small and every mainstream reader shows it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pikepdf

from hub.documents.ofd_writer import A4_MM, PageSpec, text_to_pages

PT_PER_MM = 72 / 25.4


def _cjk_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/STSong-Light"),
            Flags=6,
            FontBBox=[-25, -254, 1000, 880],
            ItalicAngle=0,
            Ascent=880,
            Descent=-120,
            CapHeight=880,
            StemV=93,
        )
    )
    cid_font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType0,
            BaseFont=pikepdf.Name("/STSong-Light"),
            CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="GB1", Supplement=2),
            FontDescriptor=descriptor,
            DW=1000,
            # Latin is half width (CIDs 1-95 proportional and 814-939 half-width Latin in
            # Adobe-GB1), as the layout (ofd_writer.char_advance) assumes; with DW alone every
            # ASCII character took a full em and long Latin lines ran off the page.
            W=[1, 95, 500, 814, 939, 500],
        )
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/STSong-Light-UniGB-UCS2-H"),
            Encoding=pikepdf.Name("/UniGB-UCS2-H"),
            DescendantFonts=[cid_font],
        )
    )


def write_pdf(
    pages: Sequence[PageSpec], *, title: str = "", page_mm: tuple[float, float] = A4_MM
) -> bytes:
    pdf = pikepdf.new()
    font = _cjk_font(pdf)
    width, height = page_mm[0] * PT_PER_MM, page_mm[1] * PT_PER_MM
    for spec in pages:
        ops = []
        for line in spec.lines:
            size = line.size_mm * PT_PER_MM
            x = line.x_mm * PT_PER_MM
            y = height - (line.y_mm + line.size_mm) * PT_PER_MM
            # UCS-2 big-endian hex; characters outside the BMP cannot be shown by UCS2-H.
            code = "".join(f"{ord(ch):04X}" for ch in line.text if ord(ch) <= 0xFFFF)
            ops.append(f"BT /F1 {size:.2f} Tf {x:.2f} {y:.2f} Td <{code}> Tj ET")
        page = pdf.add_blank_page(page_size=(width, height))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream("\n".join(ops).encode())
    if title:
        pdf.docinfo["/Title"] = title
    pdf.docinfo["/Producer"] = "SealHub"
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def write_text_pdf(text: str, *, title: str = "") -> bytes:
    """A PDF with `text` flowed onto A4 pages (same layout as `write_text_ofd`)."""
    return write_pdf(text_to_pages(text, title=title), title=title)
