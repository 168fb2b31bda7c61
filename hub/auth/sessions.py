"""Login sessions: what makes logout, a password change or a disabled account end access.

A login starts a session (`auth_session`). Its refresh tokens are one family
(`refresh_token.session_id`); its access tokens carry its id (`sid`). Ending a session
marks it ended and uses up its family's refresh tokens in one transaction; each access
token is checked against its session on every request through a per-replica memory of
live sessions:

* on the replica that ended the session, at once (its memory is told);
* on every other replica within `session_check_seconds` (default 5 s: the memory's TTL).

That bound is the documented price of not reading the database on every request (one
read per session per replica per TTL instead). A session also ends on its own at
`expires_at` (absolute lifetime from the login: refreshing never extends it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.auth.tables import AuthSession, RefreshToken
from hub.db import Database
from hub.memo import Memo


@dataclass(frozen=True)
class SessionState:
    live: bool
    expires_at: datetime | None


_GONE = SessionState(live=False, expires_at=None)


class SessionRegistry:
    def __init__(
        self, db: Callable[[], Database], *, absolute_seconds: int, check_seconds: float
    ) -> None:
        self._db = db  # looked up when used: the tokens may be built before the database
        self.absolute = timedelta(seconds=absolute_seconds)
        self._states: Memo[uuid.UUID, SessionState] = Memo(check_seconds, max_entries=50_000)

    async def start(
        self, tenant_id: uuid.UUID, account_id: uuid.UUID
    ) -> tuple[uuid.UUID, datetime]:
        """A new session for a password login: its id and absolute end."""
        session_id = uuid.uuid4()
        now = datetime.now(UTC)
        expires = now + self.absolute
        await AuthSession.insert(
            AuthSession(
                id=session_id,
                tenant_id=tenant_id,
                account_id=account_id,
                created_at=now,
                expires_at=expires,
            )
        ).run()
        return session_id, expires

    async def state(self, tenant_id: uuid.UUID, session_id: uuid.UUID) -> SessionState:
        async def load() -> SessionState:
            row = await (
                AuthSession.select(AuthSession.ended_at, AuthSession.expires_at)
                .where((AuthSession.id == session_id) & (AuthSession.tenant_id == tenant_id))
                .first()
                .run()
            )
            if row is None or row["ended_at"] is not None:
                return _GONE
            return SessionState(live=True, expires_at=row["expires_at"])

        found = await self._states.get(session_id, load)
        if found.live and found.expires_at is not None and found.expires_at <= datetime.now(UTC):
            return _GONE
        return found

    async def is_live(self, tenant_id: uuid.UUID, session_id: uuid.UUID) -> bool:
        return (await self.state(tenant_id, session_id)).live

    async def end(self, tenant_id: uuid.UUID, session_id: uuid.UUID, reason: str) -> None:
        """End one session (logout, or its refresh token replayed)."""
        now = datetime.now(UTC)
        async with self._db().transaction():
            await (
                AuthSession.update({AuthSession.ended_at: now, AuthSession.end_reason: reason})
                .where(
                    (AuthSession.id == session_id)
                    & (AuthSession.tenant_id == tenant_id)
                    & AuthSession.ended_at.is_null()
                )
                .run()
            )
            await (
                RefreshToken.update({RefreshToken.used_at: now})
                .where(
                    (RefreshToken.session_id == session_id)
                    & (RefreshToken.tenant_id == tenant_id)
                    & RefreshToken.used_at.is_null()
                )
                .run()
            )
        self._states.forget(session_id)

    async def end_all(self, tenant_id: uuid.UUID, account_id: uuid.UUID, reason: str) -> int:
        """End every session of an account (password changed, account disabled)."""
        now = datetime.now(UTC)
        async with self._db().transaction():
            ended = await (
                AuthSession.update({AuthSession.ended_at: now, AuthSession.end_reason: reason})
                .where(
                    (AuthSession.account_id == account_id)
                    & (AuthSession.tenant_id == tenant_id)
                    & AuthSession.ended_at.is_null()
                )
                .returning(AuthSession.id)
                .run()
            )
            await (
                RefreshToken.update({RefreshToken.used_at: now})
                .where(
                    (RefreshToken.account_id == account_id)
                    & (RefreshToken.tenant_id == tenant_id)
                    & RefreshToken.used_at.is_null()
                )
                .run()
            )
        for row in ended:
            self._states.forget(row["id"])
        return len(ended)
