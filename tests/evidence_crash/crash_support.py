"""Helpers for the kill -9 test (issue 5): a citizen who can sign, the signing load that
records what each client was told, and the database rows the checks read.

Everything goes through a real `sealhub serve` child (hub.process.HubProcess) over HTTP;
the database is read directly only to see what a client cannot (rows nobody was told of).
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hub.process import HubProcess

POSTGRES_URL = os.environ.get("SEALHUB_TEST_POSTGRES_URL", "")
ORIGIN = "crash.sealhub.test"
# The restarted hub reclaims a reservation the kill abandoned after this many seconds.
STALE_SECONDS = 4
PASSWORD = "Crash-pass-2026"
SEAL_PASSWORD = "Seal-crash-2026"
SIGN = "/api/v1/signatures"


@dataclass(frozen=True)
class HubSetup:
    engine: str
    database_url: str
    env: dict[str, str]  # the same for the hub and the one restarted after the kill
    work: Path


def _resident_id() -> str:
    from tenants.validation import resident_id_check_char

    first17 = f"15010219{70 + secrets.randbelow(30)}0101{secrets.randbelow(1000):03d}"
    return first17 + resident_id_check_char(first17)


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 400, f"{r.request.method} {r.request.url} -> {r.status_code} {r.text}"
    return r.json() if r.content else None


@dataclass
class Citizen:
    slug: str
    headers: dict[str, str]
    seal_id: str


def setup_citizen(hub: HubProcess) -> Citizen:
    """Operator (CLI) -> tenant -> real-name citizen -> personal seal with a password."""
    hub.cli("admin", "create-operator", "--username", "crash-op", "--password-file", "-",
            stdin=PASSWORD + "\n")  # fmt: skip
    with httpx.Client(base_url=hub.url, timeout=60) as c:
        op = _ok(
            c.post(
                "/api/v1/auth/login",
                json={"tenant": "hub", "username": "crash-op", "password": PASSWORD},
            )
        )
        slug = "crash-" + secrets.token_hex(3)
        _ok(
            c.post(
                "/api/v1/tenants",
                headers={"Authorization": "Bearer " + op["access_token"]},
                json={
                    "name": "Crash bureau",
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
            "name": "赵六", "id_number": _resident_id(), "mobile": "13912345678",
            "face_image": base64.b64encode(b"face").decode(),
            "username": "citizen", "password": PASSWORD}))  # fmt: skip
        headers = citizen_login(c, slug)
        seal = _ok(c.post("/api/v1/seals", headers=headers, json={"seal_type": "personal"}))
        _ok(
            c.put(
                f"/api/v1/seals/{seal['id']}/password",
                headers=headers,
                json={"password": SEAL_PASSWORD},
            )
        )
    return Citizen(slug=slug, headers=headers, seal_id=seal["id"])


def citizen_login(c: httpx.Client, slug: str) -> dict[str, str]:
    tok = _ok(
        c.post(
            "/api/v1/auth/login", json={"tenant": slug, "username": "citizen", "password": PASSWORD}
        )
    )
    return {"Authorization": "Bearer " + tok["access_token"]}


# --- the signing load ----------------------------------------------------------------------


@dataclass
class Attempt:
    """One POST /api/v1/signatures and what its client was told (None: no answer)."""

    key: str
    document_sm3: str
    status: int | None = None
    answer: dict[str, Any] | None = None
    error: str = ""
    sent: float = 0.0  # time.monotonic()
    answered: float | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status == 201

    def body(self, seal_id: str) -> dict[str, str]:
        return {"seal_id": seal_id, "password": SEAL_PASSWORD, "document_sm3": self.document_sm3}


@dataclass
class Load:
    attempts: list[Attempt] = field(default_factory=list)
    killed_at: float | None = None  # time.monotonic() of the SIGKILL

    @property
    def acknowledged(self) -> list[Attempt]:
        return [a for a in self.attempts if a.acknowledged]

    @property
    def unanswered(self) -> list[Attempt]:
        return [a for a in self.attempts if a.status is None]

    @property
    def refused(self) -> list[Attempt]:
        return [a for a in self.attempts if a.status is not None and not a.acknowledged]


async def sign_once(client: httpx.AsyncClient, citizen: Citizen, load: Load) -> Attempt:
    """One signing of a fresh digest; raises httpx.TransportError if the hub went away
    (the attempt stays recorded, unanswered)."""
    attempt = Attempt(key="crash-" + secrets.token_hex(12), document_sm3=secrets.token_hex(32))
    load.attempts.append(attempt)
    attempt.sent = time.monotonic()
    try:
        r = await client.post(
            SIGN,
            json=attempt.body(citizen.seal_id),
            headers={**citizen.headers, "Idempotency-Key": attempt.key},
        )
    except httpx.TransportError as exc:
        attempt.error = type(exc).__name__
        raise
    attempt.status, attempt.answered = r.status_code, time.monotonic()
    if r.status_code == 201:
        attempt.answer = r.json()
    else:
        attempt.error = r.text[:300]
    return attempt


async def signing_client(client: httpx.AsyncClient, citizen: Citizen, load: Load) -> None:
    """Sign fresh digests one after another until the hub goes away under this client."""
    while True:
        try:
            await sign_once(client, citizen, load)
        except httpx.TransportError:  # the hub died under this request
            return
        if load.killed_at is not None and time.monotonic() > load.killed_at + 30:
            return  # a hub that answers 30 s after SIGKILL is not the one we killed


# --- what the database holds -------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    entries: list[tuple[int, bytes, str, str | None]]  # idx, leaf, leaf_hash hex, lookup
    # id, status, signature_sm3, document_sm3 of this tenant's signature records
    records: list[tuple[str, str, str | None, str]]


async def read_rows(database_url: str, tenant_slug: str) -> Rows:
    entry_sql = "SELECT idx, leaf, leaf_hash, lookup FROM evidence_entry ORDER BY idx"
    record_sql = (
        "SELECT r.id, r.status, r.signature_sm3, r.document_sm3 FROM signature_record r "
        "JOIN tenant t ON t.id = r.tenant_id WHERE t.slug = {}"
    )
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            entries = conn.execute(entry_sql).fetchall()
            records = conn.execute(record_sql.format("?"), (tenant_slug,)).fetchall()
        return Rows(
            entries=[(int(i), bytes(leaf), str(h), lk) for i, leaf, h, lk in entries],
            records=[(str(i), str(s), h, str(d)) for i, s, h, d in records],
        )
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        pg_entries = await conn.fetch(entry_sql)
        pg_records = await conn.fetch(record_sql.format("$1"), tenant_slug)
    finally:
        await conn.close()
    return Rows(
        entries=[(r["idx"], bytes(r["leaf"]), r["leaf_hash"], r["lookup"]) for r in pg_entries],
        records=[
            (str(r["id"]), r["status"], r["signature_sm3"], r["document_sm3"]) for r in pg_records
        ],
    )
