"""Signing OFD: SealHub's own verifier accepts it, the layout matches the vendors',
sequential signatures stay valid, edits after signing are caught and named."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from hub.crypto import sm3
from hub.documents.ofd_sign import RidingSeal, StampPosition, sign_ofd
from hub.documents.ofd_writer import write_text_ofd
from hub.errors import CryptoError, ValidationFailed
from hub.formats import parse_signature, verify_ofd

NS = {"ofd": "http://www.ofdspec.org/2016"}
LIMITS = {"max_uncompressed": 50 * 1024 * 1024, "max_entries": 1000}
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "real-vendors" / "ofd"


def _members(data: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}


def _rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def document() -> bytes:
    return write_text_ofd("兹证明张三同志系我单位职工。\n" * 120, title="在职证明")


async def test_signed_ofd_verifies_and_is_laid_out_like_the_samples(document, company) -> None:
    signed = await sign_ofd(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        placements=[StampPosition(page=0, x_mm=140, y_mm=220)],
    )
    report = verify_ofd(signed.data, **LIMITS)
    assert report.intact, report.to_dict()
    assert len(report.children) == 1

    files = _members(signed.data)
    for name in (
        "Doc_0/Signs/Signatures.xml",
        "Doc_0/Signs/Sign_0/Signature.xml",
        "Doc_0/Signs/Sign_0/SignedValue.dat",
        "Doc_0/Signs/Sign_0/Seal.esl",
    ):
        assert name in files
    ofd = etree.fromstring(files["OFD.xml"])
    assert (
        ofd.findtext("ofd:DocBody/ofd:Signatures", namespaces=NS) == "/Doc_0/Signs/Signatures.xml"
    )
    sigs = etree.fromstring(files["Doc_0/Signs/Signatures.xml"])
    entry = sigs.find("ofd:Signature", namespaces=NS)
    assert entry.get("Type") == "Seal"
    assert entry.get("BaseLoc") == "/Doc_0/Signs/Sign_0/Signature.xml"

    xml = files["Doc_0/Signs/Sign_0/Signature.xml"]
    sig = etree.fromstring(xml)
    info = sig.find("ofd:SignedInfo", namespaces=NS)
    assert info.find("ofd:Provider", namespaces=NS).get("ProviderName") == "SealHub"
    assert info.findtext("ofd:SignatureMethod", namespaces=NS) == "1.2.156.10197.1.501"
    assert info.findtext("ofd:SignatureDateTime", namespaces=NS).endswith("Z")
    refs = info.find("ofd:References", namespaces=NS)
    assert refs.get("CheckMethod") == "1.2.156.10197.1.401"
    listed = {
        r.get("FileRef"): r.findtext("ofd:CheckValue", namespaces=NS)
        for r in refs.findall("ofd:Reference", namespaces=NS)
    }
    # Every file but the shared Signatures.xml and this signature's own two files.
    expected = {"/" + n for n in files} - {
        "/Doc_0/Signs/Signatures.xml",
        "/Doc_0/Signs/Sign_0/Signature.xml",
        "/Doc_0/Signs/Sign_0/SignedValue.dat",
    }
    assert set(listed) == expected
    for ref, value in listed.items():
        assert base64.b64decode(value) == sm3(files[ref[1:]])
    annot = info.find("ofd:StampAnnot", namespaces=NS)
    doc = etree.fromstring(files["Doc_0/Document.xml"])
    first_page_id = doc.find("ofd:Pages/ofd:Page", namespaces=NS).get("ID")
    assert annot.get("PageRef") == first_page_id
    assert annot.get("Boundary") == "140 220 42 42"  # the seal's own size in mm
    assert info.findtext("ofd:Seal/ofd:BaseLoc", namespaces=NS) == "/Doc_0/Signs/Sign_0/Seal.esl"
    assert sig.findtext("ofd:SignedValue", namespaces=NS) == "/Doc_0/Signs/Sign_0/SignedValue.dat"

    value = parse_signature(files["Doc_0/Signs/Sign_0/SignedValue.dat"])
    assert value.version == 4
    assert value.property_info == "/Doc_0/Signs/Sign_0/Signature.xml"
    assert value.data_hash == sm3(xml) == signed.data_hash
    assert value.seal.seal_der == company.seal == files["Doc_0/Signs/Sign_0/Seal.esl"]


def test_structure_matches_a_real_vendor_sample() -> None:
    """The same members and elements as ofdrw's own signed file (the layout reference)."""
    sample = _members((SAMPLES / "ofdrw-v4-selfmade.ofd").read_bytes())
    assert {
        "Doc_0/Signs/Signatures.xml",
        "Doc_0/Signs/Sign_0/Signature.xml",
        "Doc_0/Signs/Sign_0/SignedValue.dat",
        "Doc_0/Signs/Sign_0/Seal.esl",
    } <= set(sample)
    info = etree.fromstring(sample["Doc_0/Signs/Sign_0/Signature.xml"]).find(
        "ofd:SignedInfo", namespaces=NS
    )
    tags = {etree.QName(c).localname for c in info}
    assert tags == {
        "Provider",
        "SignatureMethod",
        "SignatureDateTime",
        "Seal",
        "StampAnnot",
        "References",
    }


