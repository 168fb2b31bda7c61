"""What every step of the demo stands on: its output (the walk-through, the summary, the
artifacts in `--out`), HTTP calls to the hub that fail the step with the answer, and the
demo's throwaway passwords and identity numbers."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tenants.validation import credit_code_check_char, resident_id_check_char

PERSON_PASSWORD = "Demo-person-2026"  # noqa: S105 (the demo's own throwaway accounts)
SEAL_PASSWORD = "Seal-pass-2026"  # noqa: S105


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


class StepFailed(Exception):
    pass


class DemoClient:
    def __init__(self, out: Path, *, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.summary: dict[str, Any] = {"steps": [], "artifacts": []}
        self.lines: list[str] = []
        self.http: httpx.Client | None = None
        self.sms_url = ""  # the loopback SMS provider's base URL (main starts it)
        self.regulator: dict[str, str] = {}  # the regulator's login (the first step's)

    # --- output ---------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.lines.append(text)
        if not self.as_json:
            print(text, flush=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        print(f"[demo] {title} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            yield
        except StepFailed:
            raise
        except Exception as exc:
            raise StepFailed(f"{title}: {type(exc).__name__}: {exc}") from exc
        ms = (time.perf_counter() - start) * 1000
        self.summary["steps"].append({"step": title, "ok": True, "ms": round(ms, 1)})

    def write(self, name: str, data: bytes) -> Path:
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.summary["artifacts"].append(name)
        return path

    # --- HTTP -------------------------------------------------------------------------

    def call(
        self, method: str, url: str, expect: int | tuple[int, ...] = (200, 201, 204), **kw: Any
    ) -> Any:
        assert self.http is not None
        r = self.http.request(method, url, **kw)
        wanted = (expect,) if isinstance(expect, int) else expect
        if r.status_code not in wanted:
            raise StepFailed(f"{method} {url} -> {r.status_code}: {r.text[:500]}")
        if r.status_code == 204 or not r.content:
            return None
        if r.headers.get("content-type", "").startswith("application/json"):
            return r.json()
        return r.content

    def trust_args(self) -> list[str]:
        """`sealhub verify` options that trust the hub CA and its status list (fetched
        once into the output folder)."""
        assert self.http is not None
        for url, name in (("/api/v1/trust/ca/local.cer", "trust/hub-ca.cer"),
                          ("/api/v1/trust/crl/local.crl", "trust/local.crl"),
                          ("/api/v1/trust/status-list", "status-list.json")):  # fmt: skip
            data = self.http.get(url).content
            if name in self.summary["artifacts"]:
                (self.out / name).write_bytes(data)  # the latest list / CRL
            else:
                self.write(name, data)
        # The hub's TSA certificates chain to the TSA's own root: trusted too, so the
        # signatures' timestamps prove their time offline as well.
        tsa_root = "trust/hub-tsa-ca.pem"
        if tsa_root not in self.summary["artifacts"]:
            pems = self.http.get("/tsa/certificate").json()
            self.write(tsa_root, pems["ca_certificate_pem"].encode())
        return ["--trust", str(self.out / "trust"),
                "--status-list", str(self.out / "status-list.json")]  # fmt: skip

    def login(self, tenant: str, username: str, password: str) -> dict[str, str]:
        body = self.call(
            "POST",
            "/api/v1/auth/login",
            json={"tenant": tenant, "username": username, "password": password},
        )
        return {"Authorization": "Bearer " + body["access_token"]}
