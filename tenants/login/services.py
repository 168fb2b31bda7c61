"""Login and refresh: password check -> access + refresh token pair; single-use refresh."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.auth.lockout import LoginGuard
from hub.auth.principal import Principal
from hub.auth.refresh import record_refresh, use_refresh
from hub.auth.sessions import SessionRegistry
from hub.auth.throttle import LoginThrottle
from hub.auth.tokens import ACCESS, REFRESH, TokenService
from hub.db import Database
from hub.errors import Forbidden, Locked, Unauthorized
from tenants import services as accounts


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    password_change_required: bool = False


async def _issue_pair(
    db: Database,
    tokens: TokenService,
    principal: Principal,
    session_ends: datetime,
    password_change_required: bool = False,
) -> TokenPair:
    """An access + refresh pair of `principal`'s session (never outliving it)."""
    not_after = session_ends.timestamp()
    access = await tokens.issue(principal, ACCESS, not_after=not_after)
    refresh = await tokens.issue(principal, REFRESH, not_after=not_after)
    async with db.transaction():
        await record_refresh(
            principal, refresh.jti, datetime.fromtimestamp(refresh.expires_at, UTC)
        )
    return TokenPair(
        access_token=access.token,
        refresh_token=refresh.token,
        expires_in=tokens.access_seconds,
        refresh_expires_in=tokens.refresh_seconds,
        password_change_required=password_change_required,
    )


async def login(
    db: Database,
    tokens: TokenService,
    *,
    tenant: str,
    username: str,
    password: str,
    guard: LoginGuard,
    throttle: LoginThrottle | None = None,
    client: str = "",
) -> TokenPair:
    """A token pair for a password login. With `throttle`, a `client` address that failed
    too often recently is refused before anything is checked (429)."""
    if throttle is not None:
        throttle.check(client)
    try:
        result = await accounts.authenticate(
            db, tenant, username, password, guard=guard, client=client
        )
    except (Unauthorized, Locked):
        if throttle is not None:
            throttle.failed(client)
        raise
    session_id, ends = await sessions_of(tokens).start(
        result.principal.tenant_id, result.principal.account_id
    )
    principal = dataclasses.replace(result.principal, session_id=session_id)
    return await _issue_pair(db, tokens, principal, ends, result.password_change_required)


def sessions_of(tokens: TokenService) -> SessionRegistry:
    assert tokens.sessions is not None, "the hub's TokenService keeps sessions"
    return tokens.sessions


async def logout(tokens: TokenService, principal: Principal) -> None:
    """End the caller's session: its refresh tokens and access tokens stop working."""
    if principal.session_id is not None:
        await sessions_of(tokens).end(principal.tenant_id, principal.session_id, "logout")


async def end_sessions(
    tokens: TokenService, tenant_id: uuid.UUID, account_id: uuid.UUID, reason: str
) -> int:
    """End every session of an account (password changed, account disabled)."""
    return await sessions_of(tokens).end_all(tenant_id, account_id, reason)


async def refresh(db: Database, tokens: TokenService, refresh_token: str) -> TokenPair:
    """Trade a refresh token for a new pair of the same session. Each refresh token works
    once; presenting a used one ends its whole session (family): a stolen copy was used.
    The session's absolute end bounds every refresh (`hub.auth.sessions`)."""
    verified = await tokens.verify(refresh_token, REFRESH)  # refuses an ended session
    p = verified.principal
    assert p.session_id is not None
    now = datetime.now(UTC)
    async with db.transaction():
        used = await use_refresh(p, verified.jti, now)
    if not used:
        await sessions_of(tokens).end(p.tenant_id, p.session_id, "refresh token replayed")
        raise Unauthorized("refresh token already used or revoked")
    state = await sessions_of(tokens).state(p.tenant_id, p.session_id)
    if not state.live or state.expires_at is None:
        raise Unauthorized("the session has ended; log in again")
    fresh = await accounts.principal_for_account(p.tenant_id, p.account_id)
    principal = dataclasses.replace(fresh, session_id=p.session_id)
    return await _issue_pair(db, tokens, principal, state.expires_at)


async def change_password(
    db: Database,
    tokens: TokenService,
    principal: Principal,
    *,
    old_password: str,
    new_password: str,
) -> None:
    """Change the caller's password; every session of the account ends (a thief's too)."""
    await accounts.change_password(
        db,
        principal.tenant_id,
        principal.account_id,
        old_password=old_password,
        new_password=new_password,
    )
    await end_sessions(tokens, principal.tenant_id, principal.account_id, "password changed")


async def set_account_status(
    db: Database, tokens: TokenService, principal: Principal, account_id: uuid.UUID, status: str
) -> accounts.AccountView:
    """Disable (or re-enable) an account of the caller's tenant; disabling ends its
    sessions. Nobody disables themselves (a tenant must keep an admin who can undo it)."""
    if account_id == principal.account_id and status != "active":
        raise Forbidden("you cannot disable your own account")
    view = await accounts.set_account_status(db, principal.tenant_id, account_id, status)
    if status != "active":
        await end_sessions(tokens, principal.tenant_id, account_id, "account disabled")
    return view
