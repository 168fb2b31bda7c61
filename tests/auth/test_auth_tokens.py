"""Login, refresh, lockout and every token attack the issue names, on both engines."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from datetime import datetime

import jwt
import jwt.api_jwt
import pytest
from cryptography.hazmat.primitives import serialization

from hub.auth.principal import Principal
from hub.auth.tables import LoginGuard
from hub.auth.tokens import ACCESS, REFRESH

ADMIN_PASSWORD = "admin-password-1"  # as tests/conftest.py's make_tenant
TEST_ORIGIN = "sealhub.test"  # tests/conftest.py settings origin


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(t, *, aud: str | None = None, **over) -> dict:
    now = int(time.time())
    c = {
        "iss": TEST_ORIGIN,
        "aud": aud or t.slug,
        "sub": t.admin_id,
        "tid": t.id,
        "roles": ["tenant_admin"],
        "typ": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
    }
    c.update(over)
    return c


def _lockouts(tenant: str) -> float:
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value(
        "sealhub_password_lockouts_total", {"tenant": tenant, "kind": "account"}
    )
    return value or 0.0


async def _me(client, token: str):
    return await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


async def test_login_and_me(client, make_tenant):
    t = await make_tenant()
    r = await client.get("/api/v1/auth/me", headers=t.admin_headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "tenant_id": t.id,
        "tenant": t.slug,
        "account_id": t.admin_id,
        "roles": ["tenant_admin"],
    }
    token = t.admin_headers["Authorization"].split()[1]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "EdDSA"
    assert claims["aud"] == t.slug and claims["iss"] == TEST_ORIGIN and claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 900


@pytest.mark.parametrize("field", ["tenant", "username", "password"])
async def test_wrong_credentials_all_look_the_same(client, make_tenant, field):
    t = await make_tenant()
    body = {"tenant": t.slug, "username": t.admin_username, "password": ADMIN_PASSWORD}
    body[field] = body[field] + "x"
    r = await client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "wrong tenant, username or password"


async def test_login_body_validated(client):
    r = await client.post("/api/v1/auth/login", json={"tenant": "x", "username": "y"})
    assert r.status_code == 400
    assert r.json()["type"].endswith("/validation")


async def test_lockout_after_max_failures_counted_in_db(client, make_tenant):
    """Five failures from one client lock that username for that client (423, right
    password or not) until the window ends; counted in the database (login_guard), so
    another replica sees the same count."""
    t = await make_tenant()
    await t.add_account(["clerk"], username="clerk-lock")
    bad = {"tenant": t.slug, "username": "clerk-lock", "password": "wrong-password-1"}
    for _ in range(4):  # default policy: 5 failures
        r = await client.post("/api/v1/auth/login", json=bad)
        assert r.status_code == 401
    rows = await LoginGuard.select(LoginGuard.failures).where(LoginGuard.note == "client")
    assert 4 in [row["failures"] for row in rows]
    before = _lockouts(t.slug)
    r = await client.post("/api/v1/auth/login", json=bad)
    assert r.status_code == 423
    assert int(r.headers["Retry-After"]) > 0
    assert _lockouts(t.slug) == before + 1  # sealhub_password_lockouts_total{kind="account"}
    good = {**bad, "password": ADMIN_PASSWORD}
    r = await client.post("/api/v1/auth/login", json=good)
    assert r.status_code == 423  # the right password does not open a locked login
    # The window's end (set in the DB, as another replica would see it) lets it in.
    await LoginGuard.update({LoginGuard.window_start: 0}).where(LoginGuard.failures == 6)
    r = await client.post("/api/v1/auth/login", json=good)
    assert r.status_code == 200


async def test_refresh_is_single_use_and_reuse_revokes(client, make_tenant):
    t = await make_tenant()
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": ADMIN_PASSWORD},
    )
    first = r.json()
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert (await _me(client, second["access_token"])).status_code == 200
    # Replaying the first refresh token fails and revokes the second one too.
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert r.status_code == 401


async def test_token_types_do_not_mix(client, make_tenant):
    t = await make_tenant()
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": ADMIN_PASSWORD},
    )
    pair = r.json()
    assert (await _me(client, pair["refresh_token"])).status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["access_token"]})
    assert r.status_code == 401


async def test_missing_or_wrong_scheme(client):
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    r = await client.get("/api/v1/auth/me", headers={"Authorization": "Basic YTpi"})
    assert r.status_code == 401


async def test_alg_none_refused(client, make_tenant):
    t = await make_tenant()
    token = (
        _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        + "."
        + _b64(json.dumps(_claims(t)).encode())
        + "."
    )
    r = await _me(client, token)
    assert r.status_code == 401


async def test_hmac_with_public_key_refused(client, app, make_tenant):
    """Algorithm confusion: HS256 'signed' with the tenant's public key."""
    t = await make_tenant()
    key = await app.state.services.tokens.keyring.verify_key(t.slug)
    raw = key.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (raw, pem):
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(_claims(t)).encode())
        import hashlib
        import hmac

        sig = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        r = await _me(client, f"{header}.{body}.{_b64(sig)}")
        assert r.status_code == 401


