"""The seal and signing counters of the tenant statistics (as the seed system reports)."""

from __future__ import annotations

import uuid

from hub.seals.tables import Seal
from hub.signing.tables import SignatureRecord
from tenants.policy.stats import register_counter


async def seals_issued(tenant_id: uuid.UUID) -> int:
    return int(await Seal.count().where((Seal.tenant_id == tenant_id) & Seal.made_at.is_not_null()))


async def signings_initiated(tenant_id: uuid.UUID) -> int:
    return int(await SignatureRecord.count().where(SignatureRecord.tenant_id == tenant_id))


async def documents_signed(tenant_id: uuid.UUID) -> int:
    rows = (
        await SignatureRecord.select(SignatureRecord.document_sm3)
        .where((SignatureRecord.tenant_id == tenant_id) & (SignatureRecord.status == "done"))
        .distinct()
    )
    return len(rows)


async def seals_active(tenant_id: uuid.UUID) -> int:
    return int(await Seal.count().where((Seal.tenant_id == tenant_id) & (Seal.status == "active")))


async def seals_expired(tenant_id: uuid.UUID) -> int:
    return int(await Seal.count().where((Seal.tenant_id == tenant_id) & (Seal.status == "expired")))


def register_counters() -> None:
    register_counter("seals_active", seals_active)
    register_counter("seals_expired", seals_expired)
    register_counter("seals_issued", seals_issued)
    register_counter("signings_initiated", signings_initiated)
    register_counter("documents_signed", documents_signed)
