"""The admission HTTP API: roles, tenant scope from the token, documented operations.

Runs on the hub's auth (tokens, guards) and tenants; skipped until those are installed.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar, Request
from litestar.di import Provide

guards = pytest.importorskip("hub.auth.guards")
tenant_services = pytest.importorskip("tenants.services")

from adapters.admission import AdmissionService, CallLog  # noqa: E402
from adapters.admission.controllers import CONTROLLERS  # noqa: E402
from adapters.local import LocalVendor  # noqa: E402
from adapters.reference import MemoryKeyStore  # noqa: E402
from hub.auth.principal import Principal, Role  # noqa: E402
from hub.problems import EXCEPTION_HANDLERS  # noqa: E402

pytestmark = pytest.mark.slow


async def principal(request: Request[Any, Any, Any]) -> Principal:
    return await guards.authenticate(request)


@pytest.fixture
async def api(db, settings, app: Litestar):
    hub_app = app  # the session's hub: its tokens and keys (hub.services)
    vendors = {}
    service = AdmissionService(db, lambda name: vendors[name], CallLog())
    app = Litestar(
        route_handlers=CONTROLLERS,
        dependencies={
            "principal": Provide(principal),
            "admission": Provide(lambda: service, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.settings = settings
    # The session hub's container (tokens and keys: the guards read it), this admission.
    app.state.services = dataclasses.replace(hub_app.state.services, admission=service)
    vendors["ref-local"] = LocalVendor("ref-local", MemoryKeyStore(), secrets.token_bytes(16))
    # In this loop (the session's, where the database pool lives): no portal thread.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client, app


async def token(
    app, db, settings, roles: tuple[str, ...], slug: str | None = None
) -> tuple[dict, Principal]:
    master = settings.security.master_key
    if slug == "hub":
        tenant_id = await tenant_services.ensure_hub_tenant(db, master)
    else:
        slug = slug or f"adm-{secrets.token_hex(3)}"
        view, _ = await tenant_services.create_tenant(
            db, master, name="测试局", slug=slug, region_code="110000",
            admin_username="admin", admin_password="Adm1n-" + secrets.token_hex(8),
        )  # fmt: skip
        tenant_id = view.id
    tokens = app.state.services.tokens
    account_id = uuid.uuid4()
    session_id, _ = await tokens.sessions.start(tenant_id, account_id)
    principal = Principal(tenant_id, slug, account_id, frozenset(roles), session_id)
    issued = await tokens.issue(principal)
    return {"Authorization": f"Bearer {issued.token}"}, principal


async def test_operator_registers_admin_applies_and_reads_history(api, db, settings):
    client, app = api
    operator, _ = await token(app, db, settings, (Role.HUB_OPERATOR,), slug="hub")
    admin, principal = await token(app, db, settings, (Role.TENANT_ADMIN,))
    other_admin, _ = await token(app, db, settings, (Role.TENANT_ADMIN,))

    body = {"name": "ref-local", "kind": "local", "sla_p95_ms": 300,
            "product_certificate": "GM-REF-0001"}  # fmt: skip
    assert (await client.post("/api/v1/vendors", json=body)).status_code == 401
    assert (await client.post("/api/v1/vendors", json=body, headers=admin)).status_code == 403
    created = await client.post("/api/v1/vendors", json=body, headers=operator)
    assert created.status_code == 201, created.text
    assert (await client.post("/api/v1/vendors", json=body, headers=operator)).status_code == 409

    bad = await client.put("/api/v1/admission/rules", json={"max_eror_rate": 1}, headers=admin)
    assert bad.status_code == 422 and "max_eror_rate" in bad.text
    ok = await client.put("/api/v1/admission/rules", json={"max_error_rate": 0.05}, headers=admin)
    assert ok.json()["max_error_rate"] == 0.05

    applied = await client.post(
        "/api/v1/admission/applications", json={"vendor": "ref-local"}, headers=admin
    )
    assert applied.status_code == 201, applied.text
    standing = applied.json()
    assert standing["status"] == "probation"
    assert [h["to_status"] for h in standing["history"]] == ["applied", "probation"]

    # Another tenant sees nothing of this tenant's admission.
    other = await client.get("/api/v1/admission/vendors/ref-local", headers=other_admin)
    assert other.status_code == 404
    mine = await client.get("/api/v1/admission/vendors", headers=admin)
    assert [r["vendor"] for r in mine.json()] == ["ref-local"]

    suspended = await client.post(
        "/api/v1/admission/vendors/ref-local/suspend", json={"reason": "audit"}, headers=admin
    )
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["history"][-1]["actor"] == str(principal.account_id)

    regulator, _ = await token(app, db, settings, (Role.REGULATOR,), slug="hub")
    history = await client.get("/api/v1/vendors/ref-local/admission-history", headers=regulator)
    assert history.status_code == 200
    assert {h["tenant"] for h in history.json()} == {principal.tenant_slug}
    assert (await client.get("/api/v1/vendors/ref-local/admission-history",
                             headers=admin)).status_code == 403  # fmt: skip


async def test_every_route_is_documented(api):
    _, app = api
    schema = app.openapi_schema.to_schema()
    ops = [op for path in schema["paths"].values() for op in path.values()]
    assert len(ops) == 14
    for op in ops:
        assert op["operationId"] and op["summary"]
