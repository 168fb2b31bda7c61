"""/metrics is served only to the scraper: its bearer token (SEALHUB_METRICS_TOKEN), or,
with no token configured, a client on this host. Remote clients see nothing."""

from __future__ import annotations

import httpx
from litestar import Litestar

from hub.problems import EXCEPTION_HANDLERS
from hub.services import DEPENDENCIES
from hub.settings import MetricsSettings, Settings
from monitoring.http import MetricsController

TOKEN = "scrape-" + "x" * 24


def _app(token: str) -> Litestar:
    app = Litestar(
        [MetricsController], exception_handlers=EXCEPTION_HANDLERS, dependencies=DEPENDENCIES
    )
    app.state.settings = Settings(metrics=MetricsSettings(token=token))
    return app


async def _get(
    app: Litestar, client_ip: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as c:
        return await c.get("/metrics", headers=headers or {})


async def test_with_a_token_only_the_token_is_answered() -> None:
    app = _app(TOKEN)
    for ip in ("203.0.113.7", "127.0.0.1"):  # loopback is no way around a configured token
        r = await _get(app, ip)
        assert r.status_code == 401, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert "sealhub_" not in r.text
    for bad in ("Bearer wrong", "Basic " + TOKEN, TOKEN, "Bearer " + TOKEN + "x"):
        assert (await _get(app, "203.0.113.7", {"Authorization": bad})).status_code == 401
    r = await _get(app, "203.0.113.7", {"Authorization": "Bearer " + TOKEN})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in r.text


async def test_without_a_token_only_this_host_is_answered() -> None:
    app = _app("")
    r = await _get(app, "203.0.113.7")
    assert r.status_code == 403 and "SEALHUB_METRICS_TOKEN" in r.json()["detail"]
    assert (await _get(app, "10.0.0.5")).status_code == 403
    for ip in ("127.0.0.1", "::1"):
        assert (await _get(app, ip)).status_code == 200


def test_settings_read_the_token_and_never_show_it() -> None:
    settings = Settings.from_env(
        {"SEALHUB_METRICS_TOKEN": TOKEN, "SEALHUB_MASTER_KEY": "MDEyMzQ1Njc4OWFiY2RlZg=="}
    )
    assert settings.metrics.token == TOKEN
    assert TOKEN not in repr(settings)
