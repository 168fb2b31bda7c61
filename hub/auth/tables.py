"""Refresh tokens: one row per issued refresh token, so each can be used once (rotation)."""

from __future__ import annotations

from piccolo.columns import UUID, ForeignKey, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.tables import Account, Tenant


class RefreshToken(Table, tablename="refresh_token"):
    id = UUID(primary_key=True)  # the token's jti
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    account_id = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
