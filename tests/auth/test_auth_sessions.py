"""Tokens mean what they say: hub roles only from the hub's key, and a session that
ended (logout, password change, account disabled, refresh replayed, absolute lifetime)
stops its access and refresh tokens, here at once and on another replica within its
session memory's TTL."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from hub.auth.sessions import SessionRegistry
from hub.auth.tables import AuthSession
from hub.auth.tokens import ACCESS, TokenService
from hub.errors import Unauthorized
from tenants.keys import TenantKeyring

ADMIN_PASSWORD = "admin-password-1"  # as tests/conftest.py's make_tenant


async def _login(client, t, username=None, password=ADMIN_PASSWORD) -> dict:
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": username or t.admin_username, "password": password},
    )
    assert r.status_code == 200, r.text
    return r.json()


def _bearer(pair: dict) -> dict[str, str]:
    return {"Authorization": "Bearer " + pair["access_token"]}


async def _me(client, headers) -> int:
    return (await client.get("/api/v1/auth/me", headers=headers)).status_code


async def _refresh(client, pair: dict) -> int:
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    return r.status_code


async def test_a_tenant_key_cannot_mint_hub_roles(client, app, make_tenant):
    """A token signed with a tenant's own key (as by someone who stole it) that claims
    hub_operator is refused everywhere; before the fix it created tenants."""
    t = await make_tenant()
    tokens = app.state.services.tokens
    key = await tokens.keyring.signing_key(uuid.UUID(t.id))
    sid, _ = await tokens.sessions.start(uuid.UUID(t.id), uuid.UUID(t.admin_id))
    now = int(time.time())
    for roles in (["hub_operator"], ["regulator"], ["tenant_admin", "hub_operator"]):
        claims = {
            "iss": "sealhub.test",
            "aud": t.slug,
            "sub": t.admin_id,
            "tid": t.id,
            "roles": roles,
            "typ": "access",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            "sid": str(sid),
        }
        forged = jwt.encode(
            claims, key.private_key, algorithm="EdDSA", headers={"kid": f"{t.slug}/{key.version}"}
        )
        headers = {"Authorization": f"Bearer {forged}"}
        assert await _me(client, headers) == 401, roles
        r = await client.post(
            "/api/v1/tenants",
            headers=headers,
            json={
                "name": "forged",
                "slug": "forged-" + uuid.uuid4().hex[:6],
                "region_code": "110000",
                "admin": {"username": "mallory", "password": "mallory-password-1"},
            },
        )
        assert r.status_code == 401, r.text
        assert (await client.get("/api/v1/regulator/ranking", headers=headers)).status_code in (
            401,
            404,
        )


async def test_logout_ends_the_session_only(client, make_tenant):
    t = await make_tenant()
    phone, desk = await _login(client, t), await _login(client, t)
    r = await client.post("/api/v1/auth/logout", headers=_bearer(phone))
    assert r.status_code == 204, r.text
    assert await _me(client, _bearer(phone)) == 401
    assert await _refresh(client, phone) == 401
    assert await _me(client, _bearer(desk)) == 200  # another login is another session
    assert await _refresh(client, desk) == 200


async def test_password_change_ends_every_session(client, make_tenant):
    t = await make_tenant()
    user = "clerk-" + uuid.uuid4().hex[:6]
    r = await client.post(
        "/api/v1/accounts",
        headers=t.admin_headers,
        json={"username": user, "password": ADMIN_PASSWORD, "roles": ["clerk"]},
    )
    assert r.status_code == 201
    mine, thief = await _login(client, t, user), await _login(client, t, user)
    r = await client.post(
        "/api/v1/auth/password",
        headers=_bearer(mine),
        json={"old_password": ADMIN_PASSWORD, "new_password": "a-new-password-2"},
    )
    assert r.status_code == 204, r.text
    for pair in (mine, thief):
        assert await _me(client, _bearer(pair)) == 401
        assert await _refresh(client, pair) == 401
    assert await _me(client, _bearer(await _login(client, t, user, "a-new-password-2"))) == 200


async def test_disabling_an_account_ends_its_sessions(client, make_tenant):
    t = await make_tenant()
    user = "clerk-" + uuid.uuid4().hex[:6]
    r = await client.post(
        "/api/v1/accounts",
        headers=t.admin_headers,
        json={"username": user, "password": ADMIN_PASSWORD, "roles": ["clerk"]},
    )
    account_id = r.json()["id"]
    pair = await _login(client, t, user)
    r = await client.put(
        f"/api/v1/accounts/{account_id}/status",
        headers=t.admin_headers,
        json={"status": "disabled"},
    )
    assert r.status_code == 200 and r.json()["status"] == "disabled", r.text
    assert await _me(client, _bearer(pair)) == 401
    assert await _refresh(client, pair) == 401
    r = await client.post(
        "/api/v1/auth/login", json={"tenant": t.slug, "username": user, "password": ADMIN_PASSWORD}
    )
    assert r.status_code == 401
    r = await client.put(
        f"/api/v1/accounts/{t.admin_id}/status",
        headers=t.admin_headers,
        json={"status": "disabled"},
    )
    assert r.status_code == 403  # nobody disables themselves
    r = await client.put(
        f"/api/v1/accounts/{account_id}/status", headers=t.admin_headers, json={"status": "asleep"}
    )
    assert r.status_code == 422 and r.json()["field"] == "/status"


async def test_a_replayed_refresh_token_ends_its_family(client, make_tenant):
    t = await make_tenant()
    first = await _login(client, t)
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    second = r.json()
    assert await _refresh(client, first) == 401  # replayed: a stolen copy
    assert await _refresh(client, second) == 401  # ... so the whole family is gone
    assert await _me(client, _bearer(second)) == 401


async def test_refresh_stops_at_the_sessions_absolute_end(client, make_tenant):
    t = await make_tenant()
    pair = await _login(client, t)
    sid = jwt.decode(pair["refresh_token"], options={"verify_signature": False})["sid"]
    await AuthSession.update(
        {AuthSession.expires_at: datetime.now(UTC) - timedelta(seconds=1)}
    ).where(AuthSession.id == uuid.UUID(sid))
    # (this replica remembers the session as live for a few seconds; its end is checked
    # against the remembered absolute end, so it holds at once)
    assert await _refresh(client, pair) == 401


async def test_refresh_tokens_never_outlive_the_session(client, make_tenant, settings):
    t = await make_tenant()
    pair = await _login(client, t)
    claims = jwt.decode(pair["refresh_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= settings.security.session_absolute_seconds


async def test_another_replica_stops_an_ended_session_within_its_ttl(
    client, app, settings, make_tenant
):
    t = await make_tenant()
    replica = TokenService(
        TenantKeyring(settings.security.master_key, token_key_ttl=30),
        issuer=settings.server.origin,
        access_seconds=900,
        refresh_seconds=86400,
        sessions=SessionRegistry(
            lambda: app.state.services.db, absolute_seconds=3600, check_seconds=0.3
        ),
    )
    pair = await _login(client, t)
    assert (await replica.verify(pair["access_token"], ACCESS)).principal.session_id
    assert (await client.post("/api/v1/auth/logout", headers=_bearer(pair))).status_code == 204
    await asyncio.sleep(0.4)  # past the replica's session memory
    with pytest.raises(Unauthorized):
        await replica.verify(pair["access_token"], ACCESS)
