"""Helpers for the portal's browser tests (tests/web): the hub under test, pages, people.

Portal tests run in a real browser against a real hub process on 127.0.0.1.

The browser is Debian's chromium (`apt-get install chromium fonts-noto-cjk`, .ci/run),
driven by Playwright's Python client; `playwright install` (which downloads a browser) is
never used. Without /usr/bin/chromium the browser tests skip and say why.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hub.process import HubProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "portal-pass-2026"
SEAL_PASSWORD = "seal-pass-2026"
MOBILE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
# `SEALHUB_SCREENSHOTS_DIR=docs/screenshots pytest tests/web` refreshes the committed
# pictures; otherwise they go to a scratch folder and the work tree stays clean.
SCREENSHOTS = Path(
    os.environ.get("SEALHUB_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "sealhub-screenshots"
)


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


def new_page(
    browser: Any,
    portal: Portal,
    *,
    viewport: dict[str, int] = DESKTOP,
    javascript: bool = True,
    lang: str = "zh-CN",
) -> Any:
    context = browser.new_context(
        base_url=portal.url,
        viewport=viewport,
        locale=lang,
        java_script_enabled=javascript,
        accept_downloads=True,
        extra_http_headers={"Accept-Language": lang},
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def resident_id() -> str:
    """A fresh valid 18-digit resident ID (GB 11643 check digit computed)."""
    from tenants.validation import resident_id_check_char

    born = (
        f"{1950 + secrets.randbelow(50)}{1 + secrets.randbelow(12):02d}"
        f"{1 + secrets.randbelow(28):02d}"
    )
    first17 = "150102" + born + f"{secrets.randbelow(1000):03d}"
    return first17 + resident_id_check_char(first17)


def credit_code() -> str:
    """A fresh valid unified social credit code (GB 32100 check character computed)."""
    from tenants.validation import credit_code_check_char

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91150102" + "".join(alphabet[secrets.randbelow(31)] for _ in range(9))
    return first17 + credit_code_check_char(first17)


def check_page(page: Any, name: str, viewport: str) -> None:
    """axe (no serious/critical), no sideways scroll, a screenshot."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name} ({viewport}): {bad}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} ({viewport}) scrolls sideways by {overflow}px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{viewport}.png"), full_page=True)
