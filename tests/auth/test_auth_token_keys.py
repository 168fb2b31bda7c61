"""Token key rotation: old tokens live out their time or die at once (revoked), every
replica follows, the JWKS says which keys verify, and a kid must name the token's tenant.
On both engines."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import jwt
import pytest

from hub.auth.tokens import ACCESS, TokenService
from hub.errors import Unauthorized
from tenants.keys import TenantKeyring

ADMIN_PASSWORD = "admin-password-1"  # as tests/conftest.py's make_tenant


async def _me(client, headers: dict[str, str]) -> int:
    return (await client.get("/api/v1/auth/me", headers=headers)).status_code


def _kid(headers: dict[str, str]) -> str:
    return jwt.get_unverified_header(headers["Authorization"].split()[1])["kid"]


async def _login_pair(client, t) -> dict:
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": ADMIN_PASSWORD},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _rotate(client, t, *, revoke: bool = False) -> dict:
    r = await client.post(
        "/api/v1/tenant/token-key", headers=t.admin_headers, json={"revoke_previous": revoke}
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_rotation_keeps_old_tokens_until_they_expire(client, app, make_tenant):
    t = await make_tenant()
    old = await _login_pair(client, t)
    assert _kid(t.admin_headers) == f"{t.slug}/1"
    before = datetime.now(UTC)
    body = await _rotate(client, t)
    assert body["kid"] == f"{t.slug}/2" and body["previous_kid"] == f"{t.slug}/1"
    # The old key verifies until the longest-lived token it signed (a refresh token) ends.
    until = datetime.fromisoformat(body["previous_valid_until"])
    lifetime = app.state.services.tokens.longest_lifetime
    assert abs((until - before).total_seconds() - lifetime) < 5

    assert await _me(client, t.admin_headers) == 200  # the old access token still works
    fresh = await t.login(t.admin_username, ADMIN_PASSWORD)
    assert _kid(fresh) == f"{t.slug}/2" and await _me(client, fresh) == 200
    # An old refresh token is still good and trades for tokens of the new key.
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert r.status_code == 200, r.text
    assert jwt.get_unverified_header(r.json()["access_token"])["kid"] == f"{t.slug}/2"

    # The JWKS lists both keys, and each verifies the tokens of its own kid only.
    r = await client.get("/api/v1/tenant/token-keys", headers=fresh)
    assert r.status_code == 200
    keys = {k["kid"]: jwt.PyJWK(k).key for k in r.json()["keys"]}
    assert set(keys) == {f"{t.slug}/1", f"{t.slug}/2"}
    for headers in (t.admin_headers, fresh):
        token = headers["Authorization"].split()[1]
        for kid, key in keys.items():
            ok = True
            try:
                jwt.decode(token, key, algorithms=["EdDSA"], audience=t.slug)
            except jwt.InvalidSignatureError:
                ok = False
            assert ok is (kid == _kid(headers))


async def test_revoked_key_refuses_its_tokens_at_once(client, make_tenant):
    t = await make_tenant()
    old = await _login_pair(client, t)
    old_access = {"Authorization": "Bearer " + old["access_token"]}
    assert await _me(client, old_access) == 200  # verified once: now remembered
    body = await _rotate(client, t, revoke=True)
    assert body["previous_valid_until"] is None
    r = await client.get("/api/v1/auth/me", headers=old_access)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert await _me(client, t.admin_headers) == 401  # the token that asked for it, too
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert r.status_code == 401
    fresh = await t.login(t.admin_username, ADMIN_PASSWORD)
    assert await _me(client, fresh) == 200
    r = await client.get("/api/v1/tenant/token-keys", headers=fresh)
    assert [k["kid"] for k in r.json()["keys"]] == [f"{t.slug}/2"]


async def test_another_replica_follows_a_rotation(client, app, settings, make_tenant):
    """A second process's keyring: a token of a newer key verifies at once (the kid says
    its cache is stale); a revoked key's tokens stop there within its token_key_ttl."""
    t = await make_tenant()
    replica = TokenService(
        TenantKeyring(settings.security.master_key, token_key_ttl=0.3),
        issuer=settings.server.origin,
        access_seconds=900,
        refresh_seconds=86400,
    )
    old_token = t.admin_headers["Authorization"].split()[1]
    assert (await replica.verify(old_token, ACCESS)).key_version == 1  # cached: version 1

    await _rotate(client, t)
    fresh = await t.login(t.admin_username, ADMIN_PASSWORD)
    verified = await replica.verify(fresh["Authorization"].split()[1], ACCESS)
    assert verified.key_version == 2
    assert (await replica.verify(old_token, ACCESS)).key_version == 1  # kept: still valid

    await _rotate(client, dataclasses.replace(t, admin_headers=fresh), revoke=True)
    await asyncio.sleep(0.4)  # past the replica's token_key_ttl
    with pytest.raises(Unauthorized):
        await replica.verify(fresh["Authorization"].split()[1], ACCESS)
    newest = await t.login(t.admin_username, ADMIN_PASSWORD)
    assert (await replica.verify(newest["Authorization"].split()[1], ACCESS)).key_version == 3


