"""Tenant policy (read/update, effect on passwords and lockout) and statistics."""

from __future__ import annotations

import pytest

from hub.problems import json_pointer
from tenants.policy.stats import register_counter


async def test_policy_defaults_and_update(client, make_tenant):
    t = await make_tenant()
    r = await client.get("/api/v1/policy", headers=t.admin_headers)
    assert r.status_code == 200
    assert r.json() == {
        "approval_required_seal_types": ["official", "contract", "finance"],
        "password_min_length": 10,
        "password_rotation_days": 180,
        "password_max_failures": 5,
        "lockout_seconds": 900,
        "require_molds": False,
        "intent_sms": False,
        "verify_mobile": False,
    }
    r = await client.put(
        "/api/v1/policy",
        headers=t.admin_headers,
        json={
            "approval_required_seal_types": ["personal", "official", "official"],
            "password_max_failures": 2,
            "password_min_length": 12,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["approval_required_seal_types"] == ["official", "personal"]
    assert r.json()["password_max_failures"] == 2 and r.json()["lockout_seconds"] == 900
    # Stored per tenant: another tenant keeps the defaults.
    other = await make_tenant()
    r = await client.get("/api/v1/policy", headers=other.admin_headers)
    assert r.json()["password_max_failures"] == 5
    # The new rules apply: min length 12 for new accounts, lockout after 2 failures.
    r = await client.post(
        "/api/v1/accounts",
        headers=t.admin_headers,
        json={"username": "clerk-p", "password": "elevenchars", "roles": ["clerk"]},
    )
    assert r.status_code == 422 and r.json()["field"] == "/password"
    r = await client.post(
        "/api/v1/accounts",
        headers=t.admin_headers,
        json={"username": "clerk-p", "password": "twelve-chars", "roles": ["clerk"]},
    )
    assert r.status_code == 201
    bad = {"tenant": t.slug, "username": "clerk-p", "password": "wrong-wrong-1"}
    assert (await client.post("/api/v1/auth/login", json=bad)).status_code == 401
    assert (await client.post("/api/v1/auth/login", json=bad)).status_code == 423


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"approval_required_seal_types": ["rubber_duck"]}, "approval_required_seal_types"),
        ({"password_min_length": 4}, "password_min_length"),
        ({"password_max_failures": 0}, "password_max_failures"),
        ({"password_rotation_days": -1}, "password_rotation_days"),
        ({"lockout_seconds": 0}, "lockout_seconds"),
    ],
)
async def test_bad_policy_names_the_field(client, make_tenant, body, field):
    t = await make_tenant()
    r = await client.put("/api/v1/policy", headers=t.admin_headers, json=body)
    assert r.status_code == 422 and r.json()["field"] == json_pointer(field)


async def test_policy_roles(client, make_tenant):
    t = await make_tenant()
    clerk = await t.add_account(["clerk"])
    assert (await client.get("/api/v1/policy", headers=clerk)).status_code == 200
    r = await client.put("/api/v1/policy", headers=clerk, json={"password_max_failures": 9})
    assert r.status_code == 403
    person = await t.add_person()
    assert (await client.get("/api/v1/policy", headers=person.headers)).status_code == 403


async def test_statistics_count_per_tenant_and_take_counters(client, make_tenant, operator_headers):
    t = await make_tenant()
    other = await make_tenant()
    await t.add_enterprise()  # one person (legal rep = agent) + one enterprise
    await t.add_person()
    await other.add_person()
    r = await client.get("/api/v1/statistics", headers=t.admin_headers)
    assert r.status_code == 200
    counters = r.json()["counters"]
    assert counters["registered_persons"] == 2 and counters["registered_enterprises"] == 1
    assert counters["registered_users"] == 3
    for name in ("vendors", "seals_issued", "signings_initiated", "documents_completed"):
        assert name in counters

    async def documents_completed(tenant_id):
        return 7 if str(tenant_id) == t.id else 0

    register_counter("test_documents_completed", documents_completed)
    r = await client.get(f"/api/v1/tenants/{t.id}/statistics", headers=operator_headers)
    assert r.status_code == 200 and r.json()["counters"]["test_documents_completed"] == 7
    assert r.json()["counters"]["registered_users"] == 3
    r = await client.get("/api/v1/statistics", headers=other.admin_headers)
    assert r.json()["counters"]["registered_users"] == 1
    # A tenant admin cannot read another tenant's statistics.
    r = await client.get(f"/api/v1/tenants/{other.id}/statistics", headers=t.admin_headers)
    assert r.status_code == 403
