"""The seal 口令 and the account password on every engine: an aged 口令 is changed with
the old one (no dead end) and signing with it says how; a forgotten one is reset after a
fresh face check and an SMS code to the registered mobile, in the history and the log."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from test_seals_api import SEAL_PASSWORD, personal_seal, sign

from hub.seals.notices import notices_of
from hub.seals.tables import Seal
from tenants.tables import Account

MOBILE = "13800138000"  # every test person's registered mobile (tests/conftest.py)


def _face(person: Any) -> str:
    # The simulated verifier scores any photo of the ID holder above the threshold,
    # and a photo starting with MISMATCH below it.
    return base64.b64encode(b"live-photo-" + person.id_number.encode()).decode()


def _code(app: Any) -> str:
    last = app.state.services.sms.last_to(MOBILE)
    assert last is not None
    return re.search(r"\b(\d{6})\b", last.text).group(1)  # type: ignore[union-attr]


async def _age(seal_id: str, days: int) -> None:
    await (
        Seal.update({Seal.password_changed_at: datetime.now(UTC) - timedelta(days=days)})
        .where(Seal.id == uuid.UUID(seal_id))
        .run()
    )


async def test_an_aged_password_is_changed_with_the_old_one(make_tenant: Any, engine: str) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    await _age(seal["id"], 400)  # past the default 180-day rotation
    r = await sign(t.client, person.headers, seal["id"], b"doc")
    assert r.status_code == 403, r.text
    problem = r.json()
    assert problem["type"].endswith("password-aged")
    assert problem["change_with"] == f"PUT /api/v1/seals/{seal['id']}/password"
    assert "old_password" in problem["detail"]
    new = "renewed-pass-2027"
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": new, "old_password": "wrong-pass-1"},
    )
    assert r.status_code == 403  # the old one is still checked
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": new, "old_password": SEAL_PASSWORD},
    )
    assert r.status_code == 204, r.text
    r = await sign(t.client, person.headers, seal["id"], b"doc", password=new)
    assert r.status_code == 201, r.text


async def test_a_forgotten_password_is_reset_with_face_and_sms_code(
    make_tenant: Any, app: Any, engine: str
) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/password/reset-code", headers=person.headers
    )
    assert r.status_code == 202, r.text
    sent = r.json()
    assert sent["mobile_masked"] == "138****8000"
    code = _code(app)
    new = "after-reset-2027"
    body = {"challenge_id": sent["challenge_id"], "code": code, "new_password": new}
    # A face that does not match: refused, and the code is not spent.
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/password/reset",
        headers=person.headers,
        json={**body, "face_image": base64.b64encode(b"MISMATCH").decode()},
    )
    assert r.status_code == 422 and r.json()["field"] == "/face_image", r.text
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/password/reset",
        headers=person.headers,
        json={
            **body,
            "code": "000000" if code != "000000" else "111111",
            "face_image": _face(person),
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "/code", r.text
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/password/reset",
        headers=person.headers,
        json={**body, "face_image": _face(person)},
    )
    assert r.status_code == 204, r.text
    r = await sign(t.client, person.headers, seal["id"], b"doc", password=new)
    assert r.status_code == 201, r.text
    r = await sign(t.client, person.headers, seal["id"], b"doc2")
    assert r.status_code == 403  # the old 口令 no longer opens the seal
    hist = (
        await t.client.get(f"/api/v1/seals/{seal['id']}/history", headers=person.headers)
    ).json()
    assert "口令 reset" in hist[-1]["reason"]
    told = await notices_of(uuid.UUID(t.id), uuid.UUID(seal["id"]))
    assert "password-reset" in [n["kind"] for n in told]
    # The code was single use.
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/password/reset",
        headers=person.headers,
        json={**body, "face_image": _face(person)},
    )
    assert r.status_code == 403
    assert await _logged(app, t, "seal.password_reset", seal["id"])


async def test_someone_elses_seal_cannot_be_reset(make_tenant: Any, engine: str) -> None:
    t = await make_tenant()
    _, seal = await personal_seal(t)
    other = await t.add_person("赵六")
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/password/reset-code", headers=other.headers
    )
    assert r.status_code == 404


async def test_a_forgotten_account_password_is_reset(
    make_tenant: Any, app: Any, engine: str
) -> None:
    t = await make_tenant()
    person = await t.add_person("钱七")
    r = await t.client.post(
        "/api/v1/password-reset/code", json={"tenant": t.slug, "username": "nobody-here"}
    )
    assert r.status_code == 202  # the same answer for an unknown username
    r = await t.client.post(
        "/api/v1/password-reset/code", json={"tenant": t.slug, "username": person.username}
    )
    assert r.status_code == 202, r.text
    challenge = r.json()["challenge_id"]
    new = "account-reset-2027"
    r = await t.client.post(
        "/api/v1/password-reset",
        json={
            "tenant": t.slug,
            "username": person.username,
            "challenge_id": challenge,
            "code": _code(app),
            "face_image": _face(person),
            "new_password": new,
        },
    )
    assert r.status_code == 204, r.text
    headers = await t.login(person.username, new)
    assert headers["Authorization"]
    row = (
        await Account.select(Account.failed_logins)
        .where(Account.username == person.username)
        .first()
        .run()
    )
    assert row["failed_logins"] == 0


async def _logged(app: Any, t: Any, kind: str, seal_id: str) -> bool:
    """Whether the evidence log holds a `kind` event about the seal (leaf bytes read)."""
    from hub.evidence.tables import EvidenceEntry

    await app.state.services.evidence.checkpoint()  # flushes the append queue
    rows = await EvidenceEntry.select(EvidenceEntry.leaf).where(EvidenceEntry.tenant == t.id).run()
    return any(
        kind.encode() in bytes(r["leaf"]) and seal_id.encode() in bytes(r["leaf"]) for r in rows
    )
