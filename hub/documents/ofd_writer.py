"""Write a simple OFD (GB/T 33190-2016) from text: pages of text lines in one CJK font.

The layout follows what ofdrw and the tax-invoice vendors write, so their readers (and
SealHub's verifier) open it: `OFD.xml` -> `Doc_0/Document.xml` (page area, page list,
`PublicRes.xml` with a font reference) -> `Doc_0/Pages/Page_N/Content.xml` with one
layer of `TextObject`s. Coordinates are millimetres from the top-left corner, as OFD
defines them. The font is referenced by name (宋体) and, for the application center's
documents (`write_text_ofd`), embedded: the shipped Song face subset to the characters the
document uses (~20 KB), so a reader shows what the hub laid out.

Output is deterministic for a given input (fixed zip timestamps, ids from a counter),
so tests and the evidence log can hash it.
"""

from __future__ import annotations

import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hub.errors import ValidationFailed
from hub.pictures.fonts import SONG, typeface_path

OFD_NS = "http://www.ofdspec.org/2016"
A4_MM = (210.0, 297.0)
DEFAULT_FONT = "宋体"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_STORED_SUFFIXES = (".esl", ".dat", ".png", ".jpg", ".jpeg", ".gif")


@dataclass(frozen=True)
class TextLine:
    """One run of text; `x_mm`/`y_mm` is the top-left of its box on the page."""

    text: str
    x_mm: float
    y_mm: float
    size_mm: float = 4.2  # about 12 pt


@dataclass(frozen=True)
class PageSpec:
    lines: Sequence[TextLine] = ()


@dataclass(frozen=True)
class DocInfo:
    title: str = ""
    author: str = ""
    creation_date: date = field(default_factory=lambda: date(2020, 1, 1))
    doc_id: str = ""  # empty -> derived from the content (stable for the same input)
    creator: str = "SealHub"
    creator_version: str = "0.1"
    custom: Sequence[tuple[str, str]] = ()


def char_advance(ch: str, size_mm: float) -> float:
    """Advance of one character: full width for CJK / wide forms, half for the rest."""
    return size_mm if unicodedata.east_asian_width(ch) in ("W", "F") else size_mm / 2


def text_width(text: str, size_mm: float) -> float:
    return sum(char_advance(ch, size_mm) for ch in text)


# Characters that never start a line (closing punctuation, 避头) and that never end one
# (opening punctuation, 避尾): the usual Chinese line-breaking rules (GB/T 15834 layout).
_NO_LINE_START = set("，。、；：？！）》」』】〕”’…—,.;:?!)]}%")
_NO_LINE_END = set("（《「『【〔“‘([{")
_WORD = re.compile(r"[A-Za-z0-9@#&+\-_./:%']+|\s+|.", re.DOTALL)


def wrap(text: str, width_mm: float, size_mm: float) -> list[str]:
    """Break `text` into lines no wider than `width_mm`.

    CJK breaks between any two characters, Latin only between words (a word longer than
    a line is split), spaces at a break are dropped, and closing punctuation is not left
    at the start of a line (it takes the character before it along to the next line).
    """
    out: list[str] = []
    for para in text.splitlines() or [""]:
        line, used = "", 0.0
        for token in _WORD.findall(para):
            adv = text_width(token, size_mm)
            if token.isspace():
                if line:
                    line, used = line + token, used + adv
                continue
            if line and used + adv > width_mm:
                if len(token) > 1 and adv > width_mm:  # a word wider than the line: split it
                    for ch in token:
                        line, used = _put(out, line, used, ch, width_mm, size_mm)
                    continue
                line, used = _break(out, line, token, size_mm)
            elif not line and adv > width_mm:
                for ch in token:
                    line, used = _put(out, line, used, ch, width_mm, size_mm)
                continue
            else:
                line, used = line + token, used + adv
        out.append(line.rstrip())
    return out


def _put(
    out: list[str], line: str, used: float, ch: str, width_mm: float, size_mm: float
) -> tuple[str, float]:
    adv = char_advance(ch, size_mm)
    if line and used + adv > width_mm:
        return _break(out, line, ch, size_mm)
    return line + ch, used + adv


def _break(out: list[str], line: str, token: str, size_mm: float) -> tuple[str, float]:
    """End `line` before `token`; keep the punctuation rules by moving characters down."""
    line = line.rstrip()
    carry = ""
    if token[0] in _NO_LINE_START and len(line) > 1:
        line, carry = line[:-1], line[-1]
    while len(line) > 1 and line[-1] in _NO_LINE_END:
        line, carry = line[:-1], line[-1] + carry
    out.append(line.rstrip())
    nxt = carry + token
    return nxt, text_width(nxt, size_mm)


