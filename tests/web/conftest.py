"""Portal tests in a real browser against a real hub process on 127.0.0.1.

The browser is Debian's chromium (`apt-get install chromium fonts-noto-cjk`, .ci/run),
driven by Playwright's Python client; `playwright install` (which downloads a browser) is
never used. Without /usr/bin/chromium the browser tests skip and say why.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.process import HubProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PASSWORD = "portal-pass-2026"
SEAL_PASSWORD = "seal-pass-2026"
MOBILE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"



@dataclass
class Portal:
    hub: HubProcess
    url: str
    tenant: str
    tenant_name: str
    admin: dict[str, str]
    clerk: dict[str, str]

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    work = tmp_path_factory.mktemp("portal")
    env = {
        "DATABASE_URL": f"sqlite:///{work / 'sealhub.db'}",
        "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
        "SEALHUB_ORIGIN": "portal.sealhub.test",
        "SEALHUB_PORTAL_DATA_DIR": str(work / "portal"),
        "SEALHUB_BRANDING_DIR": str(work / "branding"),
        "SEALHUB_LOGIN_FAILURES_PER_CLIENT": "100000",
        "SEALHUB_ADMISSION_INTERVAL_SECONDS": "0",
        "PROMETHEUS_MULTIPROC_DIR": "",
    }
    hub = HubProcess(env, log=work / "hub.log").start()
    try:
        hub.cli("admin", "create-operator", "--username", "portal-op", "--password-file", "-",
                stdin=PASSWORD + "\n")
        slug = "bureau-" + secrets.token_hex(3)
        name = "呼和浩特市公安局"
        with httpx.Client(base_url=hub.url, timeout=60) as c:
            op = _ok(c.post("/api/v1/auth/login", json={
                "tenant": "hub", "username": "portal-op", "password": PASSWORD}))
            _ok(c.post("/api/v1/tenants", headers={"Authorization": "Bearer " + op["access_token"]},
                       json={"name": name, "slug": slug, "region_code": "150102",
                             "admin": {"username": "admin", "password": PASSWORD}}))
            tok = _ok(c.post("/api/v1/auth/login", json={
                "tenant": slug, "username": "admin", "password": PASSWORD}))
            admin = {"Authorization": "Bearer " + tok["access_token"]}
            _ok(c.post("/api/v1/accounts", headers=admin, json={
                "username": "clerk", "password": PASSWORD, "roles": ["clerk"]}))
            tok = _ok(c.post("/api/v1/auth/login", json={
                "tenant": slug, "username": "clerk", "password": PASSWORD}))
            clerk = {"Authorization": "Bearer " + tok["access_token"]}
        yield Portal(hub=hub, url=hub.url, tenant=slug, tenant_name=name, admin=admin,
                     clerk=clerk)
    finally:
        hub.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium "
                    "(apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def new_page(browser: Any, portal: Portal, *, viewport: dict[str, int] = DESKTOP,
             javascript: bool = True, lang: str = "zh-CN") -> Any:
    context = browser.new_context(base_url=portal.url, viewport=viewport, locale=lang,
                                  java_script_enabled=javascript, accept_downloads=True,
                                  extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def resident_id() -> str:
    """A fresh valid 18-digit resident ID (GB 11643 check digit computed)."""
    from tenants.identity.validation import resident_id_check_char

    born = f"{1950 + secrets.randbelow(50)}{1 + secrets.randbelow(12):02d}" \
           f"{1 + secrets.randbelow(28):02d}"
    first17 = "150102" + born + f"{secrets.randbelow(1000):03d}"
    return first17 + resident_id_check_char(first17)


def credit_code() -> str:
    """A fresh valid unified social credit code (GB 32100 check character computed)."""
    from tenants.identity.validation import credit_code_check_char

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91150102" + "".join(alphabet[secrets.randbelow(31)] for _ in range(9))
    return first17 + credit_code_check_char(first17)
