"""Per-process memory of values that are costly to get again: rows read on every request
(tenant policy, a vendor's admission, token keys), results of pure computations (a
seal's maker signature, a certificate path). The one cache helper of the hub.

A `Memo` keeps each value for `ttl_seconds` (forever by default) and at most
`max_entries` of them (unbounded with None), dropping the least recently used first.
Reads: `peek` (no loading), `remember` (compute on a miss), `get` (async load on a miss,
single-flight); `put` stores, `forget` invalidates.

Why single-flight in `get`: under load, a plain TTL cache misses for every request that
arrives while the first miss is still reading, so each expiry became a burst of
identical queries (measured in bench/http_sign.py: 40% of signings re-read the tenant
policy). Here concurrent misses of one key wait for the one load in flight.

Values are per process: a change made on another replica is seen here within `ttl`.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")

_FAILED = object()  # the load in flight failed: each waiter loads for itself


class Memo(Generic[K, V]):
    def __init__(self, ttl_seconds: float = math.inf, *, max_entries: int | None = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._values: OrderedDict[K, tuple[float, V]] = OrderedDict()  # key -> (expiry, value)
        self._loading: dict[K, asyncio.Future[object]] = {}
        self._generation = 0  # bumped by forget(): a load begun before it is not kept

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def peek(self, key: K) -> V | None: ...
    @overload
    def peek(self, key: K, default: D) -> V | D: ...
    def peek(self, key: K, default: object = None) -> object:
        """The value kept for `key` if it is still fresh (it becomes the most recently
        used), else `default`."""
        hit = self._values.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return default
        self._values.move_to_end(key)
        return hit[1]

    def put(self, key: K, value: V) -> None:
        """Keep `value` for `ttl` from now; past `max_entries`, the least recently used go."""
        self._values[key] = (time.monotonic() + self.ttl, value)
        self._values.move_to_end(key)
        if self.max_entries is not None:
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)

    def remember(self, key: K, compute: Callable[[], V]) -> V:
        """The fresh value for `key`, or `compute()` kept (an error is raised, not kept)."""
        missing = _FAILED
        hit = self.peek(key, missing)
        if hit is not missing:
            return hit  # type: ignore[return-value]
        value = compute()
        self.put(key, value)
        return value

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The fresh value for `key`, or what `load()` returns, kept; concurrent misses of
        one key share one load (an error is raised to each, not kept)."""
        missing = _FAILED
        hit = self.peek(key, missing)
        if hit is not missing:
            return hit  # type: ignore[return-value]
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
            self.put(key, value)
        future.set_result(value)
        return value

    def forget(self, key: K | None = None) -> None:
        """Forget one key, or everything: this process's own change is seen at once."""
        self._generation += 1
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)