async def _signed(app, t, kid: str | None = None, **claims) -> str:
    tokens = app.state.services.tokens
    key = await tokens.keyring.signing_key(uuid.UUID(t.id))
    if "sid" not in claims:  # a live login session of the admin
        sid, _ = await tokens.sessions.start(uuid.UUID(t.id), uuid.UUID(t.admin_id))
        claims["sid"] = str(sid)
    c = _claims(t, **claims)
    return jwt.encode(
        c, key.private_key, algorithm="EdDSA", headers={"kid": kid or f"{c['aud']}/{key.version}"}
    )


async def test_properly_signed_control_token_is_accepted(client, app, make_tenant):
    t = await make_tenant()
    assert (await _me(client, await _signed(app, t))).status_code == 200


async def test_wrong_audience_refused(client, app, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    # Signed with A's key but claiming B's audience: verified with B's key -> invalid.
    r = await _me(client, await _signed(app, a, aud=b.slug, tid=b.id))
    assert r.status_code == 401
    # Signed with A's key, A's audience, but B's tenant id inside: refused too.
    r = await _me(client, await _signed(app, a, tid=b.id))
    assert r.status_code == 401
    # An audience that is no tenant at all.
    r = await _me(client, await _signed(app, a, aud="no-such-tenant"))
    assert r.status_code == 401


async def test_wrong_issuer_refused(client, app, make_tenant):
    t = await make_tenant()
    r = await _me(client, await _signed(app, t, iss="evil.example"))
    assert r.status_code == 401


async def test_expired_and_not_yet_valid_refused(client, app, make_tenant):
    t = await make_tenant()
    tokens = app.state.services.tokens
    p = await _session_principal(tokens, t)
    old = await tokens.issue(p, ACCESS, now=time.time() - 3600)
    r = await _me(client, old.token)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    future = await tokens.issue(p, ACCESS, now=time.time() + 3600)
    r = await _me(client, future.token)
    assert r.status_code == 401 and "not yet valid" in r.json()["detail"]


async def test_tampered_token_refused(client, make_tenant):
    t = await make_tenant()
    token = t.admin_headers["Authorization"].split()[1]
    header, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["roles"] = ["hub_operator"]
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{sig}"
    assert (await _me(client, forged)).status_code == 401
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    assert (await _me(client, f"{header}.{body}.{flipped}")).status_code == 401
    assert (await _me(client, "not.a.jwt")).status_code == 401
    assert (await _me(client, secrets.token_urlsafe(40))).status_code == 401


async def test_refresh_token_issue_roundtrip(app, make_tenant):
    t = await make_tenant()
    tokens = app.state.services.tokens
    p = await _session_principal(tokens, t)
    issued = await tokens.issue(p, REFRESH)
    verified = await tokens.verify(issued.token, REFRESH)
    assert verified.principal == p and verified.jti == issued.jti


async def test_remembered_access_token_still_expires(client, app, make_tenant, monkeypatch):
    """A verified access token is remembered, but only until its exp (+ leeway); a
    refresh token is never taken for an access token through that memory."""
    t = await make_tenant()
    tokens = app.state.services.tokens
    p = await _session_principal(tokens, t)
    issued = await tokens.issue(p, ACCESS)
    assert (await _me(client, issued.token)).status_code == 200
    assert (await _me(client, issued.token)).status_code == 200  # from memory
    later = time.time() + tokens.access_seconds + 60

    class Later(datetime):  # pyjwt's clock
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime.fromtimestamp(later, tz)

    monkeypatch.setattr(time, "time", lambda: later)  # the memory's clock
    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)
    r = await _me(client, issued.token)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    monkeypatch.undo()
    refresh = await tokens.issue(p, REFRESH)
    await tokens.verify(refresh.token, REFRESH)
    assert (await _me(client, refresh.token)).status_code == 401


async def _session_principal(tokens, t):
    """The tenant admin as a Principal of a fresh login session (tokens name one)."""
    tenant_id, account_id = uuid.UUID(t.id), uuid.UUID(t.admin_id)
    sid, _ = await tokens.sessions.start(tenant_id, account_id)
    return Principal(
        tenant_id=tenant_id,
        tenant_slug=t.slug,
        account_id=account_id,
        roles=frozenset({"tenant_admin"}),
        session_id=sid,
    )
