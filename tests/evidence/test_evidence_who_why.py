"""Evidence that says who and why: the log's signing and approval entries carry
pseudonyms and a purpose commitment, never the clear values; the package for an entitled
caller discloses them and the verifier proves they match the leaves."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from hub.crypto import sm3
from hub.evidence.events import Event
from hub.evidence.package import verify_package
from hub.evidence.who import account_pseudonym

SEAL_PASSWORD = "seal-pass-2026"
PURPOSE = "签订2026年度采购合同"


async def _approved_signing(t: Any) -> tuple[dict[str, Any], dict[str, Any], Any]:
    ent = await t.add_enterprise("某某贸易有限公司")
    clerk = await t.add_account(["clerk"])
    r = await t.client.post(
        "/api/v1/seals",
        headers=ent.agent_headers,
        json={"seal_type": "official", "enterprise_id": ent.id},
    )
    seal = r.json()
    r = await t.client.post(f"/api/v1/seals/{seal['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200, r.text
    await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=ent.agent_headers,
        json={"password": SEAL_PASSWORD},
    )
    doc = "采购合同正文".encode()
    r = await t.client.post(
        "/api/v1/use-requests",
        headers=ent.agent_headers,
        json={"seal_id": seal["id"], "document_sm3": sm3(doc).hex(), "purpose": PURPOSE},
    )
    use = r.json()
    r = await t.client.post(f"/api/v1/use-requests/{use['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200, r.text
    r = await t.client.post(
        "/api/v1/signatures",
        headers={**ent.agent_headers, "Idempotency-Key": secrets.token_hex(8)},
        json={
            "seal_id": seal["id"],
            "password": SEAL_PASSWORD,
            "document_sm3": sm3(doc).hex(),
            "use_request_id": use["id"],
        },
    )
    assert r.status_code == 201, r.text
    signature = r.json()
    r = await t.client.get(
        f"/api/v1/evidence/signatures/{signature['id']}", headers=ent.agent_headers
    )
    assert r.status_code == 200, r.text
    return r.json(), use, ent


async def test_package_discloses_who_and_why_and_proves_it(make_tenant: Any) -> None:
    t = await make_tenant()
    package, use, _ent = await _approved_signing(t)
    leaves = b"".join(
        json.dumps(e["event"], ensure_ascii=False).encode() for e in package["entries"]
    )
    assert PURPOSE.encode() not in leaves  # no clear purpose in any leaf
    disclosure = package["disclosure"]
    assert disclosure["purpose"] == PURPOSE and disclosure["use_request_id"] == use["id"]
    assert disclosure["signer_account_id"].encode() not in leaves
    assert disclosure["approver_account_id"].encode() not in leaves
    signature_event = Event.decode(base64.b64decode(package["entries"][-1]["leaf"]))
    assert signature_event.digests["signer_hash"] == account_pseudonym(
        signature_event.tenant, disclosure["signer_account_id"]
    )
    assert "signer_cert_sm3" in signature_event.digests
    approval_event = Event.decode(base64.b64decode(package["entries"][0]["leaf"]))
    assert approval_event.digests["decided_by_hash"] == account_pseudonym(
        approval_event.tenant, disclosure["approver_account_id"]
    )

    report = verify_package(package)
    assert report.intact, report.to_text()
    checks = {c.name: c for c in report.checks}
    assert checks["who and why"].ok
    sources = [p["source"] for p in report.info["proofs_of_existence"]]
    assert any("RFC 3161" in s for s in sources)  # the signature's own timestamp

    for key, forged in (
        ("purpose", "另一个目的"),
        ("approver_account_id", disclosure["signer_account_id"]),
        ("signer_account_id", disclosure["approver_account_id"]),
    ):
        lie = dict(package, disclosure={**disclosure, key: forged})
        bad = verify_package(lie)
        assert not bad.intact
        assert not {c.name: c for c in bad.checks}["who and why"].ok


async def test_evidence_report_pdf_reads_and_carries_the_package(make_tenant: Any) -> None:
    import io

    import pikepdf
    import pypdfium2

    t = await make_tenant()
    package, _use, ent = await _approved_signing(t)
    signature_id = None
    for entry in package["entries"]:
        subject = entry["event"]["subject"]
        if entry["event"]["type"] == "signature.made":
            signature_id = subject["signature_id"]
    r = await t.client.get(
        f"/api/v1/evidence/signatures/{signature_id}/report.pdf", headers=ent.agent_headers
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/pdf")
    doc = pypdfium2.PdfDocument(r.content)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "电子签章存证报告" in text
    assert "有效 TOTAL_PASSED" in text  # judged with the hub's own trust context
    assert PURPOSE in text  # the disclosed purpose, for the entitled reader
    assert "RFC 3161" in text  # the signature's timestamp as proof of existence
    assert "[未通过 FAILED]" not in text
    with pikepdf.open(io.BytesIO(r.content)) as pdf:
        attached = pdf.attachments["evidence-package.json"].get_file().read_bytes()
    carried = json.loads(attached)
    assert carried["ses_signature"] == package["ses_signature"]
    assert verify_package(carried).intact
    # Another tenant cannot fetch it.
    other = await make_tenant()
    outsider = await other.add_person("孙七")
    r = await other.client.get(
        f"/api/v1/evidence/signatures/{signature_id}/report.pdf", headers=outsider.headers
    )
    assert r.status_code == 404
