"""Shared fixtures: the hub app and an async HTTP client on a fresh database per session.

`engine` is parametrized over SQLite and PostgreSQL; the PostgreSQL half runs when
`SEALHUB_TEST_POSTGRES_URL` is set (`.ci/run` sets it) and is skipped otherwise. Each test
session gets a fresh SQLite file and a fresh, uniquely named PostgreSQL database (created
next to the one in the URL and dropped at the end), so concurrent test runs never meet.

Use in a test:

    async def test_something(client, engine):     # runs once per engine
        r = await client.get("/health/ready")

    async def test_tenant_flow(make_tenant):       # a new tenant + admin, logged in
        t = await make_tenant()
        r = await t.client.get("/api/v1/...", headers=t.admin_headers)

The database is shared by every test of the session: create your own tenants (the
factories give unique slugs) rather than assuming empty tables.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from hub.app import create_app
from hub.db import Database
from hub.db.scratch import create_database, drop_database
from hub.settings import DatabaseSettings, SecuritySettings, ServerSettings, Settings

POSTGRES_URL = os.environ.get("SEALHUB_TEST_POSTGRES_URL", "")
TEST_ORIGIN = "sealhub.test"

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="SEALHUB_TEST_POSTGRES_URL not set"),
        ],
    ),
]


def make_test_settings(database_url: str, **security: object) -> Settings:
    """Settings for a test hub on `database_url` with a fresh master key. The whole suite
    logs in from 127.0.0.1 and fails on purpose often: the per-client login brake is set
    out of its way (tests/auth/test_auth_throttle.py sets its own)."""
    security.setdefault("login_failures_per_client", 100_000)
    return Settings(
        server=ServerSettings(origin=TEST_ORIGIN),
        # A small pool: several engineers' test runs and CI share one PostgreSQL
        # (max_connections 100).
        database=DatabaseSettings(
            url=database_url, migrate_on_start=True, pool_min_size=1, pool_max_size=6
        ),
        security=SecuritySettings(master_key=secrets.token_bytes(16), **security),  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def running_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run `app.lifespan()` in its own task on the current loop until the block ends.

    (The lifespan's anyio task group must be entered and exited by one task; pytest runs
    a fixture's setup and teardown in different tasks.)
    """
    started = asyncio.Event()
    stop = asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # raises the startup error
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgres": the engine this test runs on."""
    return str(request.param)


