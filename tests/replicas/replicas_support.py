"""Helpers for the replica tests: three `sealhub serve` processes on one fresh PostgreSQL
database (issue 8).

Each replica is a real child process (hub.process.HubProcess) on its own loopback port,
with the same master key and origin and its own in-memory metrics registry (one worker,
PROMETHEUS_MULTIPROC_DIR cleared), so nothing but the database is shared.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field

import httpx

from hub.process import HubProcess

POSTGRES_URL = os.environ.get("SEALHUB_TEST_POSTGRES_URL", "")
PASSWORD = "Replica-pass-2026"
SEAL_PASSWORD = "Seal-replica-2026"
REPLICAS = 3


def resident_id() -> str:
    from tenants.validation import resident_id_check_char

    first17 = f"15010219{70 + secrets.randbelow(30)}0101{secrets.randbelow(1000):03d}"
    return first17 + resident_id_check_char(first17)


@dataclass
class Citizen:
    tenant_slug: str
    admin_headers: dict[str, str]
    headers: dict[str, str]
    seal_ids: list[str]


@dataclass
class Cluster:
    hubs: list[HubProcess]
    database_url: str
    citizen: Citizen
    # What the tests were told, per replica: 201s of POST /api/v1/signatures, and how
    # many of those were new signings (not idempotent replays). The metrics must agree.
    sign_2xx: list[int] = field(default_factory=lambda: [0] * REPLICAS)
    new_signings: list[int] = field(default_factory=lambda: [0] * REPLICAS)

    @property
    def urls(self) -> list[str]:
        return [h.url for h in self.hubs]


def _ok(r: httpx.Response) -> dict:
    assert r.status_code < 400, f"{r.request.method} {r.request.url} -> {r.status_code} {r.text}"
    return r.json() if r.content else {}


def setup_citizen(hub: HubProcess, seals: int) -> Citizen:
    """Operator -> tenant -> real-name citizen -> personal seals with a password, all
    through the HTTP API of one replica."""
    hub.cli("admin", "create-operator", "--username", "replica-op", "--password-file", "-",
            stdin=PASSWORD + "\n")  # fmt: skip
    with httpx.Client(base_url=hub.url, timeout=60) as c:
        op = _ok(
            c.post(
                "/api/v1/auth/login",
                json={"tenant": "hub", "username": "replica-op", "password": PASSWORD},
            )
        )
        slug = "replicas-" + secrets.token_hex(3)
        _ok(
            c.post(
                "/api/v1/tenants",
                headers={"Authorization": "Bearer " + op["access_token"]},
                json={
                    "name": "Replica bureau",
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
        _ok(c.post("/api/v1/identity/persons", headers=admin, json={
            "name": "王五", "id_number": resident_id(), "mobile": "13912345678",
            "face_image": base64.b64encode(b"face").decode(),
            "username": "citizen", "password": PASSWORD}))  # fmt: skip
        tok = _ok(
            c.post(
                "/api/v1/auth/login",
                json={"tenant": slug, "username": "citizen", "password": PASSWORD},
            )
        )
        headers = {"Authorization": "Bearer " + tok["access_token"]}
        seal_ids = []
        for _ in range(seals):
            seal = _ok(c.post("/api/v1/seals", headers=headers, json={"seal_type": "personal"}))
            _ok(
                c.put(
                    f"/api/v1/seals/{seal['id']}/password",
                    headers=headers,
                    json={"password": SEAL_PASSWORD},
                )
            )
            seal_ids.append(seal["id"])
    return Citizen(tenant_slug=slug, admin_headers=admin, headers=headers, seal_ids=seal_ids)
