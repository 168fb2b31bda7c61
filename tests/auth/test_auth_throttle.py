"""The per-client brake on failed logins (password spraying), over HTTP on both engines
and as a unit."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from hub.auth.throttle import LoginThrottle
from hub.errors import TooManyRequests
from tenants.tables import Account

ADMIN_PASSWORD = "admin-password-1"  # as tests/conftest.py's make_tenant


def _throttled() -> float:
    return REGISTRY.get_sample_value("sealhub_logins_throttled_total") or 0.0


async def test_spraying_one_password_over_many_accounts_is_stopped(
    client, app, make_tenant, monkeypatch
):
    t = await make_tenant()
    # Each account stays far below its own lockout (5): only the per-client count stops it.
    monkeypatch.setattr(app.state.services, "login_throttle", LoginThrottle(3, 900))
    for n in range(3):
        r = await client.post(
            "/api/v1/auth/login",
            json={"tenant": t.slug, "username": f"user-{n}", "password": "Spring2026!"},
        )
        assert r.status_code == 401
    before = _throttled()
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": "Spring2026!"},
    )
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/too-many-requests")
    assert 890 <= int(r.headers["Retry-After"]) <= 900
    assert _throttled() == before + 1
    # Refused unchecked: the admin's own failure count did not move ...
    row = (
        await Account.select(Account.failed_logins)
        .where(Account.username == t.admin_username)
        .first()
        .run()
    )
    assert row["failed_logins"] == 0
    # ... and while the address is braked even the right password waits.
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": ADMIN_PASSWORD},
    )
    assert r.status_code == 429


def test_failures_leave_the_window():
    brake = LoginThrottle(3, 10)
    for at in (0.0, 1.0, 2.0):
        brake.check("10.0.0.1", now=at)
        brake.failed("10.0.0.1", now=at)
    with pytest.raises(TooManyRequests) as caught:
        brake.check("10.0.0.1", now=5.0)
    assert caught.value.extra["retry_after"] == 5  # when the failure at 0 leaves
    brake.check("10.0.0.2", now=5.0)  # another address is not affected
    brake.check("10.0.0.1", now=10.5)  # one failure left the window: one more try
    brake.failed("10.0.0.1", now=10.5)
    with pytest.raises(TooManyRequests):
        brake.check("10.0.0.1", now=10.6)


def test_memory_is_bounded_and_zero_turns_it_off():
    brake = LoginThrottle(1, 60, max_clients=2)
    for client in ("a", "b", "c"):
        brake.failed(client, now=0.0)
    brake.check("a", now=1.0)  # forgotten: the least recently failing address went first
    for client in ("b", "c"):
        with pytest.raises(TooManyRequests):
            brake.check(client, now=1.0)
    off = LoginThrottle(0, 60)
    for _ in range(100):
        off.failed("a", now=0.0)
    off.check("a", now=0.0)
