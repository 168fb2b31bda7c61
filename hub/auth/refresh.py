"""Refresh tokens on record: each one issued is stored and may be used once (a replay
ends the login session). The login service (`tenants.login`) calls these; the table is
this package's."""

from __future__ import annotations

import uuid
from datetime import datetime

from hub.auth.principal import Principal
from hub.auth.tables import RefreshToken


async def record_refresh(principal: Principal, jti: uuid.UUID, expires_at: datetime) -> None:
    await RefreshToken.insert(
        RefreshToken(
            id=jti,
            tenant_id=principal.tenant_id,
            account_id=principal.account_id,
            expires_at=expires_at,
            session_id=principal.session_id,
        )
    ).run()


async def use_refresh(principal: Principal, jti: uuid.UUID, now: datetime) -> bool:
    """Mark the token used; False when it was used (or revoked) before: a replay."""
    used = await (
        RefreshToken.update({RefreshToken.used_at: now})
        .where(
            (RefreshToken.id == jti)
            & (RefreshToken.tenant_id == principal.tenant_id)
            & (RefreshToken.account_id == principal.account_id)
            & (RefreshToken.session_id == principal.session_id)
            & RefreshToken.used_at.is_null()
        )
        .returning(RefreshToken.id)
        .run()
    )
    return bool(used)
