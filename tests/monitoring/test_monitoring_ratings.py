"""Ratings through the API: one rating per operation per user, only by the user who did
it, within the window; the ranking and the regulator views, and the regulator's limits
(no personal data in any regulator response). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from adapters.admission.tables import AdmissionEvent, VendorRegistration
from hub.problems import json_pointer
from hub.seals.tables import Seal
from hub.signing.tables import SignatureRecord


def _vendor() -> str:
    # Letters only: a run of digits would (rightly) be refused as a metrics label.
    return "v" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))


async def _signature(
    tenant_id: str,
    account_id: str,
    vendor: str,
    *,
    signed_at: datetime | None = None,
    status: str = "done",
) -> str:
    row = SignatureRecord(
        tenant_id=uuid.UUID(tenant_id),
        seal_id=uuid.uuid4(),
        account_id=uuid.UUID(account_id),
        idempotency_key=secrets.token_hex(8),
        request_fingerprint="0" * 64,
        status=status,
        vendor=vendor,
        document_sm3="ab" * 32,
        signed_at=(signed_at or datetime.now(UTC)) if status == "done" else None,
    )
    await row.save().run()
    return str(row.id)


async def _seal(tenant_id: str, owner_id: str, vendor: str) -> str:
    row = Seal(
        tenant_id=uuid.UUID(tenant_id),
        esid=secrets.token_hex(8),
        owner_account_id=uuid.UUID(owner_id),
        owner_kind="person",
        seal_type="personal",
        name="张三之印",
        status="active",
        vendor=vendor,
        made_at=datetime.now(UTC),
    )
    await row.save().run()
    return str(row.id)


async def _register(vendor: str) -> None:
    await VendorRegistration(name=vendor, kind="local", sla_p95_ms=500).save().run()


async def test_one_rating_per_operation_by_its_user_within_the_window(make_tenant) -> None:
    t = await make_tenant()
    vendor = _vendor()
    sig = await _signature(t.id, t.admin_id, vendor)
    body = {"operation": "signature", "operation_id": sig, "stars": 4, "comment": "快，清楚"}
    before = (
        REGISTRY.get_sample_value("sealhub_vendor_ratings_total", {"vendor": vendor, "stars": "4"})
        or 0
    )

    r = await t.client.post("/api/v1/ratings", headers=t.admin_headers, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["vendor"] == vendor and r.json()["stars"] == 4
    assert (
        REGISTRY.get_sample_value("sealhub_vendor_ratings_total", {"vendor": vendor, "stars": "4"})
        == before + 1
    )

    again = await t.client.post(
        "/api/v1/ratings", headers=t.admin_headers, json={**body, "stars": 1}
    )
    assert again.status_code == 409, again.text
    assert again.json()["field"] == "/operation_id"

    # Another user of the same tenant may not rate someone else's signing.
    clerk = await t.add_account(["clerk"])
    other = await t.client.post("/api/v1/ratings", headers=clerk, json=body)
    assert other.status_code == 403, other.text

    # A user of another tenant gets the same 404 as for an id that does not exist.
    t2 = await make_tenant()
    denied_before = (
        REGISTRY.get_sample_value("sealhub_cross_tenant_denied_total", {"tenant": t2.slug}) or 0
    )
    foreign = await t.client.post("/api/v1/ratings", headers=t2.admin_headers, json=body)
    missing = await t.client.post(
        "/api/v1/ratings",
        headers=t2.admin_headers,
        json={**body, "operation_id": str(uuid.uuid4())},
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == missing.json()["detail"]
    assert (
        REGISTRY.get_sample_value("sealhub_cross_tenant_denied_total", {"tenant": t2.slug})
        == denied_before + 1
    )


async def test_window_completion_and_field_limits(make_tenant) -> None:
    t = await make_tenant()
    vendor = _vendor()
    old = await _signature(
        t.id, t.admin_id, vendor, signed_at=datetime.now(UTC) - timedelta(days=31)
    )
    r = await t.client.post(
        "/api/v1/ratings",
        headers=t.admin_headers,
        json={"operation": "signature", "operation_id": old, "stars": 5},
    )
    assert r.status_code == 403 and "30 days" in r.json()["detail"]

    pending = await _signature(t.id, t.admin_id, vendor, status="pending")
    r = await t.client.post(
        "/api/v1/ratings",
        headers=t.admin_headers,
        json={"operation": "signature", "operation_id": pending, "stars": 5},
    )
    assert r.status_code == 403 and "not completed" in r.json()["detail"]

    sig = await _signature(t.id, t.admin_id, vendor)
    for bad, field in (
        ({"stars": 0}, "stars"),
        ({"stars": 6}, "stars"),
        ({"stars": 3, "comment": "x" * 501}, "comment"),
        ({"stars": 3, "operation": "login"}, "operation"),
    ):
        body = {"operation": "signature", "operation_id": sig, **bad}
        r = await t.client.post("/api/v1/ratings", headers=t.admin_headers, json=body)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["field"] == json_pointer(field)
    ok = await t.client.post(
        "/api/v1/ratings",
        headers=t.admin_headers,
        json={"operation": "signature", "operation_id": sig, "stars": 3, "comment": "x" * 500},
    )
    assert ok.status_code == 201, ok.text


async def test_racing_ratings_store_exactly_one(make_tenant) -> None:
    t = await make_tenant()
    sig = await _signature(t.id, t.admin_id, _vendor())
    body = {"operation": "signature", "operation_id": sig, "stars": 5}
    answers = await asyncio.gather(
        *(t.client.post("/api/v1/ratings", headers=t.admin_headers, json=body) for _ in range(6))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409, 409, 409], [a.text for a in answers]


async def test_seal_owner_rates_and_ranking_shows_inputs(make_tenant) -> None:
    t = await make_tenant()
    good, poor = _vendor(), _vendor()
    await _register(good)
    await _register(poor)
    for stars, vendor in ((5, good), (5, good), (1, poor), (2, poor)):
        seal = await _seal(t.id, t.admin_id, vendor)
        r = await t.client.post(
            "/api/v1/ratings",
            headers=t.admin_headers,
            json={"operation": "seal", "operation_id": seal, "stars": stars},
        )
        assert r.status_code == 201, r.text

    r = await t.client.get("/api/v1/ranking", headers=t.admin_headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["formula"]["prior_mean_stars_m"] == 3.5
    entries = {e["vendor"]: e for e in doc["ranking"]}
    assert entries[good]["inputs"]["ratings"] == 2
    assert entries[good]["inputs"]["rating_stars_sum"] == 10
    assert entries[poor]["inputs"]["rating_stars_sum"] == 3
    assert entries[good]["rank"] < entries[poor]["rank"]
    assert entries[good]["bayesian_rating"] == pytest.approx((10 * 3.5 + 10) / 12, abs=1e-4)
    ranks = [e["rank"] for e in doc["ranking"]]
    assert ranks == list(range(1, len(ranks) + 1))

    # Another tenant's own view counts only its own users' ratings.
    t2 = await make_tenant()
    r = await t2.client.get("/api/v1/ranking?view=tenant", headers=t2.admin_headers)
    assert r.status_code == 200, r.text
    theirs = {e["vendor"]: e for e in r.json()["ranking"]}
    assert theirs[good]["inputs"]["ratings"] == 0
    assert theirs[good]["inputs"]["tenant"] == t2.slug
    bad = await t.client.get("/api/v1/ranking?view=everyone", headers=t.admin_headers)
    assert bad.status_code == 422 and bad.json()["field"] == "/view"


PERSONAL = [
    # Not inside a decimal fraction (a latency like 0.011930801999369578) nor inside a
    # hex digest (an SM3 hash may hold a run of 18 decimal digits): those are no ID numbers.
    re.compile(r"(?<![\d.a-fA-F])\d{17}[\dXx](?![\da-fA-F])"),  # resident ID number
    re.compile(r"(?<![\d.a-fA-F])1[3-9]\d{9}(?![\da-fA-F])"),  # mobile number
]


@pytest.fixture
async def regulator_headers(client, operator_headers) -> dict[str, str]:
    username = "regulator-" + secrets.token_hex(3)
    r = await client.post(
        "/api/v1/accounts",
        headers=operator_headers,
        json={"username": username, "password": "Regulator-pass-2026!", "roles": ["regulator"]},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "hub", "username": username, "password": "Regulator-pass-2026!"},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


async def test_regulator_sees_everything_but_personal_data(
    make_tenant, client, regulator_headers
) -> None:
    t = await make_tenant(name="Hohhot Public Security Bureau")
    vendor = _vendor()
    await _register(vendor)
    comment = "经办人 张三 110101199003074258 13812345678"
    sig = await _signature(t.id, t.admin_id, vendor)
    r = await t.client.post(
        "/api/v1/ratings",
        headers=t.admin_headers,
        json={"operation": "signature", "operation_id": sig, "stars": 2, "comment": comment},
    )
    assert r.status_code == 201, r.text
    await (
        AdmissionEvent(
            tenant_id=uuid.UUID(t.id),
            vendor=vendor,
            from_status="admitted",
            to_status="suspended",
            reason="quality 41.20 below minimum 60",
            evidence=json.dumps({"quality_score": 41.2, "account_id": t.admin_id}),
            actor="rules",
        )
        .save()
        .run()
    )
    await (
        AdmissionEvent(
            tenant_id=uuid.UUID(t.id),
            vendor=vendor,
            from_status="suspended",
            to_status="admitted",
            reason="restored by the bureau",
            evidence="{}",
            actor=t.admin_id,
        )
        .save()
        .run()
    )

    answers = {}
    for path in ("ranking", "admissions", "tenants", "alerts"):
        r = await client.get(f"/api/v1/regulator/{path}", headers=regulator_headers)
        assert r.status_code == 200, (path, r.text)
        answers[path] = r.text
        # A tenant's own admin is not a regulator.
        denied = await client.get(f"/api/v1/regulator/{path}", headers=t.admin_headers)
        assert denied.status_code == 403

    history = [e for e in json.loads(answers["admissions"]) if e["vendor"] == vendor]
    assert [e["decided_by"] for e in history] == ["staff", "rules"]
    assert history[1]["evidence"] == {"quality_score": 41.2}
    stats = next(s for s in json.loads(answers["tenants"]) if s["tenant"] == t.slug)
    assert stats["signatures"] == 1 and stats["ratings"] == 1 and stats["average_stars"] == 2
    alerts = json.loads(answers["alerts"])
    assert any(a["kind"] == "admission_suspended" and a["vendor"] == vendor for a in alerts)
    assert any(e["vendor"] == vendor for e in json.loads(answers["ranking"])["ranking"])

    everything = "\n".join(answers.values())
    for secret in (t.admin_id, t.admin_username, comment, "张三", sig):
        assert secret not in everything, secret
    for pattern in PERSONAL:
        assert not pattern.search(everything), pattern.pattern


async def test_database_gauges_match_the_database(db) -> None:
    from hub.evidence.tables import EvidenceEntry
    from monitoring.services import publish_database_gauges

    vendor = _vendor()
    await VendorRegistration(name=vendor, kind="local", sla_p95_ms=750).save().run()
    published = await publish_database_gauges()
    entries = await EvidenceEntry.count().run()  # gap-free log: size == rows
    assert published["evidence_log_size"] == entries
    assert REGISTRY.get_sample_value("sealhub_evidence_log_size") == entries
    assert REGISTRY.get_sample_value("sealhub_vendor_sla_p95_seconds", {"vendor": vendor}) == 0.75
