"""Password guessing is stopped without handing anyone a way to lock a real user out.

Two counters per login name, in the database (so they hold across replicas):

* per (tenant, username, client address): `max_failures` failed logins within
  `lockout_seconds` (tenant policy) lock that username *for that client* until the window
  ends (423 with Retry-After). A stranger who fails five times locks only themselves: the
  user, from their own address, logs in as usual.
* per (tenant, username) from all addresses: past `slowdown_after` failures in the
  window, every further attempt waits `slowdown_seconds` before it is checked. That slows
  a guesser spread over many addresses and still locks nobody out.

An attempt is counted *before* its password is checked, in one atomic upsert, so
concurrent guesses cannot slip past the limit (only the first `max_failures` of a burst
are checked at all); a successful login clears its client's counter. Keys are HMACs of
the names under a key derived from the master key: neither usernames nor addresses are
stored, and an unknown username is counted, locked and answered exactly like a real one
(no username oracle). The per-client spray brake (`hub.auth.throttle`) still limits how
many names one address may try.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.db import Database, Statement

_COUNT = Statement(
    "INSERT INTO login_guard (key, failures, window_start, note) VALUES ({}, 1, {}, {})"
    " ON CONFLICT (key) DO UPDATE SET"
    " failures = CASE WHEN login_guard.window_start < {} THEN 1"
    " ELSE login_guard.failures + 1 END,"
    " window_start = CASE WHEN login_guard.window_start < {} THEN excluded.window_start"
    " ELSE login_guard.window_start END"
    " RETURNING failures, window_start"
)
_READ = Statement("SELECT failures, window_start FROM login_guard WHERE key = {}")
_CLEAR = Statement("DELETE FROM login_guard WHERE key = {}")


@dataclass(frozen=True)
class Attempt:
    """One login attempt, already counted against its client."""

    client_key: str
    account_key: str
    ordinal: int  # this attempt's place among the client's attempts in the window
    locked_for: int  # seconds the client must wait for this username (0: go on)


class LoginGuard:
    def __init__(
        self,
        db: Callable[[], Database],
        secret: bytes,
        *,
        slowdown_after: int,
        slowdown_seconds: float,
    ) -> None:
        self._db = db
        self._secret = hmac.new(secret, b"sealhub login guard", hashlib.sha256).digest()
        self.slowdown_after = slowdown_after
        self.slowdown_seconds = slowdown_seconds

    def _key(self, *parts: str) -> str:
        return hmac.new(self._secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    async def begin(
        self, tenant: str, username: str, client: str, *, max_failures: int, window_seconds: int
    ) -> Attempt:
        """Count the attempt for (username, client); say whether it may be checked."""
        name = username.strip().casefold()
        client_key = self._key("client", tenant, name, client)
        account_key = self._key("account", tenant, name)
        now = int(time.time())
        cutoff = now - window_seconds
        db = self._db()
        rows = await db.fetch(_COUNT, client_key, now, "client", cutoff, cutoff)
        failures, started = int(rows[0]["failures"]), int(rows[0]["window_start"])
        locked_for = max(1, started + window_seconds - now) if failures > max_failures else 0
        if not locked_for and self.slowdown_after > 0:
            seen = await db.fetch(_READ, account_key)
            if (
                seen
                and int(seen[0]["window_start"]) >= cutoff
                and int(seen[0]["failures"]) >= self.slowdown_after
            ):
                await asyncio.sleep(self.slowdown_seconds)
        return Attempt(client_key, account_key, failures, locked_for)

    async def failed(self, attempt: Attempt, *, window_seconds: int) -> None:
        """The password was wrong: count it for the username across all clients too."""
        now = int(time.time())
        cutoff = now - window_seconds
        await self._db().fetch(_COUNT, attempt.account_key, now, "account", cutoff, cutoff)

    async def succeeded(self, attempt: Attempt) -> None:
        await self._db().fetch(_CLEAR, attempt.client_key)
