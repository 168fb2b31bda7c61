"""Signing PDF: a visible seal where asked, a GB/T 38540 signature over the ByteRange,
two sequential signatures, and edits after signing flagged."""

from __future__ import annotations

import io
import logging

import pikepdf
import pypdfium2 as pdfium
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from hub.crypto import sm3
from hub.documents.pdf_sign import PT_PER_MM, SUBFILTER, PdfStamp, sign_pdf
from hub.documents.pdf_verify import verify_pdf
from hub.documents.pdf_writer import write_text_pdf
from hub.errors import CryptoError, ValidationFailed
from hub.formats import parse_signature


@pytest.fixture(scope="module")
def document() -> bytes:
    return write_text_pdf("兹证明张三同志系我单位职工。\n" * 70, title="在职证明")


def _checks(report) -> dict[str, bool]:
    return {c.name: c.ok for c in report.checks}


async def test_signed_pdf_verifies_and_embeds_an_ses_signature(document, company) -> None:
    signed = await sign_pdf(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        stamp=PdfStamp(page=0, x_mm=140, y_mm=200),
    )
    assert signed.data.startswith(document)  # an incremental update, not a rewrite
    report = verify_pdf(signed.data)
    assert report.intact, report.to_text()
    (sig,) = report.children
    assert sig.info["field"] == "SealHub1" and sig.info["sub_filter"] == SUBFILTER
    assert sig.info["covers_bytes"] == len(signed.data)
    assert sig.info["covered_revision"] == 2 and sig.info["revisions"] == 2
    checks = _checks(sig)
    for name in (
        "byte range",
        "signer signature",
        "document digest",
        "property info",
        "changes after signing",
    ):
        assert checks[name], name
    assert sig.children[0].kind == "seal" and sig.children[0].intact
    # The ByteRange digest is what the SES_Signature signed.
    _, a, b, c = signed.byte_range
    assert parse_signature(signed.signed_value).data_hash == sm3(
        signed.data[:a] + signed.data[b : b + c]
    )


async def test_pdf_signed_twice_both_verify_and_report_coverage(document, company, person) -> None:
    first = await sign_pdf(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        stamp=PdfStamp(page=0, x_mm=140, y_mm=200),
    )
    second = await sign_pdf(
        first.data,
        seal_der=person.seal,
        sign_tbs=person.sign_tbs,
        stamp=PdfStamp(page=1, x_mm=30, y_mm=30),
    )
    assert second.data.startswith(first.data)
    report = verify_pdf(second.data)
    assert report.intact, report.to_text()
    one, two = report.children
    assert (one.info["field"], two.info["field"]) == ("SealHub1", "SealHub2")
    assert (
        one.info["covers_bytes"] == len(first.data) < two.info["covers_bytes"] == len(second.data)
    )
    assert (one.info["covered_revision"], two.info["covered_revision"]) == (2, 3)
    assert one.info["modified_after"] and not two.info["modified_after"]
    assert one.info["modification_level"] == "FORM_FILLING"


async def test_an_edit_after_signing_is_flagged(document, company, person, caplog) -> None:
    first = await sign_pdf(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        stamp=PdfStamp(page=0, x_mm=140, y_mm=200),
    )
    second = await sign_pdf(
        first.data,
        seal_der=person.seal,
        sign_tbs=person.sign_tbs,
        stamp=PdfStamp(page=1, x_mm=30, y_mm=30),
    )
    # Someone appends an incremental update that paints over page 1's text.
    writer = IncrementalPdfFileWriter(io.BytesIO(second.data))
    patch = generic.StreamObject(stream_data=b"q 1 1 1 rg 60 700 300 60 re f Q")
    writer.add_stream_to_page(0, writer.add_object(patch))
    out = io.BytesIO()
    writer.write(out)
    edited = out.getvalue()
    caplog.set_level(logging.DEBUG)
    report = verify_pdf(edited)
    assert not report.intact
    # pyHanko's own complaints (logged with tracebacks) stay out of the logs: the report
    # names them as checks.
    assert not [r for r in caplog.records if r.name.startswith("pyhanko")], caplog.text
    for sig in report.children:
        checks = _checks(sig)
        # The signed bytes are intact: signatures and seals still verify...
        assert checks["signer signature"] and checks["document digest"]
        # ...but the document changed after each of them, and the report says so.
        assert not checks["changes after signing"]
        detail = next(c.detail for c in sig.checks if c.name == "changes after signing")
        assert "changed after signing" in detail
    assert report.children[1].info["covered_revision"] == 3
    assert report.info["revisions"] == 4