async def test_kid_must_name_the_tokens_tenant_and_a_live_key(client, app, make_tenant):
    t, other = await make_tenant(), await make_tenant()
    tokens = app.state.services.tokens
    key = await tokens.keyring.signing_key(uuid.UUID(t.id))
    sid, _ = await tokens.sessions.start(uuid.UUID(t.id), uuid.UUID(t.admin_id))
    now = int(time.time())
    claims = {
        "iss": "sealhub.test",
        "aud": t.slug,
        "sub": t.admin_id,
        "tid": t.id,
        "roles": ["tenant_admin"],
        "typ": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        "sid": str(sid),
    }

    async def status(headers: dict[str, str]) -> int:
        token = jwt.encode(claims, key.private_key, algorithm="EdDSA", headers=headers)
        return await _me(client, {"Authorization": f"Bearer {token}"})

    assert await status({"kid": f"{t.slug}/1"}) == 200  # the control
    assert await status({}) == 401  # no kid
    for kid in (
        f"{other.slug}/1",
        f"{t.slug}/2",
        f"{t.slug}/0",
        f"{t.slug}/x",
        t.slug,
        f"{t.slug}/1/1",
        f"{t.slug}/{'9' * 12}",
    ):
        assert await status({"kid": kid}) == 401, kid


async def test_who_may_rotate(client, operator_headers, make_tenant):
    t, other = await make_tenant(), await make_tenant()
    clerk = await t.add_account(["clerk"])
    r = await client.post("/api/v1/tenant/token-key", headers=clerk, json={})
    assert r.status_code == 403
    r = await client.post(f"/api/v1/tenants/{other.id}/token-key", headers=t.admin_headers, json={})
    assert r.status_code == 403  # a tenant admin rotates only their own tenant's key
    r = await client.post(
        "/api/v1/tenant/token-key", headers=t.admin_headers, json={"revoke": True}
    )
    assert r.status_code == 400 and "revoke" in r.text  # unknown field, nothing rotated
    assert await _me(client, t.admin_headers) == 200
    # The hub operator rotates any bureau's key (e.g. after a leak reported by it).
    r = await client.post(
        f"/api/v1/tenants/{other.id}/token-key",
        headers=operator_headers,
        json={"revoke_previous": True},
    )
    assert r.status_code == 201 and r.json()["kid"] == f"{other.slug}/2"
    assert await _me(client, other.admin_headers) == 401
    assert await _me(client, t.admin_headers) == 200  # no other tenant is touched
    r = await client.post(
        f"/api/v1/tenants/{uuid.uuid4()}/token-key", headers=operator_headers, json={}
    )
    assert r.status_code == 404


async def test_cli_rotates_a_tenant_key(client, database_url, settings, make_tenant):
    """`sealhub admin rotate-token-key`: for when no account that could call the API is
    left (or the hub operator's own key leaked)."""
    t = await make_tenant()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SEALHUB_MASTER_KEY": base64.b64encode(settings.security.master_key).decode(),
    }
    env.pop("SEALHUB_SQLITE_PATH", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", "admin", "rotate-token-key", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    done = await asyncio.to_thread(run, "--tenant", t.slug)
    assert done.returncode == 0, done.stderr
    assert f'"kid": "{t.slug}/2"' in done.stdout and "previous_valid_until" in done.stdout
    r = await client.get("/api/v1/tenant/token-keys", headers=t.admin_headers)
    assert [k["kid"] for k in r.json()["keys"]] == [f"{t.slug}/2", f"{t.slug}/1"]
    missing = await asyncio.to_thread(run, "--tenant", "no-such-bureau")
    assert missing.returncode == 1 and "no tenant with slug" in missing.stderr


async def test_of_two_concurrent_rotations_one_is_told(app, make_tenant):
    """Both read the same key version before either writes (a barrier in the keyring
    holds them there): one rotates, the other gets a 409, and no key is lost."""
    from hub.errors import Conflict
    from tenants.token_keys import rotate_token_key

    t = await make_tenant()
    ring = app.state.services.tokens.keyring
    both_read = asyncio.Barrier(2)

    class Held:
        async def data_key(self, tenant_id: uuid.UUID) -> bytes:
            await both_read.wait()
            return await ring.data_key(tenant_id)

        def forget_token_keys(self, tenant_id: uuid.UUID, slug: str) -> None:
            ring.forget_token_keys(tenant_id, slug)

    outcomes = await asyncio.gather(
        *(
            rotate_token_key(Held(), uuid.UUID(t.id), keep_previous_seconds=60)  # type: ignore[arg-type]
            for _ in range(2)
        ),
        return_exceptions=True,
    )
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    told = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(done) == 1 and len(told) == 1, outcomes
    assert done[0].kid == f"{t.slug}/2" and done[0].previous_kid == f"{t.slug}/1"
    keys = await ring.verify_key(t.slug, reload=True)
    assert keys is not None and keys.version == 2 and keys.previous_key is not None
