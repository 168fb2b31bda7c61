"""Short-lived per-process memory of values read on every request (tenant policy, a
vendor's admission), loaded once per key at a time.

Why single-flight: under load, a plain TTL cache misses for every request that arrives
while the first miss is still reading, so each expiry became a burst of identical
queries (measured in bench/http_sign.py: 40% of signings re-read the tenant policy).
Here concurrent misses of one key wait for the one load in flight.

Values are per process: a change made on another replica is seen here within `ttl`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_FAILED = object()  # the load in flight failed: each waiter loads for itself


class Memo(Generic[K, V]):
    def __init__(self, ttl_seconds: float, *, max_entries: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._values: dict[K, tuple[float, V]] = {}
        self._loading: dict[K, asyncio.Future[object]] = {}
        self._generation = 0  # bumped by forget(): a load begun before it is not kept

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        hit = self._values.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        in_flight = self._loading.get(key)
        if in_flight is not None:
            shared = await asyncio.shield(in_flight)
            if shared is not _FAILED:
                return shared  # type: ignore[return-value]
            return await load()
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        generation = self._generation
        try:
            value = await load()
        except BaseException:
            future.set_result(_FAILED)
            raise
        finally:
            del self._loading[key]
        if generation == self._generation:
            if len(self._values) >= self.max_entries:
                self._values.clear()
            self._values[key] = (time.monotonic() + self.ttl, value)
        future.set_result(value)
        return value

    def forget(self, key: K | None = None) -> None:
        """Forget one key, or everything: this process's own change is seen at once."""
        self._generation += 1
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)
