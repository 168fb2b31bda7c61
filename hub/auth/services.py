"""Login and refresh: password check -> access + refresh token pair; single-use refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hub.auth.principal import Principal
from hub.auth.tables import RefreshToken
from hub.auth.throttle import LoginThrottle
from hub.auth.tokens import ACCESS, REFRESH, TokenService
from hub.db import Database
from hub.errors import Locked, Unauthorized
from tenants import services as accounts


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    password_change_required: bool = False


async def _issue_pair(db: Database, tokens: TokenService, principal: Principal,
                      password_change_required: bool = False) -> TokenPair:
    access = await tokens.issue(principal, ACCESS)
    refresh = await tokens.issue(principal, REFRESH)
    async with db.transaction():
        await RefreshToken.insert(RefreshToken(
            id=refresh.jti, tenant_id=principal.tenant_id, account_id=principal.account_id,
            expires_at=datetime.fromtimestamp(refresh.expires_at, UTC),
        )).run()
    return TokenPair(access_token=access.token, refresh_token=refresh.token,
                     expires_in=tokens.access_seconds, refresh_expires_in=tokens.refresh_seconds,
                     password_change_required=password_change_required)


async def login(db: Database, tokens: TokenService, *, tenant: str, username: str,
                password: str, throttle: LoginThrottle | None = None,
                client: str = "") -> TokenPair:
    """A token pair for a password login. With `throttle`, a `client` address that failed
    too often recently is refused before anything is checked (429)."""
    if throttle is not None:
        throttle.check(client)
    try:
        result = await accounts.authenticate(db, tenant, username, password)
    except (Unauthorized, Locked):
        if throttle is not None:
            throttle.failed(client)
        raise
    return await _issue_pair(db, tokens, result.principal, result.password_change_required)


async def refresh(db: Database, tokens: TokenService, refresh_token: str) -> TokenPair:
    """Trade a refresh token for a new pair. Each refresh token works once; presenting a
    used one revokes every outstanding refresh token of that account (a stolen copy)."""
    verified = await tokens.verify(refresh_token, REFRESH)
    p = verified.principal
    now = datetime.now(UTC)
    async with db.transaction():
        used = await (RefreshToken.update({RefreshToken.used_at: now})
                      .where((RefreshToken.id == verified.jti)
                             & (RefreshToken.tenant_id == p.tenant_id)
                             & (RefreshToken.account_id == p.account_id)
                             & RefreshToken.used_at.is_null())
                      .returning(RefreshToken.id).run())
        if not used:
            await (RefreshToken.update({RefreshToken.used_at: now})
                   .where((RefreshToken.tenant_id == p.tenant_id)
                          & (RefreshToken.account_id == p.account_id)
                          & RefreshToken.used_at.is_null()).run())
    if not used:
        raise Unauthorized("refresh token already used or revoked")
    principal = await accounts.principal_for_account(p.tenant_id, p.account_id)
    return await _issue_pair(db, tokens, principal)


