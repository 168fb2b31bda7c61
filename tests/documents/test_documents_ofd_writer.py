"""The OFD writer: structure, pagination, escaping, determinism."""

from __future__ import annotations

import io
import itertools
import zipfile

from lxml import etree

from hub.documents.ofd_writer import (
    A4_MM,
    DocInfo,
    PageSpec,
    TextLine,
    text_to_pages,
    wrap,
    write_ofd,
    write_text_ofd,
)

NS = {"ofd": "http://www.ofdspec.org/2016"}


def _members(data: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return {n: zf.read(n) for n in zf.namelist()}


def test_text_ofd_has_the_standard_layout() -> None:
    data = write_text_ofd("本人承诺如实申报健康状况。\n" * 3, title="疫情防控承诺书")
    files = _members(data)
    font_file = files.pop("Doc_0/Res/font_1.otf")  # the embedded Song subset
    assert set(files) == {
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
    }
    ofd = etree.fromstring(files["OFD.xml"])
    assert ofd.findtext("ofd:DocBody/ofd:DocRoot", namespaces=NS) == "Doc_0/Document.xml"
    assert ofd.findtext("ofd:DocBody/ofd:DocInfo/ofd:Title", namespaces=NS) == "疫情防控承诺书"
    doc = etree.fromstring(files["Doc_0/Document.xml"])
    box = doc.findtext("ofd:CommonData/ofd:PageArea/ofd:PhysicalBox", namespaces=NS)
    assert box == "0 0 210 297"
    pages = doc.findall("ofd:Pages/ofd:Page", namespaces=NS)
    assert [p.get("BaseLoc") for p in pages] == ["Pages/Page_0/Content.xml"]
    res = etree.fromstring(files["Doc_0/PublicRes.xml"])
    font = res.find("ofd:Fonts/ofd:Font", namespaces=NS)
    assert font is not None and font.get("FontName") == "宋体"
    assert font.findtext("ofd:FontFile", namespaces=NS) == "font_1.otf"  # Res/ is BaseLoc
    assert len(font_file) < 60_000  # a subset, not the 1.1 MB face
    content = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
    texts = [t.text for t in content.iterfind(".//ofd:TextCode", namespaces=NS)]
    assert texts == ["疫情防控承诺书"] + ["本人承诺如实申报健康状况。"] * 3
    for obj in content.iterfind(".//ofd:TextObject", namespaces=NS):
        assert obj.get("Font") == font.get("ID")
    # Every ID in the document is unique and MaxUnitID is the largest.
    ids = [
        int(e.get("ID"))
        for f in files.values()
        for e in etree.fromstring(f).iter()
        if e.get("ID") is not None
    ]
    assert len(ids) == len(set(ids))
    assert int(doc.findtext("ofd:CommonData/ofd:MaxUnitID", namespaces=NS)) == max(ids)


def test_long_text_flows_onto_pages_and_wraps_cjk() -> None:
    assert wrap("一二三四五六", 4.2 * 4, 4.2) == ["一二三四", "五六"]
    assert wrap("abcdefgh", 4.2 * 2, 4.2) == ["abcd", "efgh"]  # ASCII is half width
    pages = text_to_pages("行\n" * 200)
    assert len(pages) > 3
    for page in pages:
        for line in page.lines:
            assert 0 <= line.y_mm <= A4_MM[1] - 25
    data = write_text_ofd("行\n" * 200)
    names = _members(data)
    assert f"Doc_0/Pages/Page_{len(pages) - 1}/Content.xml" in names


def test_xml_special_characters_are_escaped() -> None:
    data = write_ofd(
        [PageSpec([TextLine('A&B <c> "d"', 20, 20)])],
        info=DocInfo(title="x&y", custom=[("编号", "<1>")]),
    )
    files = _members(data)
    content = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
    assert content.findtext(".//ofd:TextCode", namespaces=NS) == 'A&B <c> "d"'
    ofd = etree.fromstring(files["OFD.xml"])
    assert ofd.findtext(".//ofd:CustomData", namespaces=NS) == "<1>"


def test_output_is_deterministic() -> None:
    assert write_text_ofd("同样的内容") == write_text_ofd("同样的内容")
    assert write_text_ofd("内容甲") != write_text_ofd("内容乙")


def test_template_text_wraps_within_the_margins_with_half_width_digits() -> None:
    from fontTools.ttLib import TTFont

    from hub.documents.ofd_writer import A4_MM, text_to_pages, text_width, wrap
    from hub.documents.templates import half_width

    text = (
        "本人张三（身份证号：110105199003071239，联系电话：13912345678）郑重承诺："
        "本人近14天内未到过中高风险地区。We, SealHub Company Limited, internationalization"
        "-ready, promise the same."
    )
    margin, size = 25.0, 4.2
    usable = A4_MM[0] - 2 * margin
    lines = wrap(text, usable, size)
    assert len(lines) > 1
    for line in lines:
        assert text_width(line, size) <= usable + 1e-9
        assert line[:1] not in "，。、；：）" and line == line.strip()
    assert "110105199003071239" in "".join(lines)  # the ID number is not split
    words = "".join(lines).split()
    assert "internationalization-ready," in words or any("internationalization" in w for w in words)
    # Digits are half width: 18 digits take 9 em, as the layout places them.
    assert abs(text_width("110105199003071239", size) - 18 * size / 2) < 1e-9
    assert half_width("１３９１２３４５６７８") == "13912345678"
    # The embedded font has every glyph the page uses.
    data = write_text_ofd(text, title="承诺书")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        font = TTFont(io.BytesIO(zf.read("Doc_0/Res/font_1.otf")))
    cmap = font.getBestCmap()
    pages = text_to_pages(text, title="承诺书")
    used = {ch for p in pages for line in p.lines for ch in line.text}
    assert all(ord(ch) in cmap for ch in used)
    for page in pages:
        for line in page.lines:
            assert line.x_mm >= margin - 1e-9 or line.size_mm > size  # the title is centred
            assert line.x_mm + text_width(line.text, line.size_mm) <= A4_MM[0] - margin + 1e-9


def test_pdf_digits_are_half_width_and_stay_inside_the_margin() -> None:
    import pypdfium2 as pdfium

    from hub.documents.pdf_writer import PT_PER_MM, write_text_pdf

    line = "电话：13912345678（" + "一" * 20
    pdf = pdfium.PdfDocument(write_text_pdf(line))
    page = pdf[0]
    text = page.get_textpage()
    boxes = [text.get_charbox(i) for i in range(text.count_chars())]
    size_pt = 4.2 * PT_PER_MM
    digit_lefts = [boxes[i][0] for i in range(3, 14)]
    steps = [b - a for a, b in itertools.pairwise(digit_lefts)]
    assert all(abs(s - size_pt / 2) < 0.6 for s in steps), steps  # half an em, not a full one
    right_margin_pt = (210 - 25) * PT_PER_MM
    assert max(b[2] for b in boxes) <= right_margin_pt + 1
    pdf.close()
