"""意愿认证 and owner texts on every engine: with the tenant's policy on, a signing needs
an SMS code bound to the seal and the document; the owner is texted about each use."""

from __future__ import annotations

import asyncio
import re
import secrets
import sys
from pathlib import Path
from typing import Any

from hub.crypto import sm3

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "seals"))
from test_seals_api import personal_seal, sign

MOBILE = "13800138000"


def _code(app: Any) -> str:
    last = app.state.services.sms.last_to(MOBILE)
    assert last is not None and last.template == "otp"
    return re.search(r"\b(\d{6})\b", last.text).group(1)  # type: ignore[union-attr]


async def test_intent_code_is_required_and_bound_to_the_document(
    make_tenant: Any, app: Any, engine: str
) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    r = await t.client.put("/api/v1/policy", headers=t.admin_headers, json={"intent_sms": True})
    assert r.status_code == 200 and r.json()["intent_sms"] is True
    await asyncio.sleep(5.1)  # the policy is cached for 5 s per process
    doc, other = b"contract v1", b"contract v2"
    r = await sign(t.client, person.headers, seal["id"], doc)
    assert r.status_code == 403 and "intent-code" in r.json()["detail"], r.text
    r = await t.client.post(
        "/api/v1/signatures/intent-code",
        headers=person.headers,
        json={"seal_id": seal["id"], "document_sm3": sm3(doc).hex()},
    )
    assert r.status_code == 202, r.text
    challenge = r.json()["challenge_id"]
    code = _code(app)
    # The code confirms `doc`, not another document.
    r = await sign(
        t.client, person.headers, seal["id"], other, intent_challenge_id=challenge, intent_code=code
    )
    assert r.status_code == 422 and r.json()["field"] == "/code", r.text
    key = secrets.token_hex(8)
    r = await sign(
        t.client,
        person.headers,
        seal["id"],
        doc,
        key=key,
        intent_challenge_id=challenge,
        intent_code=code,
    )
    assert r.status_code == 201, r.text
    # A retry of that signing replays it; a new signing with the spent code does not.
    r = await sign(
        t.client,
        person.headers,
        seal["id"],
        doc,
        key=key,
        intent_challenge_id=challenge,
        intent_code=code,
    )
    assert r.status_code == 201 and r.json()["replayed"] is True, r.text
    r = await sign(
        t.client, person.headers, seal["id"], doc, intent_challenge_id=challenge, intent_code=code
    )
    assert r.status_code == 403 and "used already" in r.json()["detail"]


async def test_the_owner_is_texted_about_each_use(make_tenant: Any, app: Any, engine: str) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    before = len(app.state.services.sms.messages)
    doc = b"a use the owner hears of " + secrets.token_bytes(4)
    r = await sign(t.client, person.headers, seal["id"], doc)
    assert r.status_code == 201, r.text
    await app.state.services.owner_sms.drain()
    used = [m for m in list(app.state.services.sms.messages)[before:] if m.template == "seal-used"]
    assert len(used) == 1 and used[0].to == MOBILE
    assert sm3(doc).hex()[:16] in used[0].text and "王五" in used[0].text