async def test_tampering_inside_the_signed_bytes_breaks_the_digest(document, company) -> None:
    signed = await sign_pdf(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        stamp=PdfStamp(page=0, x_mm=140, y_mm=200),
    )
    marker = b"/Title"
    pos = signed.data.index(marker)
    tampered = signed.data[:pos] + b"/Titlf" + signed.data[pos + len(marker) :]
    report = verify_pdf(tampered)
    assert not report.intact
    assert not _checks(report.children[0])["document digest"]


async def test_a_rewrite_by_another_tool_is_caught(document, company) -> None:
    signed = await sign_pdf(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        stamp=PdfStamp(page=0, x_mm=140, y_mm=200),
    )
    with pikepdf.open(io.BytesIO(signed.data)) as pdf:
        out = io.BytesIO()
        pdf.save(out)  # full rewrite: objects move, the ByteRange no longer fits
    report = verify_pdf(out.getvalue())
    assert not report.intact


async def test_the_stamp_is_drawn_where_it_was_asked(document, company) -> None:
    x_mm, y_mm, page_no = 120, 180, 1
    signed = await sign_pdf(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        stamp=PdfStamp(page=page_no, x_mm=x_mm, y_mm=y_mm),
    )
    scale = 2.0  # 144 dpi
    doc = pdfium.PdfDocument(signed.data)
    doc.init_forms()
    try:
        img = doc[page_no].render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
        other = doc[0].render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
    finally:
        doc.close()
    px = PT_PER_MM * scale

    def red(p: tuple[int, int, int]) -> bool:
        return p[0] > 150 and p[1] < 100 and p[2] < 100

    reds = [
        (x, y)
        for y in range(img.height)
        for x in range(0, img.width, 2)
        if red(img.getpixel((x, y)))
    ]
    assert reds, "no red stamp on the page"
    xs, ys = [x for x, _ in reds], [y for _, y in reds]
    # The stamp's ink spans the 42 mm box at (120, 180) mm, to within a millimetre.
    assert min(xs) == pytest.approx(x_mm * px, abs=px)
    assert max(xs) == pytest.approx((x_mm + 42) * px, abs=px)
    assert min(ys) == pytest.approx(y_mm * px, abs=px)
    assert max(ys) == pytest.approx((y_mm + 42) * px, abs=px)
    # Its centre is the star: solid red.
    assert red(img.getpixel((round((x_mm + 21) * px), round((y_mm + 21) * px))))
    # Nothing red on the page that was not stamped.
    assert not any(
        red(other.getpixel((x, y)))
        for y in range(0, other.height, 3)
        for x in range(0, other.width, 3)
    )


async def test_bad_stamp_positions_are_rejected(document, company) -> None:
    with pytest.raises(ValidationFailed) as err:
        await sign_pdf(
            document,
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
            stamp=PdfStamp(page=9, x_mm=0, y_mm=0),
        )
    assert err.value.field == "page"
    with pytest.raises(ValidationFailed) as err:
        await sign_pdf(
            document,
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
            stamp=PdfStamp(page=0, x_mm=190, y_mm=0),
        )
    assert err.value.field == "position"


async def test_a_wrong_signer_answer_is_not_embedded(document, company, person) -> None:
    async def wrong(tbs: bytes) -> tuple[bytes, bytes]:
        return person.key.sign(tbs), company.cert.der

    with pytest.raises(CryptoError):
        await sign_pdf(
            document,
            seal_der=company.seal,
            sign_tbs=wrong,
            stamp=PdfStamp(page=0, x_mm=20, y_mm=20),
        )


def test_unsigned_pdf_is_reported_unsigned(document) -> None:
    report = verify_pdf(document)
    assert not report.intact and report.children == []


async def _cms_signed(pdf: bytes) -> bytes:
    """`pdf` with an ordinary PAdES/CMS signature (ECDSA P-256) made by pyHanko."""
    from datetime import UTC, datetime, timedelta

    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "foreign signer")])
    now = datetime.now(UTC)
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=9))
        .sign(key, hashes.SHA256())
    )
    signer = signers.SimpleSigner(
        signing_cert=x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore(),
    )
    out = await signers.async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name="Foreign"),
        signer=signer,
    )
    return out.getvalue()


async def test_a_foreign_cms_signature_is_listed_but_not_passed(document, company) -> None:
    signed = await sign_pdf(
        document,
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
        stamp=PdfStamp(page=0, x_mm=140, y_mm=200),
    )
    both = await _cms_signed(signed.data)
    report = verify_pdf(both)
    ours, foreign = report.children
    assert foreign.info["field"] == "Foreign"
    assert foreign.info["sub_filter"] == "/adbe.pkcs7.detached"
    assert not foreign.intact and "GB/T 38540" in foreign.checks[0].detail
    # Our seal still verifies; the later CMS signature only added a signature.
    assert ours.intact, ours.to_text()
    assert not report.intact  # one signature could not be verified here
