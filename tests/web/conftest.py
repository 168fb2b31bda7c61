"""Fixtures for the portal's browser tests; helpers live in portal_support.py."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from portal_support import CHROMIUM, CHROMIUM_ARGS, PASSWORD, Portal, _ok

from hub.process import HubProcess


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    work = tmp_path_factory.mktemp("portal")
    env = {
        "DATABASE_URL": f"sqlite:///{work / 'sealhub.db'}",
        "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
        "SEALHUB_ORIGIN": "portal.sealhub.test",
        "SEALHUB_BRANDING_DIR": str(work / "branding"),
        "SEALHUB_LOGIN_FAILURES_PER_CLIENT": "100000",
        "SEALHUB_ADMISSION_INTERVAL_SECONDS": "0",
        "PROMETHEUS_MULTIPROC_DIR": "",
    }
    hub = HubProcess(env, log=work / "hub.log").start()
    try:
        hub.cli(
            "admin",
            "create-operator",
            "--username",
            "portal-op",
            "--password-file",
            "-",
            stdin=PASSWORD + "\n",
        )
        slug = "bureau-" + secrets.token_hex(3)
        name = "呼和浩特市公安局"
        with httpx.Client(base_url=hub.url, timeout=60) as c:
            op = _ok(
                c.post(
                    "/api/v1/auth/login",
                    json={"tenant": "hub", "username": "portal-op", "password": PASSWORD},
                )
            )
            _ok(
                c.post(
                    "/api/v1/tenants",
                    headers={"Authorization": "Bearer " + op["access_token"]},
                    json={
                        "name": name,
                        "slug": slug,
                        "region_code": "150102",
                        "admin": {"username": "admin", "password": PASSWORD},
                    },
                )
            )
            tok = _ok(
                c.post(
                    "/api/v1/auth/login",
                    json={"tenant": slug, "username": "admin", "password": PASSWORD},
                )
            )
            admin = {"Authorization": "Bearer " + tok["access_token"]}
            _ok(
                c.post(
                    "/api/v1/accounts",
                    headers=admin,
                    json={"username": "clerk", "password": PASSWORD, "roles": ["clerk"]},
                )
            )
            tok = _ok(
                c.post(
                    "/api/v1/auth/login",
                    json={"tenant": slug, "username": "clerk", "password": PASSWORD},
                )
            )
            clerk = {"Authorization": "Bearer " + tok["access_token"]}
        # The bureau's emblem (tenant branding): <branding dir>/<slug>.png.
        from hub.pictures.seals import render_official_seal

        (work / "branding").mkdir()
        (work / "branding" / f"{slug}.png").write_bytes(render_official_seal(name, "", 20))
        yield Portal(hub=hub, url=hub.url, tenant=slug, tenant_name=name, admin=admin, clerk=clerk)
    finally:
        hub.stop()


# Per module: Playwright's sync API runs its own event loop in this thread while it is
# open, and the rest of the suite's asyncio tests must not meet it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium "
            "(apt-get install chromium fonts-noto-cjk)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
