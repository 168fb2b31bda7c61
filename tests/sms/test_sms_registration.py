"""Proving the mobile number at self-registration by SMS, on every engine, when the
bureau's policy asks for it (verify_mobile)."""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from typing import Any

from tenants.validation import resident_id_check_char


def new_resident_id() -> str:
    first17 = "150102" + f"19{50 + secrets.randbelow(49)}0101" + f"{secrets.randbelow(1000):03d}"
    return first17 + resident_id_check_char(first17)


def _body(t: Any, mobile: str) -> dict[str, Any]:
    id_number = new_resident_id()
    return {
        "tenant": t.slug,
        "name": "周九",
        "id_number": id_number,
        "mobile": mobile,
        "face_image": base64.b64encode(b"photo-" + id_number.encode()).decode(),
        "username": "self-" + secrets.token_hex(4),
        "password": "Self-pass-2026x",
    }


async def test_self_registration_proves_the_mobile(make_tenant: Any, app: Any, engine: str) -> None:
    t = await make_tenant()
    r = await t.client.put("/api/v1/policy", headers=t.admin_headers, json={"verify_mobile": True})
    assert r.status_code == 200 and r.json()["verify_mobile"] is True
    await asyncio.sleep(5.1)  # the policy cache of this process
    mobile = "137" + f"{secrets.randbelow(10**8):08d}"
    r = await t.client.post("/api/v1/register/person", json=_body(t, mobile))
    assert r.status_code == 422 and r.json()["field"] == "/mobile_code", r.text
    r = await t.client.post(
        "/api/v1/register/mobile-code", json={"tenant": t.slug, "mobile": mobile}
    )
    assert r.status_code == 202, r.text
    challenge = r.json()["challenge_id"]
    code = re.search(r"\b(\d{6})\b", app.state.services.sms.last_to(mobile).text).group(1)
    # The code proves this number only.
    other = "137" + f"{secrets.randbelow(10**8):08d}"
    r = await t.client.post(
        "/api/v1/register/person",
        json={**_body(t, other), "mobile_challenge_id": challenge, "mobile_code": code},
    )
    assert r.status_code == 422 and r.json()["field"] == "/code", r.text
    r = await t.client.post(
        "/api/v1/register/person",
        json={**_body(t, mobile), "mobile_challenge_id": challenge, "mobile_code": code},
    )
    assert r.status_code == 201, r.text