async def test_same_element_set_as_the_sample(document, company) -> None:
    signed = await sign_ofd(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        placements=[StampPosition(page=0, x_mm=20, y_mm=20)],
    )
    info = etree.fromstring(_members(signed.data)["Doc_0/Signs/Sign_0/Signature.xml"]).find(
        "ofd:SignedInfo", namespaces=NS
    )
    assert {etree.QName(c).localname for c in info} == {
        "Provider",
        "SignatureMethod",
        "SignatureDateTime",
        "Seal",
        "StampAnnot",
        "References",
    }


async def test_two_sequential_signatures_both_stay_valid(document, company, person) -> None:
    first = await sign_ofd(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        placements=[StampPosition(page=0, x_mm=140, y_mm=220)],
    )
    second = await sign_ofd(
        first.data,
        seal_der=person.seal,
        sign_tbs=person.sign_tbs,
        placements=[StampPosition(page=0, x_mm=30, y_mm=230)],
    )
    assert second.sign_path == "/Doc_0/Signs/Sign_1/Signature.xml"
    report = verify_ofd(second.data, **LIMITS)
    assert report.intact, report.to_dict()
    assert [c.info["path"] for c in report.children] == [
        "/Doc_0/Signs/Sign_0/Signature.xml",
        "/Doc_0/Signs/Sign_1/Signature.xml",
    ]
    before, after = _members(first.data), _members(second.data)
    # The first signature's files and everything it protects are byte-for-byte the same.
    for name, data in before.items():
        if name != "Doc_0/Signs/Signatures.xml":
            assert after[name] == data, name
    sigs = etree.fromstring(after["Doc_0/Signs/Signatures.xml"])
    ids = [s.get("ID") for s in sigs.findall("ofd:Signature", namespaces=NS)]
    assert len(ids) == len(set(ids)) == 2
    # The second one also protects the first signature's files.
    refs = {
        r.get("FileRef")
        for r in etree.fromstring(after["Doc_0/Signs/Sign_1/Signature.xml"]).iter(
            f"{{{NS['ofd']}}}Reference"
        )
    }
    assert "/Doc_0/Signs/Sign_0/SignedValue.dat" in refs
    assert "/Doc_0/Signs/Signatures.xml" not in refs


@pytest.mark.parametrize(
    "name",
    [
        "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Pages/Page_2/Content.xml",
        "Doc_0/Pages/Page_3/Content.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/Signs/Sign_0/Seal.esl",
    ],
)
async def test_editing_any_file_after_signing_is_caught_and_named(document, company, name) -> None:
    signed = await sign_ofd(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        placements=[StampPosition(page=0, x_mm=140, y_mm=220)],
    )
    files = _members(signed.data)
    edited = (
        files[name]
        .replace("张三".encode(), "李四".encode())
        .replace("宋体".encode(), "黑体".encode())
    )
    files[name] = edited if edited != files[name] else files[name] + b" "
    report = verify_ofd(_rezip(files), **LIMITS)
    assert not report.intact
    failed = [c for c in report.children[0].checks if c.status == "failed"]
    assert [c.name for c in failed] == [f"reference /{name}"]
    assert "MISMATCH" in failed[0].detail


async def test_signing_over_a_broken_signature_is_refused_with_the_reason(
    document, company
) -> None:
    signed = await sign_ofd(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        placements=[StampPosition(page=0, x_mm=140, y_mm=220)],
    )
    files = _members(signed.data)
    files["Doc_0/Pages/Page_1/Content.xml"] += b"<!-- edited -->"
    calls = company.calls
    with pytest.raises(ValidationFailed) as err:
        await sign_ofd(
            _rezip(files),
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
            placements=[StampPosition(page=0, x_mm=20, y_mm=20)],
        )
    assert err.value.field == "document"
    assert "/Doc_0/Pages/Page_1/Content.xml" in err.value.detail
    assert company.calls == calls  # nothing was sent to the vendor


