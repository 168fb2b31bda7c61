"""The real files added for issue 14: each parses, its variants are the ones recorded,
and its cryptography (maker signature, signer signature, document digest) verifies for
the genuine ones. In-process, so the assertions can name variant keys, not texts."""

from __future__ import annotations

import io
import zipfile

import pytest
from formats_support import SAMPLES

from hub.crypto import Certificate
from hub.formats import parse_seal, parse_signature, verify_any, verify_seal, verify_signature
from hub.formats.report import Report
from hub.formats.signeddata import verify_signed_data
from hub.formats.variants import describe, verify_sm2

LIMITS = {"max_uncompressed": 50 * 1024 * 1024, "max_entries": 1000}
CRYPTO = ("seal maker signature", "signer signature", "document digest")


def _read(rel: str) -> bytes:
    return (SAMPLES / rel).read_bytes()


def _checks(report: Report) -> dict[str, bool]:
    return {c.name: c.ok for c in report.checks}


def _all_checks(report: Report, prefix: str = "") -> dict[str, bool]:
    """Check name -> not failed (a check left undecided for lack of a trust anchor or a
    proof of existence counts as not failed: these files are judged for integrity)."""
    out = {prefix + c.name: c.ok or c.undecided for c in report.checks}
    for child in report.children:
        label = child.info.get("path", child.kind)
        out |= _all_checks(child, f"{prefix}{label}: ")
    return out


# rel -> the variant keys the parser must record for the seal (and, for a signature,
# for the signature itself); nothing else.
SEALS = {
    "esl/anzhengtong-v4-negative-r-seal.esl": set(),
    "esl/kinggrid-v1-header2-seal.esl": {"layout-version-mismatch"},
    "esl/dianju-v4-suzhou-civil-affairs-seal.esl": set(),
}


@pytest.mark.parametrize("rel", sorted(SEALS))
def test_real_seal_parses_with_its_recorded_variants_and_the_maker_signature_verifies(
    rel: str,
) -> None:
    seal = parse_seal(_read(rel))
    assert set(seal.variants) == SEALS[rel]
    report = verify_seal(_read(rel))
    assert _checks(report)["seal maker signature"] is True
    assert report.intact


