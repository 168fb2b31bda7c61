"""Seal lifecycle and cloud signing through the HTTP API, on every engine."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import httpx
import pytest

from hub.crypto import sm3
from hub.formats import parse_seal, verify_signature
from hub.problems import json_pointer

SEAL_PASSWORD = "seal-pass-2026"


async def personal_seal(t: Any) -> tuple[Any, dict[str, Any]]:
    person = await t.add_person("王五")
    r = await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    assert r.status_code == 201, r.text
    seal = r.json()
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": SEAL_PASSWORD},
    )
    assert r.status_code == 204, r.text
    return person, seal


async def sign(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    seal_id: str,
    doc: bytes,
    key: str | None = None,
    password: str = SEAL_PASSWORD,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        "/api/v1/signatures",
        headers={**headers, "Idempotency-Key": key or secrets.token_hex(8)},
        json={"seal_id": seal_id, "password": password, "document_sm3": sm3(doc).hex(), **extra},
    )


async def test_personal_seal_is_made_at_once_and_verifies(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    assert seal["status"] == "active" and seal["vendor"] == "local"
    info = parse_seal(base64.b64decode(seal["seal"]))
    assert info.version == 4 and info.name == "王五" and info.esid == seal["esid"]
    hist = (
        await t.client.get(f"/api/v1/seals/{seal['id']}/history", headers=person.headers)
    ).json()
    assert [h["to_status"] for h in hist] == ["applied", "active"]


async def test_sign_verify_and_idempotency(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    doc = b"%PDF-1.7 contract between parties"
    r = await sign(t.client, person.headers, seal["id"], doc, key="idem-key-0001")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["report"]["valid"] is True and body["replayed"] is False
    der = base64.b64decode(body["signature"])
    assert verify_signature(der, document_digest=sm3(doc)).intact

    again = await sign(t.client, person.headers, seal["id"], doc, key="idem-key-0001")
    assert again.status_code == 201 and again.json()["replayed"] is True
    assert again.json()["signature"] == body["signature"]

    other = await sign(
        t.client, person.headers, seal["id"], b"another document", key="idem-key-0001"
    )
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")

    listed = (await t.client.get("/api/v1/signatures", headers=person.headers)).json()
    assert len(listed) == 1

    # The public verifier knows SealHub made it and the seal's status then and now; with
    # the document it is TOTAL_PASSED (hub CA trusted), without it undecided.
    files = {"file": ("signature.dat", der, "application/octet-stream")}
    rep = (await t.client.post("/api/v1/verify", files=files)).json()
    assert (rep["indication"], rep["sub_indication"]) == ("INDETERMINATE", "SIGNED_DATA_NOT_FOUND")
    files["document"] = ("contract.pdf", doc, "application/pdf")
    rep = (await t.client.post("/api/v1/verify", files=files)).json()
    assert rep["valid"] is True and rep["indication"] == "TOTAL_PASSED", rep
    # The earliest proof: the signature's own RFC 3161 token or the hub's signing record
    # (the token's genTime is whole seconds, so either may be the earlier one).
    assert rep["info"]["proof_of_existence"].startswith(("timestamp", "hub-record"))
    names = {c["name"]: c for c in rep["checks"]}
    assert names["seal status at signing time"]["ok"] is True


async def test_signatures_carry_the_seal_as_made_even_when_first_read_unmade(
    make_tenant: Any,
) -> None:
    """The seal's bytes are read once per process (they never change once made): a seal
    tried before it was made is read again once it is, and every signature carries it."""
    t = await make_tenant()
    ent = await t.add_enterprise("某某设计有限公司")
    clerk = await t.add_account(["clerk"])
    r = await t.client.post(
        "/api/v1/seals",
        headers=ent.agent_headers,
        json={"seal_type": "contract", "enterprise_id": ent.id},
    )
    seal = r.json()
    r = await sign(t.client, ent.agent_headers, seal["id"], b"too early")
    assert r.status_code == 403 and "applied" in r.json()["detail"]
    r = await t.client.post(f"/api/v1/seals/{seal['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200, r.text
    made = base64.b64decode(r.json()["seal"])
    await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=ent.agent_headers,
        json={"password": SEAL_PASSWORD},
    )
    for doc in (b"first", b"second"):
        r = await t.client.post(
            "/api/v1/use-requests",
            headers=ent.agent_headers,
            json={"seal_id": seal["id"], "document_sm3": sm3(doc).hex(), "purpose": "contract"},
        )
        use = r.json()
        await t.client.post(f"/api/v1/use-requests/{use['id']}/approve", headers=clerk, json={})
        r = await sign(t.client, ent.agent_headers, seal["id"], doc, use_request_id=use["id"])
        assert r.status_code == 201, r.text
        der = base64.b64decode(r.json()["signature"])
        assert made in der and verify_signature(der, document_digest=sm3(doc)).intact


async def test_upload_document_signing(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    doc = secrets.token_bytes(300_000)
    r = await t.client.post(
        "/api/v1/signatures/document",
        headers={**person.headers, "Idempotency-Key": "upload-key-1"},
        files={"file": ("contract.bin", doc, "application/octet-stream")},
        data={"seal_id": seal["id"], "password": SEAL_PASSWORD},
    )
    assert r.status_code == 201, r.text
    assert r.json()["document_sm3"] == sm3(doc).hex()


async def test_wrong_password_then_lockout(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    for _ in range(4):
        r = await sign(t.client, person.headers, seal["id"], b"doc", password="wrong-pass-1")
        assert r.status_code == 403
    r = await sign(t.client, person.headers, seal["id"], b"doc", password="wrong-pass-1")
    assert r.status_code == 403
    # Locked now: even the right password is refused, with Retry-After.
    r = await sign(t.client, person.headers, seal["id"], b"doc")
    assert r.status_code == 423 and int(r.headers["retry-after"]) > 0


async def test_password_change_needs_old_one_and_policy(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    url = f"/api/v1/seals/{seal['id']}/password"
    r = await t.client.put(url, headers=person.headers, json={"password": "new-pass-2027"})
    assert r.status_code == 422 and r.json()["field"] == "/old_password"
    r = await t.client.put(
        url, headers=person.headers, json={"password": "short1", "old_password": SEAL_PASSWORD}
    )
    assert r.status_code == 422 and r.json()["field"] == "/password"
    r = await t.client.put(
        url,
        headers=person.headers,
        json={"password": "new-pass-2027", "old_password": SEAL_PASSWORD},
    )
    assert r.status_code == 204
    assert (
        await sign(t.client, person.headers, seal["id"], b"d", password="new-pass-2027")
    ).status_code == 201


async def test_revoked_seal_refuses_signing_but_old_signature_stays_valid(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    r = await sign(t.client, person.headers, seal["id"], b"before revocation")
    der = base64.b64decode(r.json()["signature"])
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/revoke", headers=person.headers, json={"reason": "lost"}
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = await sign(t.client, person.headers, seal["id"], b"after revocation")
    assert r.status_code == 403 and "revoked" in r.json()["detail"]
    rep = (await t.client.post("/api/v1/verify", files={"file": ("s.dat", der)})).json()
    status = next(c for c in rep["checks"] if c["name"] == "seal status at signing time")
    assert status["ok"] is True and "revoked" in status["detail"]
    # Revoked is final.
    r = await t.client.post(f"/api/v1/seals/{seal['id']}/resume", headers=person.headers, json={})
    assert r.status_code == 409


async def test_enterprise_seal_needs_clerk_and_use_approval(make_tenant: Any) -> None:
    t = await make_tenant()
    ent = await t.add_enterprise("某某科技有限公司")
    clerk = await t.add_account(["clerk"])
    r = await t.client.post(
        "/api/v1/seals",
        headers=ent.agent_headers,
        json={"seal_type": "official", "enterprise_id": ent.id},
    )
    assert r.status_code == 201 and r.json()["status"] == "applied", r.text
    seal = r.json()
    # The applicant cannot approve; the clerk can.
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/approve", headers=ent.agent_headers, json={}
    )
    assert r.status_code == 403
    r = await t.client.post(f"/api/v1/seals/{seal['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=ent.agent_headers,
        json={"password": SEAL_PASSWORD},
    )
    doc = b"official letter"
    r = await sign(t.client, ent.agent_headers, seal["id"], doc)
    assert r.status_code == 403 and "use request" in r.json()["detail"]
    r = await t.client.post(
        "/api/v1/use-requests",
        headers=ent.agent_headers,
        json={"seal_id": seal["id"], "document_sm3": sm3(doc).hex(), "purpose": "notice"},
    )
    assert r.status_code == 201
    use = r.json()
    r = await sign(t.client, ent.agent_headers, seal["id"], doc, use_request_id=use["id"])
    assert r.status_code == 403 and "pending" in r.json()["detail"]
    r = await t.client.post(f"/api/v1/use-requests/{use['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = await sign(
        t.client, ent.agent_headers, seal["id"], b"another doc", use_request_id=use["id"]
    )
    assert r.status_code == 403  # approved for another document
    r = await sign(t.client, ent.agent_headers, seal["id"], doc, use_request_id=use["id"])
    assert r.status_code == 201, r.text
    r = await sign(t.client, ent.agent_headers, seal["id"], doc, use_request_id=use["id"])
    assert r.status_code == 409  # an approval is used once (a conflict, as for a racer)


async def test_other_tenant_sees_nothing(make_tenant: Any) -> None:
    a, b = await make_tenant(), await make_tenant()
    person, seal = await personal_seal(a)
    intruder = await b.add_person("赵六")
    admin_b = b.admin_headers
    for headers in (intruder.headers, admin_b):
        r = await b.client.get(f"/api/v1/seals/{seal['id']}", headers=headers)
        assert r.status_code == 404
        r = await b.client.post(f"/api/v1/seals/{seal['id']}/revoke", headers=headers, json={})
        assert r.status_code in (403, 404)
    r = await sign(b.client, intruder.headers, seal["id"], b"doc")
    assert r.status_code == 404
    assert (await a.client.get(f"/api/v1/seals/{seal['id']}", headers=person.headers)).json()[
        "status"
    ] == "active"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seal_type": "castle"}, "seal_type"),
        ({"seal_type": "official"}, "enterprise_id"),
        ({"seal_type": "personal", "valid_days": 0}, "valid_days"),
    ],
)
async def test_bad_applications_name_the_field(
    make_tenant: Any, body: dict[str, Any], field: str
) -> None:
    t = await make_tenant()
    person = await t.add_person()
    r = await t.client.post("/api/v1/seals", headers=person.headers, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == json_pointer(field)


async def test_bad_signing_inputs(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    r = await t.client.post(
        "/api/v1/signatures",
        headers={**person.headers, "Idempotency-Key": "k" * 10},
        json={"seal_id": seal["id"], "password": SEAL_PASSWORD, "document_sm3": "zz"},
    )
    assert r.status_code == 400 and r.json()["field"] == "/document_sm3"
    r = await t.client.post(
        "/api/v1/signatures",
        headers=person.headers,
        json={"seal_id": seal["id"], "password": SEAL_PASSWORD, "document_sm3": "00" * 32},
    )
    assert r.status_code == 400  # Idempotency-Key header missing
    r = await t.client.post(
        "/api/v1/signatures",
        headers={**person.headers, "Idempotency-Key": "short"},
        json={"seal_id": seal["id"], "password": SEAL_PASSWORD, "document_sm3": "00" * 32},
    )
    assert r.status_code == 422 and r.json()["field"] == "/Idempotency-Key"


async def test_a_reservation_abandoned_by_a_dead_process_is_reclaimed(make_tenant: Any) -> None:
    """A hub killed between reserving and completing leaves a pending row; a retry with
    the key after the stale limit signs (instead of answering 409 forever)."""
    from datetime import UTC, datetime, timedelta

    from hub.signing.services import STALE_RESERVATION
    from hub.signing.tables import SignatureRecord

    t = await make_tenant()
    person, seal = await personal_seal(t)
    r = await sign(t.client, person.headers, seal["id"], b"doc", key="dead-process-key")
    assert r.status_code == 201
    # Make it look like the process died mid-signing, long ago.
    await SignatureRecord.update(
        {
            SignatureRecord.status: "pending",
            SignatureRecord.created_at: datetime.now(UTC)
            - STALE_RESERVATION
            - timedelta(seconds=5),
        }
    ).where(SignatureRecord.id == r.json()["id"])
    again = await sign(t.client, person.headers, seal["id"], b"doc", key="dead-process-key")
    assert again.status_code == 201, again.text
    assert again.json()["replayed"] is False and again.json()["id"] != r.json()["id"]
    # A fresh pending row (a signing in progress) is not taken over.
    await SignatureRecord.update({SignatureRecord.status: "pending"}).where(
        SignatureRecord.id == again.json()["id"]
    )
    busy = await sign(t.client, person.headers, seal["id"], b"doc", key="dead-process-key")
    assert busy.status_code == 409


async def test_a_signing_superseded_mid_flight_is_not_handed_out_nor_uses_its_approval(
    make_tenant: Any, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Completion, approval use and the log entry commit together, and only for the
    reservation that is still ours: if a retry took it over while the vendor signed (it
    deleted the pending row, as `_reclaim_stale` does), this signing answers 409 and the
    approval stays unused for the retry."""
    from hub.signing.tables import SignatureRecord, UseRequest

    t = await make_tenant()
    ent = await t.add_enterprise("某某材料有限公司")
    clerk = await t.add_account(["clerk"])
    r = await t.client.post(
        "/api/v1/seals", headers=ent.agent_headers,
        json={"seal_type": "official", "enterprise_id": ent.id},
    )  # fmt: skip
    r = await t.client.post(f"/api/v1/seals/{r.json()['id']}/approve", headers=clerk, json={})
    seal = r.json()  # made by its vendor now
    await t.client.put(f"/api/v1/seals/{seal['id']}/password", headers=ent.agent_headers,
                       json={"password": SEAL_PASSWORD})  # fmt: skip
    doc = b"tender"
    r = await t.client.post("/api/v1/use-requests", headers=ent.agent_headers, json={
        "seal_id": seal["id"], "document_sm3": sm3(doc).hex(), "purpose": "bid"})  # fmt: skip
    use = r.json()
    await t.client.post(f"/api/v1/use-requests/{use['id']}/approve", headers=clerk, json={})

    vendor = app.state.services.vendors.get(seal["vendor"])
    real_sign = vendor.sign

    async def sign_then_lose_the_reservation(req: Any) -> Any:
        answer = await real_sign(req)
        await SignatureRecord.delete().where(SignatureRecord.status == "pending")
        return answer

    monkeypatch.setattr(vendor, "sign", sign_then_lose_the_reservation)
    r = await sign(t.client, ent.agent_headers, seal["id"], doc, use_request_id=use["id"])
    assert r.status_code == 409 and "superseded" in r.json()["detail"], r.text
    row = await UseRequest.select(UseRequest.status).where(UseRequest.id == use["id"]).first()
    assert row is not None and row["status"] == "approved"

    monkeypatch.setattr(vendor, "sign", real_sign)
    r = await sign(t.client, ent.agent_headers, seal["id"], doc, use_request_id=use["id"])
    assert r.status_code == 201, r.text
    row = await UseRequest.select(UseRequest.status).where(UseRequest.id == use["id"]).first()
    assert row is not None and row["status"] == "used"
