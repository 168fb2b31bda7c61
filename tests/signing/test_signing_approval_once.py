"""One approved use request (用印审批) signs exactly one document, however many signings
race for it. The race is forced: the vendor holds every signing that reaches it until all
of them have arrived (or a deadline passes), so without the one-reservation-per-approval
rule every racer would be signed and completed (seen before the fix: 4 of 4)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

import pytest

from hub.crypto import sm3
from hub.signing.tables import SignatureRecord, UseRequest

SEAL_PASSWORD = "seal-pass-2026"
RACERS = 4


async def approved_use(t: Any, doc: bytes) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """An enterprise's official seal (made after a clerk's approval) and one approved use."""
    ent = await t.add_enterprise("某某建设有限公司")
    clerk = await t.add_account(["clerk"])
    r = await t.client.post(
        "/api/v1/seals",
        headers=ent.agent_headers,
        json={"seal_type": "official", "enterprise_id": ent.id},
    )
    assert r.status_code == 201, r.text
    r = await t.client.post(f"/api/v1/seals/{r.json()['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200, r.text
    seal = r.json()
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=ent.agent_headers,
        json={"password": SEAL_PASSWORD},
    )
    assert r.status_code == 204, r.text
    r = await t.client.post(
        "/api/v1/use-requests",
        headers=ent.agent_headers,
        json={"seal_id": seal["id"], "document_sm3": sm3(doc).hex(), "purpose": "contract"},
    )
    assert r.status_code == 201, r.text
    use = r.json()
    r = await t.client.post(f"/api/v1/use-requests/{use['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200, r.text
    return ent, seal, use


def sign_request(
    t: Any, ent: Any, seal: dict[str, Any], doc: bytes, use: dict[str, Any], key: str | None = None
) -> Any:
    return t.client.post(
        "/api/v1/signatures",
        headers={**ent.agent_headers, "Idempotency-Key": key or secrets.token_hex(8)},
        json={
            "seal_id": seal["id"],
            "password": SEAL_PASSWORD,
            "document_sm3": sm3(doc).hex(),
            "use_request_id": use["id"],
        },
    )


async def test_concurrent_signings_with_one_approval_sign_once(
    make_tenant: Any, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = await make_tenant()
    doc = b"one approval, one contract"
    ent, seal, use = await approved_use(t, doc)

    vendor = app.state.services.vendors.get(seal["vendor"])
    real_sign = vendor.sign
    arrived = 0
    all_in = asyncio.Event()

    async def barrier_sign(req: Any) -> Any:
        nonlocal arrived
        arrived += 1
        if arrived == RACERS:
            all_in.set()
        # Hold until every racer is in, or long enough that the others were refused.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_in.wait(), timeout=2.0)
        return await real_sign(req)

    monkeypatch.setattr(vendor, "sign", barrier_sign)
    answers = await asyncio.gather(*(sign_request(t, ent, seal, doc, use) for _ in range(RACERS)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * (RACERS - 1), [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "use request" in r.json()["detail"]
    assert arrived == 1  # the losers never reached the vendor
    done = await SignatureRecord.count().where(SignatureRecord.use_request_id == use["id"])
    assert done == 1  # nothing left behind by the losers
    row = await UseRequest.select(UseRequest.status).where(UseRequest.id == use["id"]).first()
    assert row is not None and row["status"] == "used"


async def test_a_used_approval_is_a_conflict_and_its_own_retry_replays(
    make_tenant: Any,
) -> None:
    t = await make_tenant()
    doc = b"signed once, asked twice"
    ent, seal, use = await approved_use(t, doc)
    first = await sign_request(t, ent, seal, doc, use, key="retry-key-0001")
    assert first.status_code == 201, first.text
    retry = await sign_request(t, ent, seal, doc, use, key="retry-key-0001")
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    again = await sign_request(t, ent, seal, doc, use)
    assert again.status_code == 409, again.text
    assert "already used" in again.json()["detail"]
