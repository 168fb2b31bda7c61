"""The seal counters of the tenant statistics (as the seed system reports). The signing
counters are hub.signing.stats: seals do not read signing tables."""

from __future__ import annotations

import uuid

from hub.seals.tables import Seal
from tenants.policy.stats import register_counter


async def seals_issued(tenant_id: uuid.UUID) -> int:
    return int(await Seal.count().where((Seal.tenant_id == tenant_id) & Seal.made_at.is_not_null()))


async def seals_active(tenant_id: uuid.UUID) -> int:
    return int(await Seal.count().where((Seal.tenant_id == tenant_id) & (Seal.status == "active")))


async def seals_expired(tenant_id: uuid.UUID) -> int:
    return int(await Seal.count().where((Seal.tenant_id == tenant_id) & (Seal.status == "expired")))


def register_counters() -> None:
    register_counter("seals_active", seals_active)
    register_counter("seals_expired", seals_expired)
    register_counter("seals_issued", seals_issued)
