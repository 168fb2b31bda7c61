"""Telling a seal's owner what happened to the seal: a `seal_notice` row each time (the
record the portal and the API show), and the owner's channel (SMS) when one is set.

Expiry notices (`expiry-30`, `expiry-7`) are sent once per seal: the row is inserted with
ON CONFLICT DO NOTHING against a unique index, so replicas racing on the same seal tell
the owner once, and only the one whose row went in sends the message.
"""

from __future__ import annotations

import uuid

from hub.ports import OwnerChannel
from hub.seals.tables import SealNotice
from monitoring import metrics


async def tell_owner(
    tenant_id: uuid.UUID,
    seal_id: uuid.UUID,
    account_id: uuid.UUID | None,
    kind: str,
    message: str,
    channel: OwnerChannel | None = None,
) -> bool:
    """Record the notice (and send it); False when this once-only notice was already sent."""
    row = SealNotice(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        seal_id=seal_id,
        account_id=account_id,
        kind=kind,
        message=message[:1000],
    )
    inserted = (
        await SealNotice.insert(row).on_conflict(action="DO NOTHING").returning(SealNotice.id).run()
    )
    if not inserted:
        return False
    metrics.seal_notice(kind)
    if channel is not None and account_id is not None:
        await channel.tell(tenant_id, account_id, message)
    return True


async def notices_of(tenant_id: uuid.UUID, seal_id: uuid.UUID) -> list[dict[str, object]]:
    return (
        await SealNotice.select(SealNotice.kind, SealNotice.message, SealNotice.at)
        .where((SealNotice.tenant_id == tenant_id) & (SealNotice.seal_id == seal_id))
        .order_by(SealNotice.at)
        .run()
    )
