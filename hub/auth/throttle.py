"""A brake on password spraying: failed logins are counted per client address.

Lockout (`tenants.services.authenticate`) stops guessing one account's password; it does
not stop one client trying a common password against thousands of accounts, each staying
under its own limit. Here a client address may fail `limit` logins per `window` seconds;
past that its logins answer 429 with Retry-After, before any tenant lookup or Argon2
work (which spares the hub's CPU too), until its oldest failure leaves the window.

Per replica and in memory, like the verified-token memory: behind N replicas a client
gets up to N x `limit` tries per window, and a restart forgets. At most `max_clients`
addresses are remembered (the least recently failing are forgotten first), so a flood
of spoofed sources costs bounded memory. The address is the one uvicorn reports, which
honours X-Forwarded-For only from the proxies it is told to trust (`--forwarded-allow-ips`).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque

from hub.errors import TooManyRequests
from monitoring import metrics


class LoginThrottle:
    def __init__(self, limit: int, window_seconds: float, *, max_clients: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, client: str, now: float | None = None) -> None:
        """Raise TooManyRequests if `client` used up its failures in the window."""
        if self.limit <= 0:
            return
        failures = self._failures.get(client)
        if failures is None:
            return
        now = time.monotonic() if now is None else now
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if len(failures) >= self.limit:
            metrics.login_throttled()
            raise TooManyRequests(
                "too many failed logins from this address; try again later",
                retry_after=max(1, math.ceil(failures[0] + self.window - now)),
            )

    def failed(self, client: str, now: float | None = None) -> None:
        if self.limit <= 0:
            return
        now = time.monotonic() if now is None else now
        failures = self._failures.get(client)
        if failures is None:
            failures = self._failures[client] = deque(maxlen=self.limit)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
        else:
            self._failures.move_to_end(client)
        failures.append(now)  # maxlen: only the newest `limit` failures matter
