"""Signing documents through a digest signer (the hub's signing service path)."""

from __future__ import annotations

import pytest

from hub.documents.ofd_sign import StampPosition, sign_ofd
from hub.documents.ofd_writer import write_text_ofd
from hub.documents.pdf_sign import PdfStamp, sign_pdf
from hub.documents.pdf_verify import verify_pdf
from hub.documents.pdf_writer import write_text_pdf
from hub.errors import CryptoError
from hub.formats import parse_signature, verify_ofd

LIMITS = {"max_uncompressed": 50 * 1024 * 1024, "max_entries": 1000}
APPROVAL = ("1.2.156.112570.1.1", False, b"\x11" * 32)  # like the hub's approval leaf


async def test_ofd_and_pdf_signed_through_a_digest_signer(company, digest_signer) -> None:
    sign_digest = digest_signer(company, ext_datas=[APPROVAL])
    ofd = await sign_ofd(
        write_text_ofd("正文"),
        seal_der=company.seal,
        sign_digest=sign_digest,
        placements=[StampPosition(0, 100, 100)],
    )
    assert verify_ofd(ofd.data, **LIMITS).intact
    assert parse_signature(ofd.signed_value).ext_datas == [APPROVAL]
    pdf = await sign_pdf(
        write_text_pdf("正文"),
        seal_der=company.seal,
        sign_digest=sign_digest,
        stamp=PdfStamp(0, 100, 100),
    )
    report = verify_pdf(pdf.data)
    assert report.intact, report.to_text()


@pytest.mark.parametrize("wrong", ["property_info", "seal"])
async def test_a_digest_signature_for_something_else_is_refused(
    company, person, wrong, digest_signer
) -> None:
    bad = (
        digest_signer(company, property_info="/elsewhere.xml")
        if wrong == "property_info"
        else digest_signer(person)
    )  # a valid signature, but with another seal
    with pytest.raises(CryptoError):
        await sign_ofd(
            write_text_ofd("正文"),
            seal_der=company.seal,
            sign_digest=bad,
            placements=[StampPosition(0, 100, 100)],
        )
    with pytest.raises(CryptoError):
        await sign_pdf(
            write_text_pdf("正文"),
            seal_der=company.seal,
            sign_digest=bad,
            stamp=PdfStamp(0, 100, 100),
        )


async def test_exactly_one_signer_is_required(company, digest_signer) -> None:
    with pytest.raises(TypeError):
        await sign_ofd(
            write_text_ofd("正文"), seal_der=company.seal, placements=[StampPosition(0, 100, 100)]
        )
    with pytest.raises(TypeError):
        await sign_pdf(
            write_text_pdf("正文"),
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
            sign_digest=digest_signer(company),
            stamp=PdfStamp(0, 100, 100),
        )