@pytest.fixture(scope="session")
async def database_url(engine: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A fresh, empty database for this session on `engine` (not migrated yet)."""
    if engine == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "sealhub.db"
        yield f"sqlite:///{path}"
        return
    url = await create_database(POSTGRES_URL)
    try:
        yield url
    finally:
        await drop_database(POSTGRES_URL, url)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_test_settings(database_url)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client calling the app in-process, lifespan running (database open, migrated).

    Not litestar's AsyncTestClient: that one runs the lifespan on a separate thread's
    event loop, and an asyncpg pool opened there cannot serve requests on the test loop.
    Here the lifespan, the requests and the test body share the session loop.
    """
    async with running_lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sealhub.test") as c:
            yield c


@pytest.fixture(scope="session")
def db(client: httpx.AsyncClient, app: Litestar) -> Database:
    """The app's open database (tables bound, migrations run)."""
    return app.state.services.db  # type: ignore[no-any-return]


@pytest.fixture
def master_key_b64(settings: Settings) -> Iterator[str]:
    return base64.b64encode(settings.security.master_key).decode()


# --------------------------------------------------------------------------- tenants & logins

OPERATOR_PASSWORD = "operator-password-1"
ADMIN_PASSWORD = "admin-password-1"
PERSON_PASSWORD = "person-password-1"


async def login(
    client: httpx.AsyncClient, tenant: str, username: str, password: str
) -> dict[str, str]:
    """Log in through the API; returns the Authorization header for the access token."""
    r = await client.post(
        "/api/v1/auth/login", json={"tenant": tenant, "username": username, "password": password}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


@dataclass
class TenantHandle:
    """A tenant made for one test, its first admin logged in."""

    client: httpx.AsyncClient
    id: str
    slug: str
    name: str
    admin_username: str
    admin_id: str
    admin_headers: dict[str, str]

    async def add_account(
        self, roles: list[str], username: str | None = None, password: str = ADMIN_PASSWORD
    ) -> dict[str, str]:
        """Create a staff account (tenant_admin/clerk) and return its auth headers."""
        username = username or f"{roles[0]}-{secrets.token_hex(3)}"
        r = await self.client.post(
            "/api/v1/accounts",
            headers=self.admin_headers,
            json={"username": username, "password": password, "roles": roles},
        )
        assert r.status_code == 201, r.text
        return await login(self.client, self.slug, username, password)

    async def login(self, username: str, password: str) -> dict[str, str]:
        return await login(self.client, self.slug, username, password)

    async def add_person(self, name: str = "张三", password: str = PERSON_PASSWORD) -> PersonHandle:
        """Register a real-name verified person (simulated face check) and log them in."""
        id_number = new_resident_id()
        username = "p-" + secrets.token_hex(4)
        r = await self.client.post(
            "/api/v1/identity/persons",
            headers=self.admin_headers,
            json={
                "name": name,
                "id_number": id_number,
                "mobile": "13800138000",
                "face_image": base64.b64encode(b"face-photo-" + id_number.encode()).decode(),
                "username": username,
                "password": password,
            },
        )
        assert r.status_code == 201, r.text
        body = r.json()
        headers = await self.login(username, password)
        return PersonHandle(
            id=body["id"],
            account_id=body["account_id"],
            username=username,
            id_number=id_number,
            name=name,
            headers=headers,
        )

    async def add_enterprise(
        self,
        name: str = "某某科技有限公司",
        legal_rep: PersonHandle | None = None,
        agent: PersonHandle | None = None,
    ) -> EnterpriseHandle:
        """Register an enterprise; its agent logs in again to carry enterprise_agent."""
        legal_rep = legal_rep or await self.add_person("李四")
        agent = agent or legal_rep
        r = await self.client.post(
            "/api/v1/identity/enterprises",
            headers=self.admin_headers,
            json={
                "name": name,
                "credit_code": new_credit_code(),
                "legal_representative_id": legal_rep.id,
                "agent_person_id": agent.id,
            },
        )
        assert r.status_code == 201, r.text
        body = r.json()
        agent_headers = await self.login(agent.username, PERSON_PASSWORD)
        return EnterpriseHandle(
            id=body["id"],
            name=name,
            credit_code=body["credit_code"],
            legal_rep=legal_rep,
            agent=agent,
            agent_headers=agent_headers,
        )


@dataclass
class PersonHandle:
    id: str
    account_id: str
    username: str
    id_number: str
    name: str
    headers: dict[str, str]


@dataclass
class EnterpriseHandle:
    id: str
    name: str
    credit_code: str
    legal_rep: PersonHandle
    agent: PersonHandle
    agent_headers: dict[str, str]  # the agent's token, with the enterprise_agent role


def new_resident_id(region: str = "150102", born: str | None = None) -> str:
    """A fresh valid 18-digit resident ID (GB 11643 check digit computed)."""
    from tenants.validation import resident_id_check_char

    born = (
        born
        or f"{1950 + secrets.randbelow(50)}{1 + secrets.randbelow(12):02d}"
        f"{1 + secrets.randbelow(28):02d}"
    )
    first17 = region + born + f"{secrets.randbelow(1000):03d}"
    return first17 + resident_id_check_char(first17)


def new_credit_code(region: str = "150102") -> str:
    """A fresh valid unified social credit code (GB 32100 check character computed)."""
    from tenants.validation import credit_code_check_char

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(alphabet[secrets.randbelow(31)] for _ in range(9))
    first17 = "91" + region + body
    return first17 + credit_code_check_char(first17)


@pytest.fixture(scope="session")
async def operator_headers(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> dict[str, str]:
    """A hub operator (created like `sealhub admin create-operator`), logged in."""
    from tenants.services import create_account, ensure_hub_tenant

    hub_id = await ensure_hub_tenant(db, settings.security.master_key)
    username = "operator-" + secrets.token_hex(3)
    await create_account(
        db, hub_id, username=username, password=OPERATOR_PASSWORD, roles=["hub_operator"]
    )
    return await login(client, "hub", username, OPERATOR_PASSWORD)


@pytest.fixture
def make_tenant(client: httpx.AsyncClient, operator_headers: dict[str, str]) -> Any:
    """`t = await make_tenant()`: a fresh tenant (unique slug) with a logged-in admin."""

    async def make(name: str = "Test Bureau", region_code: str = "150102") -> TenantHandle:
        slug = "t-" + secrets.token_hex(5)
        admin = "admin-" + secrets.token_hex(3)
        r = await client.post(
            "/api/v1/tenants",
            headers=operator_headers,
            json={
                "name": name,
                "slug": slug,
                "region_code": region_code,
                "admin": {"username": admin, "password": ADMIN_PASSWORD},
            },
        )
        assert r.status_code == 201, r.text
        body = r.json()
        headers = await login(client, slug, admin, ADMIN_PASSWORD)
        return TenantHandle(
            client=client,
            id=body["tenant"]["id"],
            slug=slug,
            name=name,
            admin_username=admin,
            admin_id=body["admin"]["id"],
            admin_headers=headers,
        )

    return make
