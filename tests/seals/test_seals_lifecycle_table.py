"""The seal lifecycle, action by action and role by role, through the HTTP API.

The expected table below is written out by hand (not derived from hub.seals.rules), so a
change to the rules that lets someone do what they should not fails here. Before the
table existed an enterprise agent could `resume` an `applied` seal into `active` with no
clerk's approval and no seal bytes (the `resume`/applied rows), and an owner could lift a
suspension made by staff (the `suspended_by_staff` rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from hub.errors import VendorUnavailable

# (action, the seal's state, who calls) -> HTTP status, and the status after a 200.
# States: applied (enterprise seal awaiting a clerk), approved (approved, but its vendor
# failed to make it), active, suspended_by_owner, suspended_by_staff, revoked.
# Callers: owner (the enterprise agent who applied), clerk, admin, stranger (another
# enterprise's agent in the same tenant).
EXPECTED: list[tuple[str, str, str, int, str | None]] = [
    ("approve", "applied", "owner", 403, None),
    ("approve", "applied", "stranger", 403, None),
    ("approve", "applied", "clerk", 200, "active"),  # approved, then made at once
    ("approve", "applied", "admin", 200, "active"),
    ("approve", "active", "clerk", 409, None),
    ("reject", "applied", "owner", 403, None),
    ("reject", "applied", "clerk", 200, "rejected"),
    ("reject", "approved", "admin", 200, "rejected"),
    ("reject", "active", "clerk", 409, None),
    ("make", "applied", "owner", 409, None),  # not before a clerk approved it
    ("make", "applied", "clerk", 409, None),
    ("make", "approved", "owner", 200, "active"),
    ("make", "approved", "clerk", 200, "active"),
    ("make", "approved", "stranger", 404, None),
    ("make", "active", "owner", 409, None),
    ("suspend", "active", "owner", 200, "suspended"),
    ("suspend", "active", "clerk", 200, "suspended"),
    ("suspend", "active", "admin", 200, "suspended"),
    ("suspend", "active", "stranger", 404, None),
    ("suspend", "applied", "owner", 409, None),
    ("suspend", "suspended_by_owner", "owner", 409, None),
    ("resume", "applied", "owner", 409, None),  # the hole: applied -> active by resume
    ("resume", "applied", "clerk", 409, None),
    ("resume", "approved", "owner", 409, None),
    ("resume", "active", "owner", 409, None),
    ("resume", "revoked", "admin", 409, None),
    ("resume", "suspended_by_owner", "owner", 200, "active"),
    ("resume", "suspended_by_owner", "clerk", 200, "active"),
    ("resume", "suspended_by_owner", "stranger", 404, None),
    ("resume", "suspended_by_staff", "owner", 403, None),  # staff's suspension holds
    ("resume", "suspended_by_staff", "clerk", 200, "active"),
    ("resume", "suspended_by_staff", "admin", 200, "active"),
    ("revoke", "active", "owner", 200, "revoked"),
    ("revoke", "active", "stranger", 404, None),
    ("revoke", "suspended_by_staff", "owner", 200, "revoked"),  # an owner may end it
    ("revoke", "suspended_by_owner", "clerk", 200, "revoked"),
    ("revoke", "applied", "owner", 409, None),
    ("revoke", "revoked", "clerk", 409, None),
]


@dataclass
class Cast:
    t: Any
    ent: Any
    headers: dict[str, dict[str, str]]


@pytest.fixture
async def cast(make_tenant: Any) -> Cast:
    t = await make_tenant()
    ent = await t.add_enterprise("某某物流有限公司")
    other = await t.add_enterprise("另一家贸易有限公司")
    return Cast(
        t,
        ent,
        {
            "owner": ent.agent_headers,
            "stranger": other.agent_headers,
            "clerk": await t.add_account(["clerk"]),
            "admin": t.admin_headers,
        },
    )


async def seal_in(c: Cast, state: str, app: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    client, owner, clerk = c.t.client, c.headers["owner"], c.headers["clerk"]
    r = await client.post(
        "/api/v1/seals", headers=owner, json={"seal_type": "official", "enterprise_id": c.ent.id}
    )
    assert r.status_code == 201 and r.json()["status"] == "applied", r.text
    seal_id = r.json()["id"]
    if state == "applied":
        return seal_id
    if state == "approved":
        with monkeypatch.context() as m:
            m.setattr(app.state.services.vendors.get("local"), "make_seal", _vendor_down)
            r = await client.post(f"/api/v1/seals/{seal_id}/approve", headers=clerk, json={})
        assert r.status_code == 503, r.text
        return seal_id
    r = await client.post(f"/api/v1/seals/{seal_id}/approve", headers=clerk, json={})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    if state == "active":
        return seal_id
    by = {"suspended_by_owner": owner, "suspended_by_staff": clerk, "revoked": owner}[state]
    action = "revoke" if state == "revoked" else "suspend"
    r = await client.post(f"/api/v1/seals/{seal_id}/{action}", headers=by, json={})
    assert r.status_code == 200, r.text
    return seal_id


async def _vendor_down(_: Any) -> Any:
    raise VendorUnavailable("vendor local is down for maintenance", vendor="local")


@pytest.mark.parametrize(
    ("action", "state", "who", "code", "after"),
    EXPECTED,
    ids=[f"{a}-{s}-{w}" for a, s, w, _, _ in EXPECTED],
)
async def test_lifecycle_table(
    cast: Cast,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    state: str,
    who: str,
    code: int,
    after: str | None,
) -> None:
    seal_id = await seal_in(cast, state, app, monkeypatch)
    client = cast.t.client
    body = None if action == "make" else {}
    r = await client.post(f"/api/v1/seals/{seal_id}/{action}", headers=cast.headers[who], json=body)
    assert r.status_code == code, r.text
    if code != 200:
        assert r.headers["content-type"].startswith("application/problem+json")
    seen = (await client.get(f"/api/v1/seals/{seal_id}", headers=cast.headers["admin"])).json()
    if after is not None:
        assert seen["status"] == after
        if after == "active":
            assert seen["seal"] and seen["make_failure"] is None  # active only once made
    else:
        expected_status = {
            "suspended_by_owner": "suspended",
            "suspended_by_staff": "suspended",
        }.get(state, state)
        assert seen["status"] == expected_status  # a refused action changed nothing


async def test_suspension_records_who_and_in_which_role(
    cast: Cast, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seal_id = await seal_in(cast, "suspended_by_staff", app, monkeypatch)
    client, admin = cast.t.client, cast.headers["admin"]
    seal = (await client.get(f"/api/v1/seals/{seal_id}", headers=admin)).json()
    assert seal["suspended_by"] == "staff"
    hist = (await client.get(f"/api/v1/seals/{seal_id}/history", headers=admin)).json()
    assert hist[-1]["to_status"] == "suspended" and hist[-1]["actor_role"] == "staff"
    r = await client.post(f"/api/v1/seals/{seal_id}/resume", headers=admin, json={})
    assert r.status_code == 200 and r.json()["suspended_by"] is None


async def test_a_failed_make_is_recorded_never_signable_and_retryable(
    make_tenant: Any, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = await make_tenant()
    person = await t.add_person("赵六")
    local = app.state.services.vendors.get("local")
    with monkeypatch.context() as m:
        m.setattr(local, "make_seal", _vendor_down)
        r = await t.client.post(
            "/api/v1/seals", headers=person.headers, json={"seal_type": "personal"}
        )
    assert r.status_code == 503, r.text
    problem = r.json()
    assert problem["vendor"] == "local" and problem["seal_id"]
    seal_id = problem["seal_id"]
    seal = (await t.client.get(f"/api/v1/seals/{seal_id}", headers=person.headers)).json()
    assert seal["status"] == "applied" and seal["seal"] is None
    assert seal["make_failure"]["vendor"] == "local"
    assert "maintenance" in seal["make_failure"]["reason"]
    hist = (await t.client.get(f"/api/v1/seals/{seal_id}/history", headers=person.headers)).json()
    assert "making failed at vendor local" in hist[-1]["reason"]
    # Not signable, however asked.
    r = await t.client.put(
        f"/api/v1/seals/{seal_id}/password",
        headers=person.headers,
        json={"password": "seal-pass-2026"},
    )
    r = await t.client.post(
        "/api/v1/signatures",
        headers={**person.headers, "Idempotency-Key": "never-signs-01"},
        json={"seal_id": seal_id, "password": "seal-pass-2026", "document_sm3": "00" * 32},
    )
    assert r.status_code in (403, 409), r.text
    # The vendor is back: the owner retries and the seal is made.
    r = await t.client.post(f"/api/v1/seals/{seal_id}/make", headers=person.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active" and r.json()["seal"] and r.json()["make_failure"] is None
