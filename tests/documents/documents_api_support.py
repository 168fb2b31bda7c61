"""Helpers for the documents API tests (test_documents_api_*): seals made and passworded
through the API, and document signing calls."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

SEAL_PASSWORD = "seal-pass-2026"


async def personal_seal(t: Any, person: Any) -> dict[str, Any]:
    r = await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    assert r.status_code == 201, r.text
    seal = r.json()
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": SEAL_PASSWORD},
    )
    assert r.status_code == 204, r.text
    return seal  # type: ignore[no-any-return]


async def official_seal(t: Any, ent: Any, clerk: dict[str, str], **extra: Any) -> dict[str, Any]:
    r = await t.client.post(
        "/api/v1/seals",
        headers=ent.agent_headers,
        json={"seal_type": "official", "enterprise_id": ent.id, **extra},
    )
    assert r.status_code == 201, r.text
    r = await t.client.post(f"/api/v1/seals/{r.json()['id']}/approve", headers=clerk, json={})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    seal = r.json()
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=ent.agent_headers,
        json={"password": SEAL_PASSWORD},
    )
    assert r.status_code == 204, r.text
    return seal  # type: ignore[no-any-return]


async def sign_file(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes,
    seal_id: str,
    *,
    key: str | None = None,
    name: str = "doc.ofd",
    **fields: Any,
) -> httpx.Response:
    form = {"seal_id": seal_id, "password": SEAL_PASSWORD, **{k: str(v) for k, v in fields.items()}}
    return await client.post(
        "/api/v1/documents/sign",
        headers={**headers, "Idempotency-Key": key or secrets.token_hex(8)},
        files={"file": (name, data, "application/octet-stream")},
        data=form,
    )
