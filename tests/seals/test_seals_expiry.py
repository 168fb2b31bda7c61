"""Seal expiry on every engine: the scheduler (one runner across replicas, through the
database lease) moves seals past their validity to `expired`, lists and statistics show
it, and owners are told 30 and 7 days ahead, once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from test_seals_api import personal_seal, sign

from hub.seals.expiry import ExpiryScheduler, Lease
from hub.seals.notices import notices_of
from hub.seals.tables import Seal


async def _ends_in(seal_id: str, delta: timedelta) -> None:
    await (
        Seal.update({Seal.valid_end: datetime.now(UTC) + delta})
        .where(Seal.id == uuid.UUID(seal_id))
        .run()
    )


async def test_seals_past_validity_expire_and_show_as_expired(
    make_tenant: Any, app: Any, engine: str
) -> None:
    t = await make_tenant()
    person, seal = await personal_seal(t)
    await _ends_in(seal["id"], timedelta(seconds=-1))
    before = (await t.client.get("/api/v1/statistics", headers=t.admin_headers)).json()
    # Two replicas' schedulers on the same database: one runs the pass.
    a = ExpiryScheduler(app.state.services.seals, interval_seconds=60, holder="replica-a")
    b = ExpiryScheduler(app.state.services.seals, interval_seconds=60, holder="replica-b")
    await Lease("seal-expiry").release()  # the app's own scheduler may hold it
    await _free_lease()
    ran = await asyncio.gather(a.tick(), b.tick())
    assert sum(p is not None for p in ran) == 1
    assert sum(p.expired for p in ran if p is not None) >= 1
    r = await t.client.get(f"/api/v1/seals/{seal['id']}", headers=person.headers)
    assert r.json()["status"] == "expired"
    listed = (await t.client.get("/api/v1/seals?status=expired", headers=person.headers)).json()
    assert [s["id"] for s in listed] == [seal["id"]]
    hist = (
        await t.client.get(f"/api/v1/seals/{seal['id']}/history", headers=person.headers)
    ).json()
    assert hist[-1]["to_status"] == "expired" and hist[-1]["reason"] == "validity ended"
    after = (await t.client.get("/api/v1/statistics", headers=t.admin_headers)).json()
    assert after["counters"]["seals_expired"] == before["counters"]["seals_expired"] + 1
    assert after["counters"]["seals_active"] == before["counters"]["seals_active"] - 1
    told = await notices_of(uuid.UUID(t.id), uuid.UUID(seal["id"]))
    assert [n["kind"] for n in told] == ["expired"]
    r = await sign(t.client, person.headers, seal["id"], b"too late")
    assert r.status_code in (403, 409) and r.json()["type"]


async def _free_lease() -> None:
    from hub.seals.tables import JobLease

    await JobLease.update({JobLease.until: None}).where(JobLease.name == "seal-expiry").run()


async def test_owners_are_told_30_and_7_days_ahead_once(
    make_tenant: Any, app: Any, engine: str
) -> None:
    t = await make_tenant()
    _, month = await personal_seal(t)
    owner, week = await personal_seal(t)
    _, later = await personal_seal(t)
    await _ends_in(month["id"], timedelta(days=20))
    await _ends_in(week["id"], timedelta(days=5))
    await _ends_in(later["id"], timedelta(days=90))
    scheduler = ExpiryScheduler(app.state.services.seals, interval_seconds=60, holder="replica-c")
    for _ in range(2):  # a second pass (or another replica's) tells nobody again
        await _free_lease()
        assert await scheduler.tick() is not None
    tenant = uuid.UUID(t.id)
    assert [n["kind"] for n in await notices_of(tenant, uuid.UUID(month["id"]))] == ["expiry-30"]
    assert sorted(n["kind"] for n in await notices_of(tenant, uuid.UUID(week["id"]))) == [
        "expiry-30",
        "expiry-7",
    ]
    assert await notices_of(tenant, uuid.UUID(later["id"])) == []
    r = await t.client.get(f"/api/v1/seals/{week['id']}", headers=t.admin_headers)
    assert r.json()["status"] == "active"
    # The owner reads them over the API; someone else's seal is not found.
    r = await t.client.get(f"/api/v1/seals/{week['id']}/notices", headers=owner.headers)
    assert r.status_code == 200 and sorted(n["kind"] for n in r.json()) == ["expiry-30", "expiry-7"]
    assert "到期" in r.json()[0]["message"]
    stranger = await t.add_person("吴十")
    r = await t.client.get(f"/api/v1/seals/{week['id']}/notices", headers=stranger.headers)
    assert r.status_code == 404


async def test_the_lease_is_held_by_one_holder_until_it_lapses(engine: str, db: Any) -> None:
    name = "test-" + uuid.uuid4().hex[:8]
    a, b = Lease(name, "a"), Lease(name, "b")
    now = datetime.now(UTC)
    assert await a.acquire(60, now)
    assert not await b.acquire(60, now + timedelta(seconds=30))
    assert await a.acquire(60, now + timedelta(seconds=30))  # the holder renews
    assert await b.acquire(60, now + timedelta(seconds=91))  # lapsed: b takes over
    assert not await a.acquire(60, now + timedelta(seconds=92))
