"""Status changes the hub makes on its own (a seal's validity ended, its mold changed in
the registry): no caller's roles to check, no actor in the history."""

from __future__ import annotations

import uuid
from datetime import datetime

from hub.db import Database
from hub.seals.tables import Seal, SealEvent


async def move_unless_changed(
    db: Database,
    tenant_id: uuid.UUID,
    seal_id: uuid.UUID,
    current: str,
    new: str,
    reason: str,
    *,
    at: datetime | None = None,
) -> bool:
    """Move the seal from `current` to `new` and write why in its history, in one
    transaction; False (and nothing written) if it is no longer in `current`.

    Conditional: a concurrent change on another replica (or a caller's revocation) wins
    cleanly, and a pass that runs twice moves each seal once."""
    async with db.transaction():
        moved = (
            await Seal.update({Seal.status: new})
            .where((Seal.tenant_id == tenant_id) & (Seal.id == seal_id) & (Seal.status == current))
            .returning(Seal.id)
            .run()
        )
        if not moved:
            return False
        event = SealEvent(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            seal_id=seal_id,
            from_status=current,
            to_status=new,
            actor_account_id=None,
            reason=reason,
        )
        if at is not None:  # else the column's default: the time of writing
            event.at = at
        await event.save().run()
    return True