async def test_a_signature_protecting_signatures_xml_is_not_broken_by_us(company) -> None:
    """ofdrw 1.5.2's Sign_0 listed Signatures.xml; adding one would break it (sample)."""
    sample = (SAMPLES / "ofdrw-v4-two-seals-sign0-protects-Signatures.ofd").read_bytes()
    files = _members(sample)
    # Rebuild the state before ofdrw added Sign_1: then Sign_0 was still valid.
    report = verify_ofd(sample, **LIMITS)
    assert not report.children[0].intact and report.children[1].intact
    with pytest.raises(ValidationFailed) as err:
        await sign_ofd(
            sample,
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
            placements=[StampPosition(page=0, x_mm=20, y_mm=20)],
        )
    assert "Signatures.xml" in err.value.detail
    assert files  # the sample itself is untouched


@pytest.mark.parametrize(
    "sample",
    [
        "kinggrid-v4-cq-test-invoice.ofd",  # relative BaseLoc, no Seal element
        "gomain-v4-zhejiang-tax-invoice.ofd",
        "gomain-v4-guangdong-tax-invoice.ofd",
        "gomain-bw-v4-cq-test-invoice.ofd",
        "antchain-v4-zhejiang-einvoice.ofd",
    ],
)
async def test_vendor_samples_can_be_countersigned(company, sample) -> None:
    """A valid vendor-signed OFD takes a SealHub seal and its own signature stays valid."""
    data = (SAMPLES / sample).read_bytes()
    before = verify_ofd(data, **LIMITS)
    assert before.intact
    signed = await sign_ofd(
        data,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        placements=[StampPosition(page=0, x_mm=10, y_mm=10, width_mm=20, height_mm=20)],
    )
    report = verify_ofd(signed.data, **LIMITS)
    assert report.intact, report.to_dict()
    assert len(report.children) == len(before.children) + 1
    old, new = _members(data), _members(signed.data)
    changed = {n for n in old if old[n] != new[n]}
    assert changed <= {"Doc_0/Signs/Signatures.xml"}  # nothing the vendor signed moved


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("gomain-v4-yunnan-2seals-TAMPERED.ofd", "/Doc_0/Pages/Page_0/Content.xml"),
        ("tongz-v4-rawsig-TAMPERED.ofd", "/OFD.xml"),  # Suwell namespace, relative locations
        ("dms360-v1-REFORMATTED.ofd", "MISMATCH"),
        ("gomain-typeSign-gmt0010-signeddata.ofd", "protects /Doc_0/Signs/Signatures.xml"),
    ],
)
async def test_broken_or_fragile_vendor_samples_are_refused(company, sample, reason) -> None:
    with pytest.raises(ValidationFailed) as err:
        await sign_ofd(
            (SAMPLES / sample).read_bytes(),
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
            placements=[StampPosition(page=0, x_mm=10, y_mm=10)],
        )
    assert err.value.field == "document"
    assert reason in err.value.detail


async def test_riding_seal_spans_pages_with_slices(document, company) -> None:
    signed = await sign_ofd(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        placements=[RidingSeal(y_mm=120)],
    )
    assert verify_ofd(signed.data, **LIMITS).intact
    files = _members(signed.data)
    doc = etree.fromstring(files["Doc_0/Document.xml"])
    page_ids = [p.get("ID") for p in doc.findall("ofd:Pages/ofd:Page", namespaces=NS)]
    annots = etree.fromstring(files["Doc_0/Signs/Sign_0/Signature.xml"]).findall(
        ".//ofd:StampAnnot", namespaces=NS
    )
    assert [a.get("PageRef") for a in annots] == page_ids
    n = len(page_ids)
    for k, annot in enumerate(annots):
        x, y, w, h = (float(v) for v in annot.get("Boundary").split())
        cx, cy, cw, ch = (float(v) for v in annot.get("Clip").split())
        assert (w, h, y, cy, ch) == (42, 42, 120, 0, 42)
        assert cw == pytest.approx(42 / n, abs=1e-3) and cx == pytest.approx(k * 42 / n, abs=1e-3)
        # The visible slice sits flush with the page's right edge.
        assert x + cx + cw == pytest.approx(210, abs=1e-3)


async def test_bad_placements_are_rejected(document, company) -> None:
    with pytest.raises(ValidationFailed) as err:
        await sign_ofd(
            document,
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
            placements=[StampPosition(page=99, x_mm=0, y_mm=0)],
        )
    assert err.value.field == "page"
    with pytest.raises(ValidationFailed):
        await sign_ofd(
            document,
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
            placements=[StampPosition(page=0, x_mm=190, y_mm=0)],
        )


async def test_a_wrong_answer_from_the_signer_is_not_written(document, company, person) -> None:
    async def wrong_key(tbs: bytes) -> tuple[bytes, bytes]:
        return person.key.sign(tbs), company.cert.der  # key does not match the cert

    with pytest.raises(CryptoError):
        await sign_ofd(
            document,
            seal_der=company.seal,
            sign_tbs=wrong_key,
            placements=[StampPosition(page=0, x_mm=20, y_mm=20)],
        )
