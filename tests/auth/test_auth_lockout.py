"""Lockout keeps guessers out without being a weapon, and says nothing about who exists.

Before: five wrong passwords from anywhere locked any account (the hub operator's too)
for everyone, and X-Forwarded-For from 127.0.0.1 was believed by default, so one client
could pose as many addresses and walk past the per-client brake."""

from __future__ import annotations

import asyncio
import base64
import secrets
from typing import Any

import httpx
import pytest

import hub.auth.passwords as passwords
from hub.process import HubProcess

PASSWORD = "admin-password-1"  # tests/conftest.py ADMIN_PASSWORD


def client_from(app: Any, address: str) -> httpx.AsyncClient:
    """An in-process client whose TCP peer is `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://sealhub.test")


async def login(c: httpx.AsyncClient, tenant: str, user: str, password: str) -> httpx.Response:
    return await c.post(
        "/api/v1/auth/login", json={"tenant": tenant, "username": user, "password": password}
    )


async def test_a_stranger_cannot_lock_a_user_out(app: Any, make_tenant: Any) -> None:
    t = await make_tenant()
    async with (
        client_from(app, "203.0.113.9") as stranger,
        client_from(app, "198.51.100.7") as user,
    ):
        for _ in range(8):
            r = await login(stranger, t.slug, t.admin_username, "guess-" + secrets.token_hex(3))
            assert r.status_code in (401, 423)
        assert r.status_code == 423  # the stranger is locked out of this account ...
        r = await login(stranger, t.slug, t.admin_username, PASSWORD)
        assert r.status_code == 423  # ... even with the right password
        r = await login(user, t.slug, t.admin_username, PASSWORD)
        assert r.status_code == 200, r.text  # the user, elsewhere, is not


async def test_the_hub_operator_cannot_be_locked_out_by_strangers(
    app: Any, client: Any, db: Any, settings: Any
) -> None:
    from tenants.services import create_account, ensure_hub_tenant

    hub_id = await ensure_hub_tenant(db, settings.security.master_key)
    username = "operator-" + secrets.token_hex(3)
    await create_account(db, hub_id, username=username, password=PASSWORD, roles=["hub_operator"])
    async with client_from(app, "192.0.2.66") as stranger:
        for _ in range(6):
            await login(stranger, "hub", username, "nope-" + secrets.token_hex(3))
        assert (await login(stranger, "hub", username, PASSWORD)).status_code == 423
    r = await login(client, "hub", username, PASSWORD)
    assert r.status_code == 200, r.text


async def test_an_unknown_username_answers_exactly_like_a_known_one(
    app: Any, make_tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = await make_tenant()
    checks: list[str] = []
    real = passwords._verify

    def counted(stored: str, password: str) -> bool:
        checks.append(stored[:9])
        return real(stored, password)

    monkeypatch.setattr(passwords, "_verify", counted)

    async def story(user: str) -> list[tuple[int, str, str | None, int]]:
        out = []
        async with client_from(app, "192.0.2." + str(secrets.randbelow(200) + 1)) as c:
            for _ in range(7):
                before = len(checks)
                r = await login(c, t.slug, user, "wrong-" + secrets.token_hex(3))
                # (retry_after counts down with the clock: compared as present or not)
                body = {
                    k: (v if k != "retry_after" else "n")
                    for k, v in r.json().items()
                    if k != "instance"
                }
                out.append(
                    (
                        r.status_code,
                        repr(sorted(body.items())),
                        r.headers.get("retry-after") and "n",
                        len(checks) - before,
                    )
                )
        return out

    known = await story(t.admin_username)
    unknown = await story("nobody-" + secrets.token_hex(4))
    assert known == unknown
    assert [s[0] for s in known] == [401] * 4 + [423] * 3
    assert [s[3] for s in known] == [1] * 5 + [0] * 2  # one Argon2 check while checked


async def test_concurrent_guesses_cannot_get_past_the_limit(
    app: Any, make_tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = await make_tenant()
    checked = 0
    real = passwords._verify

    def counted(stored: str, password: str) -> bool:
        nonlocal checked
        checked += 1
        return real(stored, password)

    monkeypatch.setattr(passwords, "_verify", counted)
    async with client_from(app, "198.51.100.200") as c:
        answers = await asyncio.gather(
            *(
                login(c, t.slug, t.admin_username, "burst-" + secrets.token_hex(3))
                for _ in range(20)
            )
        )
    codes = sorted(r.status_code for r in answers)
    assert codes.count(401) == 4 and codes.count(423) == 16, codes
    assert checked == 5  # the policy's 5 attempts were checked, no more


@pytest.mark.slow
def test_a_spoofed_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(tmp_path: Any) -> None:
    """A real `sealhub serve` process: by default the brake counts the TCP peer whatever
    X-Forwarded-For says; with SEALHUB_TRUSTED_PROXIES=127.0.0.1 the header is believed."""
    base = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'xff.db'}",
        "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
        "SEALHUB_LOGIN_FAILURES_PER_CLIENT": "3",
        "SEALHUB_METRICS": "0",
        "PROMETHEUS_MULTIPROC_DIR": "",
    }

    def statuses(hub: HubProcess) -> list[int]:
        out = []
        with httpx.Client(base_url=hub.url, timeout=30) as c:
            for n in range(5):
                r = c.post(
                    "/api/v1/auth/login",
                    headers={"X-Forwarded-For": f"10.9.8.{n + 1}"},
                    json={"tenant": "hub", "username": f"nobody{n}", "password": "x" * 12},
                )
                out.append(r.status_code)
        return out

    with HubProcess(base, log=tmp_path / "default.log") as hub:
        assert statuses(hub) == [401, 401, 401, 429, 429]
    trusted = {**base, "SEALHUB_TRUSTED_PROXIES": "127.0.0.1"}
    with HubProcess(trusted, log=tmp_path / "trusted.log") as hub:
        assert statuses(hub) == [401] * 5  # five addresses, as the trusted proxy says
