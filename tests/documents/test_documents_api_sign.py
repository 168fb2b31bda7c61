"""POST /api/v1/documents/sign: OFD and PDF signed through the hub's signing service."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from documents_api_support import SEAL_PASSWORD, personal_seal, sign_file

from hub.crypto import sm3
from hub.documents.ofd_writer import write_text_ofd
from hub.documents.pdf_writer import write_text_pdf
from hub.formats import parse_signature, verify_ofd
from hub.problems import json_pointer


async def test_ofd_signed_twice_through_the_api_both_verify(
    make_tenant: Any, limits: dict[str, int]
) -> None:
    t = await make_tenant()
    alice, bob = await t.add_person("王五"), await t.add_person("赵六")
    seal_a, seal_b = await personal_seal(t, alice), await personal_seal(t, bob)
    original = write_text_ofd("第一页\n" * 80, title="合同")

    r = await sign_file(t.client, alice.headers, original, seal_a["id"], page=0, x_mm=20, y_mm=30)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["kind"] == "ofd" and first["subject_sm3"] == sm3(original).hex()
    assert first["property_info"] == "/Doc_0/Signs/Sign_0/Signature.xml"
    got = await t.client.get(f"/api/v1/documents/{first['id']}", headers=alice.headers)
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/ofd")
    once = got.content
    assert sm3(once).hex() == first["document_sm3"]

    # The second signer signs the signed OFD, with a riding seal across the pages.
    r = await sign_file(t.client, bob.headers, once, seal_b["id"], riding="true", y_mm=100)
    assert r.status_code == 201, r.text
    twice = (await t.client.get(f"/api/v1/documents/{r.json()['id']}", headers=bob.headers)).content
    report = verify_ofd(twice, **limits)
    assert report.intact, report.to_text()
    assert len(report.children) == 2 and all(c.intact for c in report.children)
    # Each SignedValue.dat is the signing service's record (the detached SES is the same).
    with zipfile.ZipFile(io.BytesIO(twice)) as zf:
        values = [zf.read(f"Doc_0/Signs/Sign_{n}/SignedValue.dat") for n in (0, 1)]
    ses = await t.client.get(f"/api/v1/signatures/{first['id']}/ses", headers=alice.headers)
    assert ses.content == values[0]
    assert parse_signature(values[1]).property_info == "/Doc_0/Signs/Sign_1/Signature.xml"
    # And the public verifier agrees.
    rep = (await t.client.post("/api/v1/verify", files={"file": ("x.ofd", twice)})).json()
    assert rep["valid"] is True


async def test_retry_with_the_same_key_returns_the_same_document(make_tenant: Any) -> None:
    t = await make_tenant()
    person = await t.add_person()
    seal = await personal_seal(t, person)
    ofd = write_text_ofd("承诺书")
    r1 = await sign_file(
        t.client, person.headers, ofd, seal["id"], key="doc-key-0001", page=0, x_mm=50, y_mm=50
    )
    assert r1.status_code == 201, r1.text
    r2 = await sign_file(
        t.client, person.headers, ofd, seal["id"], key="doc-key-0001", page=0, x_mm=50, y_mm=50
    )
    assert r2.status_code == 201, r2.text
    assert r2.json()["replayed"] is True and r1.json()["replayed"] is False
    assert r2.json()["id"] == r1.json()["id"]
    assert r2.json()["document_sm3"] == r1.json()["document_sm3"]
    listed = (await t.client.get("/api/v1/signatures", headers=person.headers)).json()
    assert len(listed) == 1  # one signature, not two
    # The same key for another document is a conflict, not a second signature.
    r3 = await sign_file(
        t.client,
        person.headers,
        write_text_ofd("另一份"),
        seal["id"],
        key="doc-key-0001",
        page=0,
        x_mm=50,
        y_mm=50,
    )
    assert r3.status_code == 409


async def test_pdf_signed_through_the_api_verifies_at_the_public_verifier(make_tenant: Any) -> None:
    t = await make_tenant()
    person = await t.add_person()
    seal = await personal_seal(t, person)
    pdf = write_text_pdf("复工证明\n" * 5)
    r = await sign_file(
        t.client, person.headers, pdf, seal["id"], name="a.pdf", page=0, x_mm=120, y_mm=200
    )
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "pdf" and r.json()["property_info"] == "pdf:SealHub1"
    signed = (
        await t.client.get(f"/api/v1/documents/{r.json()['id']}", headers=person.headers)
    ).content
    assert signed.startswith(pdf[:8])
    rep = (await t.client.post("/api/v1/verify", files={"file": ("s.pdf", signed)})).json()
    assert rep["valid"] is True and rep["kind"] == "pdf", rep
    # A second signature on the PDF keeps the first valid.
    r = await sign_file(
        t.client, person.headers, signed, seal["id"], name="s.pdf", page=0, x_mm=20, y_mm=200
    )
    assert r.status_code == 201, r.text
    twice = (
        await t.client.get(f"/api/v1/documents/{r.json()['id']}", headers=person.headers)
    ).content
    rep = (await t.client.post("/api/v1/verify", files={"file": ("s2.pdf", twice)})).json()
    assert rep["valid"] is True and len(rep["signatures"]) == 2, rep


async def test_refusals_name_the_reason(make_tenant: Any, limits: dict[str, int]) -> None:
    t = await make_tenant()
    person = await t.add_person()
    seal = await personal_seal(t, person)
    ofd = write_text_ofd("正文")
    cases = [
        (b"just some text", {"page": 0, "x_mm": 10, "y_mm": 10}, "file"),
        (ofd, {"page": 5, "x_mm": 10, "y_mm": 10}, "page"),
        (ofd, {"page": 0, "x_mm": 200, "y_mm": 10}, "position"),
        (ofd, {"x_mm": 10, "y_mm": 10}, "page"),
        (ofd, {"page": 0, "x_mm": "left", "y_mm": 10}, "x_mm"),
        (write_text_pdf("x"), {"riding": "true", "y_mm": 10}, "riding"),
    ]
    for data, fields, field in cases:
        r = await sign_file(t.client, person.headers, data, seal["id"], **fields)
        assert r.status_code == 422, (fields, r.text)
        assert r.json()["field"] == json_pointer(field), (fields, r.json())

    # A signed OFD whose page was edited afterwards cannot be signed again.
    r = await sign_file(t.client, person.headers, ofd, seal["id"], page=0, x_mm=10, y_mm=10)
    signed = (
        await t.client.get(f"/api/v1/documents/{r.json()['id']}", headers=person.headers)
    ).content
    src = zipfile.ZipFile(io.BytesIO(signed))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "Doc_0/Pages/Page_0/Content.xml":
                body = body.replace("正文".encode(), "伪造".encode())
            zf.writestr(info, body)
    assert not verify_ofd(out.getvalue(), **limits).intact
    r = await sign_file(
        t.client, person.headers, out.getvalue(), seal["id"], page=0, x_mm=60, y_mm=60
    )
    assert r.status_code == 422 and r.json()["field"] == "/document", r.text
    assert "does not verify" in r.json()["detail"] and "Content.xml" in r.json()["detail"]

    r = await sign_file(
        t.client, person.headers, ofd, seal["id"], password="wrong-pass-9", page=0, x_mm=10, y_mm=10
    )
    assert r.status_code == 403
    assert SEAL_PASSWORD != "wrong-pass-9"


async def test_other_tenant_sees_no_documents(make_tenant: Any) -> None:
    a, b = await make_tenant(), await make_tenant()
    person = await a.add_person()
    seal = await personal_seal(a, person)
    r = await sign_file(
        a.client, person.headers, write_text_ofd("文"), seal["id"], page=0, x_mm=10, y_mm=10
    )
    doc_id = r.json()["id"]
    intruder = await b.add_person()
    for headers in (intruder.headers, b.admin_headers):
        assert (
            await b.client.get(f"/api/v1/documents/{doc_id}", headers=headers)
        ).status_code == 404
    r = await sign_file(
        b.client, intruder.headers, write_text_ofd("文"), seal["id"], page=0, x_mm=10, y_mm=10
    )
    assert r.status_code == 404
    # Same tenant, another citizen: not theirs either.
    other = await a.add_person()
    assert (
        await a.client.get(f"/api/v1/documents/{doc_id}", headers=other.headers)
    ).status_code == 404
