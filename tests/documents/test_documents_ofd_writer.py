"""The OFD writer: structure, pagination, escaping, determinism."""

from __future__ import annotations

import io
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
    assert set(files) == {
        "OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml", "Doc_0/Pages/Page_0/Content.xml",
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
    content = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
    texts = [t.text for t in content.iterfind(".//ofd:TextCode", namespaces=NS)]
    assert texts == ["疫情防控承诺书"] + ["本人承诺如实申报健康状况。"] * 3
    for obj in content.iterfind(".//ofd:TextObject", namespaces=NS):
        assert obj.get("Font") == font.get("ID")
    # Every ID in the document is unique and MaxUnitID is the largest.
    ids = [int(e.get("ID")) for f in files.values() for e in etree.fromstring(f).iter()
           if e.get("ID") is not None]
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
    data = write_ofd([PageSpec([TextLine('A&B <c> "d"', 20, 20)])],
                     info=DocInfo(title="x&y", custom=[("编号", "<1>")]))
    files = _members(data)
    content = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
    assert content.findtext(".//ofd:TextCode", namespaces=NS) == 'A&B <c> "d"'
    ofd = etree.fromstring(files["OFD.xml"])
    assert ofd.findtext(".//ofd:CustomData", namespaces=NS) == "<1>"


def test_output_is_deterministic() -> None:
    assert write_text_ofd("同样的内容") == write_text_ofd("同样的内容")
    assert write_text_ofd("内容甲") != write_text_ofd("内容乙")
