"""Signed OFD and PDF documents carry the timestamp token of their SES_Signature."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from documents_api_support import personal_seal, sign_file

from hub.documents.ofd_writer import write_text_ofd
from hub.documents.pdf_writer import write_text_pdf
from hub.formats import parse_signature
from hub.formats.asn1 import token_from_time_stamp_field
from hub.tsa.verify import check_timestamp_token


def _token_checks_out(ses: bytes) -> None:
    info = parse_signature(ses)
    assert info.time_stamp is not None, "the signature carries no timeStamp"
    check = check_timestamp_token(token_from_time_stamp_field(info.time_stamp), info.signature)
    assert check.problems == []


async def test_signed_ofd_and_pdf_carry_the_token(make_tenant: Any) -> None:
    t = await make_tenant()
    person = await t.add_person()
    seal = await personal_seal(t, person)

    r = await sign_file(
        t.client, person.headers, write_text_ofd("合同\n" * 3), seal["id"], page=0, x_mm=20, y_mm=30
    )
    assert r.status_code == 201, r.text
    ofd = (
        await t.client.get(f"/api/v1/documents/{r.json()['id']}", headers=person.headers)
    ).content
    with zipfile.ZipFile(io.BytesIO(ofd)) as zf:
        _token_checks_out(zf.read("Doc_0/Signs/Sign_0/SignedValue.dat"))

    r = await sign_file(
        t.client,
        person.headers,
        write_text_pdf("证明\n" * 3),
        seal["id"],
        name="a.pdf",
        page=0,
        x_mm=120,
        y_mm=200,
    )
    assert r.status_code == 201, r.text
    record = r.json()
    pdf = (await t.client.get(f"/api/v1/documents/{record['id']}", headers=person.headers)).content
    ses = (
        await t.client.get(f"/api/v1/signatures/{record['id']}/ses", headers=person.headers)
    ).content
    _token_checks_out(ses)
    assert ses.hex().encode() in pdf.lower()  # the /Contents of the signed PDF is that SES
