"""The signing counters of the tenant statistics (as the seed system reports)."""

from __future__ import annotations

import uuid

from hub.signing.tables import SignatureRecord
from tenants.policy.stats import register_counter


async def signings_initiated(tenant_id: uuid.UUID) -> int:
    return int(await SignatureRecord.count().where(SignatureRecord.tenant_id == tenant_id))


async def documents_signed(tenant_id: uuid.UUID) -> int:
    rows = (
        await SignatureRecord.select(SignatureRecord.document_sm3)
        .where((SignatureRecord.tenant_id == tenant_id) & (SignatureRecord.status == "done"))
        .distinct()
    )
    return len(rows)


def register_counters() -> None:
    register_counter("signings_initiated", signings_initiated)
    register_counter("documents_signed", documents_signed)
