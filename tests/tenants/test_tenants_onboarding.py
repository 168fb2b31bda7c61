"""Tenants, accounts, roles, keys and the bootstrap CLI, on both engines."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import subprocess
import sys
import uuid

import pytest

from hub.crypto import keystore
from hub.errors import CryptoError
from hub.problems import json_pointer
from tenants.keys import TenantKeyring
from tenants.tables import Tenant

PASSWORD = "admin-password-1"


def _tenant_body(slug: str | None = None, **over):
    body = {
        "name": "呼和浩特市公安局",
        "slug": slug or "t-" + secrets.token_hex(5),
        "region_code": "150100",
        "admin": {"username": "admin-" + secrets.token_hex(3), "password": PASSWORD},
    }
    body.update(over)
    return body


async def test_operator_creates_tenant_and_admin_logs_in(client, operator_headers):
    body = _tenant_body()
    r = await client.post("/api/v1/tenants", headers=operator_headers, json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["tenant"]["slug"] == body["slug"] and out["tenant"]["region_code"] == "150100"
    assert out["tenant"]["name"] == "呼和浩特市公安局"
    assert out["admin"]["roles"] == ["tenant_admin"]
    assert "password_hash" not in out["admin"]
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": body["slug"], "username": body["admin"]["username"], "password": PASSWORD},
    )
    assert r.status_code == 200
    headers = {"Authorization": "Bearer " + r.json()["access_token"]}
    r = await client.get("/api/v1/tenant", headers=headers)
    assert r.json()["id"] == out["tenant"]["id"]
    r = await client.get("/api/v1/tenants", headers=operator_headers)
    assert body["slug"] in [t["slug"] for t in r.json()]
    assert "hub" not in [t["slug"] for t in r.json()]
    r = await client.get(f"/api/v1/tenants/{out['tenant']['id']}", headers=operator_headers)
    assert r.status_code == 200 and r.json()["slug"] == body["slug"]


async def test_duplicate_slug_is_409(client, operator_headers):
    body = _tenant_body()
    r = await client.post("/api/v1/tenants", headers=operator_headers, json=body)
    assert r.status_code == 201
    r = await client.post(
        "/api/v1/tenants", headers=operator_headers, json=_tenant_body(body["slug"])
    )
    assert r.status_code == 409
    assert r.json()["field"] == "/slug"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "hub"}, "slug"),
        ({"slug": "x"}, "slug"),
        ({"region_code": "99000"}, "region_code"),
        ({"region_code": "990000"}, "region_code"),
        ({"name": "   "}, "name"),
        ({"admin": {"username": "a b", "password": PASSWORD}}, "admin.username"),
        ({"admin": {"username": "admin-x", "password": "short"}}, "admin.password"),
    ],
)
async def test_tenant_validation_names_the_field(client, operator_headers, over, field):
    r = await client.post("/api/v1/tenants", headers=operator_headers, json=_tenant_body(**over))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == json_pointer(field)


async def test_only_operators_create_tenants(client, make_tenant):
    t = await make_tenant()
    r = await client.post("/api/v1/tenants", headers=t.admin_headers, json=_tenant_body())
    assert r.status_code == 403
    r = await client.post("/api/v1/tenants", json=_tenant_body())
    assert r.status_code == 401
    r = await client.get("/api/v1/tenants", headers=t.admin_headers)
    assert r.status_code == 403


async def test_accounts_roles_and_conflicts(client, make_tenant):
    t = await make_tenant()
    r = await client.post(
        "/api/v1/accounts",
        headers=t.admin_headers,
        json={"username": "clerk-1", "password": PASSWORD, "roles": ["clerk"]},
    )
    assert r.status_code == 201, r.text
    clerk_id = r.json()["id"]
    r = await client.post(
        "/api/v1/accounts",
        headers=t.admin_headers,
        json={"username": "clerk-1", "password": PASSWORD, "roles": ["clerk"]},
    )
    assert r.status_code == 409 and r.json()["field"] == "/username"
    for roles in (["hub_operator"], ["regulator"], ["nonsense"], []):
        r = await client.post(
            "/api/v1/accounts",
            headers=t.admin_headers,
            json={"username": "x-" + secrets.token_hex(3), "password": PASSWORD, "roles": roles},
        )
        assert r.status_code == 422 and r.json()["field"] == "/roles", roles
    r = await client.post(
        "/api/v1/accounts",
        headers=t.admin_headers,
        json={"username": "clerk-2", "password": "short", "roles": ["clerk"]},
    )
    assert r.status_code == 422 and r.json()["field"] == "/password"
    clerk = await t.login("clerk-1", PASSWORD)
    r = await client.post(
        "/api/v1/accounts",
        headers=clerk,
        json={"username": "clerk-3", "password": PASSWORD, "roles": ["clerk"]},
    )
    assert r.status_code == 403
    r = await client.get(f"/api/v1/accounts/{clerk_id}", headers=t.admin_headers)
    assert r.status_code == 200 and r.json()["roles"] == ["clerk"]
    r = await client.get("/api/v1/accounts", headers=t.admin_headers)
    assert {a["username"] for a in r.json()} >= {"clerk-1", t.admin_username}


async def test_same_username_in_two_tenants_is_fine(client, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    for t in (a, b):
        r = await client.post(
            "/api/v1/accounts",
            headers=t.admin_headers,
            json={"username": "same-name", "password": PASSWORD, "roles": ["clerk"]},
        )
        assert r.status_code == 201


async def test_other_tenants_account_is_404(client, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    r = await client.get(f"/api/v1/accounts/{a.admin_id}", headers=b.admin_headers)
    missing = await client.get(f"/api/v1/accounts/{uuid.uuid4()}", headers=b.admin_headers)
    assert r.status_code == missing.status_code == 404
    assert r.json()["detail"] == missing.json()["detail"]
    r = await client.get(f"/api/v1/accounts/{a.admin_id}", headers=a.admin_headers)
    assert r.status_code == 200


async def test_change_password(client, make_tenant):
    t = await make_tenant()
    url = "/api/v1/auth/password"
    r = await client.post(
        url,
        headers=t.admin_headers,
        json={"old_password": "wrong-old-pass", "new_password": "new-password-22"},
    )
    assert r.status_code == 422 and r.json()["field"] == "/old_password"
    r = await client.post(
        url, headers=t.admin_headers, json={"old_password": PASSWORD, "new_password": "short"}
    )
    assert r.status_code == 422 and r.json()["field"] == "/new_password"
    r = await client.post(
        url,
        headers=t.admin_headers,
        json={"old_password": PASSWORD, "new_password": "new-password-22"},
    )
    assert r.status_code == 204
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": PASSWORD},
    )
    assert r.status_code == 401
    assert await t.login(t.admin_username, "new-password-22")


async def test_tenant_keys_wrapped_under_master_key(app, make_tenant, settings):
    t = await make_tenant()
    tid = uuid.UUID(t.id)
    row = await Tenant.select().where(Tenant.id == tid).first().run()
    ring = TenantKeyring(settings.security.master_key)
    data_key = await ring.data_key(tid)
    assert len(data_key) == 16 and data_key not in bytes(row["data_key_wrapped"])
    assert len(bytes(row["jwt_private_wrapped"])) > 32  # sealed, not the raw 32-byte key
    with pytest.raises(CryptoError):
        keystore.unwrap_data_key(os.urandom(16), str(tid), bytes(row["data_key_wrapped"]))
    with pytest.raises(CryptoError):  # another tenant's slot does not open it
        keystore.unwrap_data_key(
            settings.security.master_key, str(uuid.uuid4()), bytes(row["data_key_wrapped"])
        )
    other = await Tenant.select(Tenant.data_key_wrapped).where(Tenant.slug == "hub").first().run()
    assert bytes(other["data_key_wrapped"]) != bytes(row["data_key_wrapped"])


async def test_cli_bootstraps_operator(client, database_url, settings, tmp_path):
    username = "cli-op-" + secrets.token_hex(3)
    pw = tmp_path / "pw"
    pw.write_text("cli-operator-password\n")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SEALHUB_MASTER_KEY": base64.b64encode(settings.security.master_key).decode(),
    }
    env.pop("SEALHUB_SQLITE_PATH", None)
    cmd = [
        sys.executable,
        "-m",
        "hub.cli",
        "admin",
        "create-operator",
        "--username",
        username,
        "--password-file",
        str(pw),
    ]
    done = await asyncio.to_thread(
        subprocess.run, cmd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert username in done.stdout
    again = await asyncio.to_thread(
        subprocess.run, cmd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert again.returncode == 1 and "taken" in again.stderr
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "hub", "username": username, "password": "cli-operator-password"},
    )
    assert r.status_code == 200, r.text
    headers = {"Authorization": "Bearer " + r.json()["access_token"]}
    r = await client.post("/api/v1/tenants", headers=headers, json=_tenant_body())
    assert r.status_code == 201


async def test_regulator_reads_across_tenants_but_no_personal_data(
    client, operator_headers, make_tenant
):
    t = await make_tenant()
    await t.add_person()
    username = "reg-" + secrets.token_hex(3)
    r = await client.post(
        "/api/v1/accounts",
        headers=operator_headers,
        json={"username": username, "password": "regulator-pass-1", "roles": ["regulator"]},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "hub", "username": username, "password": "regulator-pass-1"},
    )
    reg = {"Authorization": "Bearer " + r.json()["access_token"]}
    assert t.slug in [x["slug"] for x in (await client.get("/api/v1/tenants", headers=reg)).json()]
    r = await client.get(f"/api/v1/tenants/{t.id}/statistics", headers=reg)
    assert r.status_code == 200 and r.json()["counters"]["registered_persons"] == 1
    r = await client.post("/api/v1/tenants", headers=reg, json=_tenant_body())
    assert r.status_code == 403
    for url in ("/api/v1/identity/persons", "/api/v1/identity/enterprises", "/api/v1/accounts"):
        assert (await client.get(url, headers=reg)).status_code == 403, url
    # A tenant admin cannot mint hub roles, and an operator cannot mint tenant roles at the hub.
    r = await client.post(
        "/api/v1/accounts",
        headers=operator_headers,
        json={
            "username": "x-" + secrets.token_hex(3),
            "password": "regulator-pass-1",
            "roles": ["tenant_admin"],
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "/roles"


async def test_password_rotation_flag(client, make_tenant):
    from datetime import UTC, datetime, timedelta

    from tenants.tables import Account

    t = await make_tenant()
    await (
        Account.update({Account.password_changed_at: datetime.now(UTC) - timedelta(days=181)})
        .where(Account.id == uuid.UUID(t.admin_id))
        .run()
    )
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": PASSWORD},
    )
    assert r.status_code == 200 and r.json()["password_change_required"] is True
    r = await client.put(
        "/api/v1/policy", headers=t.admin_headers, json={"password_rotation_days": 0}
    )  # 0 = never
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": PASSWORD},
    )
    assert r.json()["password_change_required"] is False