def text_to_pages(
    text: str,
    *,
    page_mm: tuple[float, float] = A4_MM,
    margin_mm: float = 25.0,
    size_mm: float = 4.2,
    line_gap: float = 1.6,
    title: str = "",
) -> list[PageSpec]:
    """Flow `text` onto pages (an optional centred title on the first page)."""
    width, height = page_mm
    usable = width - 2 * margin_mm
    step = size_mm * line_gap
    pages: list[PageSpec] = []
    lines: list[TextLine] = []
    y = margin_mm
    if title:
        tsize = size_mm * 1.5
        lines.append(TextLine(title, (width - text_width(title, tsize)) / 2, y, tsize))
        y += tsize * 2
    for row in wrap(text, usable, size_mm):
        if y + size_mm > height - margin_mm:
            pages.append(PageSpec(lines))
            lines, y = [], margin_mm
        if row:
            lines.append(TextLine(row, margin_mm, y, size_mm))
        y += step
    pages.append(PageSpec(lines))
    return pages


def write_text_ofd(
    text: str, *, title: str = "", info: DocInfo | None = None, **layout: Any
) -> bytes:
    """An OFD with `text` flowed onto A4 pages (the application center's default)."""
    info = info or DocInfo(title=title)
    return write_ofd(text_to_pages(text, title=title, **layout), info=info, embed_font=True)


def write_ofd(
    pages: Sequence[PageSpec],
    *,
    info: DocInfo | None = None,
    page_mm: tuple[float, float] = A4_MM,
    font_name: str = DEFAULT_FONT,
    embed_font: bool = False,
) -> bytes:
    """Serialise `pages` as an OFD package (zip bytes). With `embed_font`, the Song face
    the hub ships, subset to the characters used, goes into the package (`Res/`), so an
    OFD reader shows the text as the hub laid it out, not in whatever 宋体 it has."""
    if not pages:
        raise ValidationFailed("a document needs at least one page", field="pages")
    info = info or DocInfo()
    ids = _UnitIds()
    font_id = ids.new()
    page_ids: list[int] = []
    contents: list[str] = []
    for page in pages:
        page_ids.append(ids.new())
        contents.append(_page_content(page, ids, font_id))
    document = _document_xml(page_ids, ids.last, page_mm)
    public_res, font_files = _public_res(pages, font_id, font_name, embed_font)
    files = [
        ("OFD.xml", _ofd_xml(info, contents)),
        ("Doc_0/Document.xml", document),
        ("Doc_0/PublicRes.xml", public_res),
    ]
    files += [(f"Doc_0/Pages/Page_{i}/Content.xml", c) for i, c in enumerate(contents)]
    stamp = (info.creation_date.year, info.creation_date.month, info.creation_date.day, 0, 0, 0)
    return zip_package([(name, text.encode("utf-8")) for name, text in files] + font_files, stamp)


class _UnitIds:
    """The document's object ids, 1, 2, ... in the order objects are written (the last
    one is Document.xml's MaxUnitID)."""

    def __init__(self) -> None:
        self.last = 0

    def new(self) -> int:
        self.last += 1
        return self.last


def _page_content(page: PageSpec, ids: _UnitIds, font_id: int) -> str:
    """A page's Content.xml: one layer of text objects, each glyph advanced as laid out."""
    layer_id = ids.new()
    objects = []
    for line in page.lines:
        if not line.text:
            continue
        advances = [char_advance(ch, line.size_mm) for ch in line.text]
        box_w = sum(advances)
        delta = " ".join(_num(a) for a in advances[:-1])
        delta_attr = f" DeltaX={quoteattr(delta)}" if delta else ""
        objects.append(
            f'<ofd:TextObject ID="{ids.new()}" '
            f'Boundary="{_num(line.x_mm)} {_num(line.y_mm)} {_num(box_w)} '
            f'{_num(line.size_mm * 1.2)}" Font="{font_id}" Size="{_num(line.size_mm)}">'
            f'<ofd:FillColor Value="0 0 0"/>'
            f'<ofd:TextCode X="0" Y="{_num(line.size_mm)}"{delta_attr}>'
            f"{escape(line.text)}</ofd:TextCode></ofd:TextObject>"
        )
    return (
        f'{_XML_HEAD}<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
        f'<ofd:Layer ID="{layer_id}">{"".join(objects)}</ofd:Layer>'
        f"</ofd:Content></ofd:Page>"
    )


