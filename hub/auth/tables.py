"""Refresh tokens: one row per issued refresh token, so each can be used once (rotation)."""

from __future__ import annotations

from piccolo.columns import UUID, BigInt, ForeignKey, Integer, Text, Timestamptz, Varchar
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
    session_id = UUID(null=True, default=None, index=True)  # its family: the login session


class AuthSession(Table, tablename="auth_session"):
    """One login: its refresh tokens are one family, its access tokens carry its id
    (`sid`). Ending it (logout, password change, account disabled, a refresh token
    replayed) stops both. `expires_at` is absolute: refreshing never extends it."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    account_id = UUID(index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    end_reason = Varchar(length=32, null=True, default=None)


class LoginGuard(Table, tablename="login_guard"):
    """Failed logins counted per (tenant, username, client) and per (tenant, username),
    keyed by an HMAC so neither usernames nor addresses are stored, and the same for an
    unknown username as for a real one (no username oracle)."""

    key = Varchar(length=64, primary_key=True)
    failures = Integer(default=0)
    window_start = BigInt(default=0)  # unix seconds: compared the same on both engines
    note = Text(default="")  # "client" | "account"