def test_anzhengtong_maker_signature_needs_r_read_as_unsigned() -> None:
    """安证通 writes r = 0xd024... as a 32-octet INTEGER without the 0x00 that keeps it
    positive. A strict DER reader rejects it; read as unsigned it verifies over the
    stored SES_SealInfo, and the report names the variant."""
    seal = parse_seal(_read("esl/anzhengtong-v4-negative-r-seal.esl"))
    assert seal.signature[:4] == bytes.fromhex("30440220") and seal.signature[4] & 0x80
    key = Certificate.load(seal.maker_cert).public_key
    assert key.verify(seal.signature, seal.info_bytes) is False  # strict DER: refused
    assert verify_sm2(key, seal.signature, seal.info_bytes) == (True, "negative-integer-rs")
    report = verify_seal(_read("esl/anzhengtong-v4-negative-r-seal.esl"))
    assert describe("negative-integer-rs") in report.variants
    # The lenient reading is of the signature value only: one changed signed byte fails.
    info = bytearray(seal.info_bytes)
    info[len(info) // 2] ^= 0x01
    assert verify_sm2(key, seal.signature, bytes(info)) == (False, None)


def test_anzhengtong_signature_verifies_and_its_seal_carries_the_variant() -> None:
    sig = parse_signature(_read("signedvalue/anzhengtong-v4-SignedValue.dat"))
    assert sig.variants == () and sig.seal.seal_der == _read(
        "esl/anzhengtong-v4-negative-r-seal.esl"
    )
    report = verify_signature(_read("signedvalue/anzhengtong-v4-SignedValue.dat"))
    assert (
        _checks(report)["signer signature"] and _checks(report.children[0])["seal maker signature"]
    )
    assert describe("negative-integer-rs") in report.children[0].variants
    assert report.intact


def test_kinggrid_v1_layout_behind_header_version_2() -> None:
    """金格 (KingGrid 4.0) writes the GM/T 0031-2014 structure with version 2 in both
    headers: read by structure, the maker signature is the V1 one."""
    seal = parse_seal(_read("esl/kinggrid-v1-header2-seal.esl"))
    assert (seal.version, seal.layout) == (2, 1)
    report = verify_seal(_read("esl/kinggrid-v1-header2-seal.esl"))
    maker = next(c for c in report.checks if c.name == "seal maker signature")
    assert maker.ok and "SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}" in maker.detail


def test_kinggrid_court_template_ofd_verifies_end_to_end() -> None:
    report = verify_any(_read("ofd/kinggrid-v1-header2-court-template.ofd"), **LIMITS)
    checks = _all_checks(report)
    sig = "/Doc_0/Signs/Sign_0/Signature.xml: "
    assert checks[sig + "signer signature"] and checks[sig + "document digest"]
    assert checks[sig + "seal: seal maker signature"]
    assert all(checks.values()), {k for k, v in checks.items() if not v}
    (signature,) = report.children
    assert signature.version == 2 and describe("layout-version-mismatch") in signature.variants
    assert signature.info["provider"]["ProviderName"] == "KingGrid"


def test_dianju_suzhou_signed_value_verifies() -> None:
    """点聚 (DianJu), 苏州市民政局电子证照专用章: a government seal; the OFD it came from
    (ofdrw's 不规范资源路径.ofd) is a marriage record and is not copied, so the document
    digest cannot be checked here, only the signature and the seal."""
    sig = parse_signature(_read("signedvalue/dianju-v4-suzhou-civil-affairs-SignedValue.dat"))
    assert sig.variants == () and sig.seal.vid == "dianju"
    report = verify_signature(_read("signedvalue/dianju-v4-suzhou-civil-affairs-SignedValue.dat"))
    assert _checks(report)["signer signature"] and report.children[0].intact


def test_baiwang_test_invoice_verifies_end_to_end() -> None:
    report = verify_any(_read("ofd/gomain-v4-baiwang-beijing-test-invoice.ofd"), **LIMITS)
    checks = _all_checks(report)
    assert all(checks.values()), {k for k, v in checks.items() if not v}
    assert report.intact and len(report.children) == 1


def test_edited_invoice_fails_on_exactly_the_edit_and_verifies_once_undone() -> None:
    """ofdrw edited one path in Document.xml of the BW invoice (TPLS -> Tpls) in 2026:
    a real integrity failure, and the only one; undoing the edit makes it verify."""
    data = _read("ofd/gomain-bw-v4-cq-test-invoice-EDITED.ofd")
    report = verify_any(data, **LIMITS)
    failed = {k for k, v in _all_checks(report).items() if not v}
    assert failed == {"/Doc_0/Signs/Sign_0/Signature.xml: reference /Doc_0/Document.xml"}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "Doc_0/Document.xml":
                assert b'BaseLoc="Tpls/' in body
                body = body.replace(b'BaseLoc="Tpls/', b'BaseLoc="TPLS/')
            z.writestr(info.filename, body)
    assert verify_any(out.getvalue(), **LIMITS).intact


def test_ccb_bank_receipt_signed_data_verifies_over_its_signature_xml() -> None:
    """建设银行 electronic receipt (Type="Sign"): GM/T 0010 SignedData with signed
    attributes (messageDigest = SM3 of Signature.xml). The receipt names a private
    payee, so only Signature.xml (digests) and SignedValue.dat are kept."""
    value = _read("signeddata/ccb-bank-receipt-SignedValue.dat")
    xml = _read("signeddata/ccb-bank-receipt-Signature.xml")
    report = Report(kind="signature")
    verify_signed_data(report, value, xml, "/Doc_0/Signs/Sign_0/Signature.xml", None)
    assert _checks(report) == {
        "document digest": True,
        "signer signature": True,
        "signer cert validity": True,
        "signer certificate chain": False,  # undecided: no CCB root is trusted here
    }
    assert [c.name for c in report.checks if c.undecided] == ["signer certificate chain"]
    assert "CCB Bank Receipt" in report.info["signer"] and report.variants == []
    edited = Report(kind="signature")
    verify_signed_data(edited, value, xml.replace(b"SM3", b"sm3"), "/x", None)
    assert _checks(edited)["document digest"] is False


@pytest.mark.parametrize(
    "rel",
    [
        "esl/anzhengtong-v4-negative-r-seal.esl",
        "signedvalue/anzhengtong-v4-SignedValue.dat",
        "esl/kinggrid-v1-header2-seal.esl",
        "ofd/kinggrid-v1-header2-court-template.ofd",
        "esl/dianju-v4-suzhou-civil-affairs-seal.esl",
        "signedvalue/dianju-v4-suzhou-civil-affairs-SignedValue.dat",
        "ofd/gomain-v4-baiwang-beijing-test-invoice.ofd",
    ],
)
def test_genuine_real_files_pass_every_cryptographic_check(rel: str) -> None:
    checks = _all_checks(verify_any(_read(rel), **LIMITS))
    crypto = {k: v for k, v in checks.items() if k.rsplit(": ", 1)[-1] in CRYPTO}
    assert crypto and all(crypto.values()), crypto