def _document_xml(page_ids: list[int], max_unit_id: int, page_mm: tuple[float, float]) -> str:
    width, height = page_mm
    page_list = "".join(
        f'<ofd:Page ID="{pid}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
        for i, pid in enumerate(page_ids)
    )
    return (
        f'{_XML_HEAD}<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{max_unit_id}</ofd:MaxUnitID>"
        f"<ofd:PageArea><ofd:PhysicalBox>0 0 {_num(width)} {_num(height)}</ofd:PhysicalBox>"
        f"</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        f"</ofd:CommonData><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>"
    )


def _public_res(
    pages: Sequence[PageSpec], font_id: int, font_name: str, embed_font: bool
) -> tuple[str, list[tuple[str, bytes]]]:
    """PublicRes.xml naming the font, and (with `embed_font`) the font file cut to the
    characters used."""
    font_files: list[tuple[str, bytes]] = []
    font_file = ""
    if embed_font:
        used = "".join(sorted({ch for page in pages for line in page.lines for ch in line.text}))
        font_files.append((f"Doc_0/Res/font_{font_id}.otf", song_subset(used)))
        font_file = f"<ofd:FontFile>font_{font_id}.otf</ofd:FontFile>"
    public_res = (
        f'{_XML_HEAD}<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
        f'<ofd:Font ID="{font_id}" FontName={quoteattr(font_name)} '
        f"FamilyName={quoteattr(font_name)}>{font_file}</ofd:Font></ofd:Fonts></ofd:Res>"
    )
    return public_res, font_files


def _ofd_xml(info: DocInfo, contents: list[str]) -> str:
    """OFD.xml with the document's DocInfo (its DocID, unless given, derived from the
    pages' content and the title, so the same document gets the same id)."""
    doc_id = info.doc_id or uuid.uuid5(uuid.NAMESPACE_OID, "".join(contents) + info.title).hex
    doc_info = [f"<ofd:DocID>{escape(doc_id)}</ofd:DocID>"]
    if info.title:
        doc_info.append(f"<ofd:Title>{escape(info.title)}</ofd:Title>")
    if info.author:
        doc_info.append(f"<ofd:Author>{escape(info.author)}</ofd:Author>")
    doc_info += [
        f"<ofd:CreationDate>{info.creation_date.isoformat()}</ofd:CreationDate>",
        f"<ofd:Creator>{escape(info.creator)}</ofd:Creator>",
        f"<ofd:CreatorVersion>{escape(info.creator_version)}</ofd:CreatorVersion>",
    ]
    if info.custom:
        doc_info.append(
            "<ofd:CustomDatas>"
            + "".join(
                f"<ofd:CustomData Name={quoteattr(k)}>{escape(v)}</ofd:CustomData>"
                for k, v in info.custom
            )
            + "</ofd:CustomDatas>"
        )
    return (
        f'{_XML_HEAD}<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD">'
        f"<ofd:DocBody><ofd:DocInfo>{''.join(doc_info)}</ofd:DocInfo>"
        f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )


@lru_cache(maxsize=64)
def song_subset(chars: str) -> bytes:
    """The shipped Song face (hub/pictures/typeface, SIL OFL 1.1) cut to `chars`: ~20 KB
    for a page of text instead of 1.1 MB. Deterministic for the same characters (~0.4 s,
    so the same template's documents reuse it)."""
    # lazy: fontTools' subsetter is a heavy import only template OFDs need (not the CLI)
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(typeface_path(SONG)))
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]  # keep the copyright and licence names (the OFL asks for them)
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars + " ")
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def zip_package(
    files: Sequence[tuple[str, bytes]], stamp: tuple[int, int, int, int, int, int]
) -> bytes:
    """Zip with fixed timestamps (same input -> same bytes).

    XML is deflated; seals, signed values and images (already compressed PNG/JPEG
    inside) are stored, which saves most of the time of writing a signed package.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files:
            zi = zipfile.ZipInfo(name, date_time=stamp)
            stored = name.lower().endswith(_STORED_SUFFIXES)
            zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return out.getvalue()


def _num(value: float) -> str:
    """Compact decimal for XML attributes (no exponent, at most 3 decimals)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"
