"""What other packages ask of seals without a seal service at hand (ratings, webhooks,
the regulator's statistics, the owner's use notice): answered here, so that seal tables
are read only by `hub.seals`. Each answer is one query, as when the callers read the
table themselves."""

from __future__ import annotations

import uuid

from piccolo.query.functions.aggregate import Count

from hub.auth.scope import not_found
from hub.seals.records import RevokedSeal, SealCount, SealMade, SealOwner
from hub.seals.tables import Seal, SealEvent


async def seal_made(seal_id: uuid.UUID, tenant_id: uuid.UUID, tenant_slug: str) -> SealMade:
    """Who made the seal, with which vendor and when; NotFound outside the tenant."""
    row = (
        await Seal.select(Seal.vendor, Seal.owner_account_id, Seal.made_at)
        .where((Seal.id == seal_id) & (Seal.tenant_id == tenant_id))
        .first()
        .run()
    )
    if row is None:
        raise await not_found(Seal, seal_id, tenant_id, tenant_slug, "seal")
    return SealMade(**row)


async def is_owned_by(tenant_id: uuid.UUID, account_id: uuid.UUID, seal_id: uuid.UUID) -> bool:
    row = (
        await Seal.select(Seal.id)
        .where(
            (Seal.tenant_id == tenant_id)
            & (Seal.id == seal_id)
            & (Seal.owner_account_id == account_id)
        )
        .first()
    )
    return row is not None


async def seal_status(tenant_id: uuid.UUID, seal_id: uuid.UUID) -> str | None:
    row = (
        await Seal.select(Seal.status)
        .where((Seal.tenant_id == tenant_id) & (Seal.id == seal_id))
        .first()
    )
    return None if row is None else str(row["status"])


async def seal_owner(tenant_id: uuid.UUID, seal_id: uuid.UUID) -> SealOwner | None:
    row = (
        await Seal.select(Seal.owner_account_id, Seal.name)
        .where((Seal.tenant_id == tenant_id) & (Seal.id == seal_id))
        .first()
        .run()
    )
    return None if row is None else SealOwner(**row)


async def counts_by_tenant() -> list[SealCount]:
    """Seals per tenant, status and vendor, counted by the database (GROUP BY)."""
    rows = (
        await Seal.select(Seal.tenant_id, Seal.status, Seal.vendor, Count(alias="n"))
        .group_by(Seal.tenant_id, Seal.status, Seal.vendor)
        .run()
    )
    return [SealCount(**r) for r in rows]


async def revoked_seals(vendor: str) -> list[RevokedSeal]:
    """The vendor's revoked seals with their certificate and, if recorded, when and why
    they were revoked (two queries, however many seals)."""
    rows = await Seal.select(Seal.id, Seal.signer_cert).where(
        (Seal.vendor == vendor) & (Seal.status == "revoked")
    )
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    events = await SealEvent.select(SealEvent.seal_id, SealEvent.at, SealEvent.reason).where(
        SealEvent.seal_id.is_in(ids) & (SealEvent.to_status == "revoked")
    )
    when = {e["seal_id"]: e for e in events}
    out = []
    for r in rows:
        event = when.get(r["id"])
        out.append(
            RevokedSeal(
                r["id"],
                r["signer_cert"],
                event["at"] if event else None,
                event["reason"] if event else None,
            )
        )
    return out
