"""Live evidence about vendors: every adapter call and health probe, in a sliding window.

`CallLog` is the in-process source the admission service reads; it turns observations
into `monitoring.quality.QualityInputs` and scores them with `monitoring.quality.score`,
so admission decisions and the ranking use one formula. It is per replica (like the
circuit breaker); a hub-wide source (the quality service over the database or
Prometheus) can replace it through the `QualitySource` protocol.

`RecordingVendor` wraps any `SealVendor` and records each call's outcome: the hub wraps
the adapters it puts in its `VendorDirectory` with it.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from adapters.errors import VendorError, VendorRejected
from adapters.protocol import (
    MakeSealRequest,
    MakeSealResult,
    RevokeRequest,
    RevokeResult,
    SealVendor,
    SignRequest,
    SignResult,
    VendorHealth,
    VendorInfo,
)
from monitoring.quality import QualityInputs, QualityResult, percentile, score

T = TypeVar("T")
DEFAULT_SLA_P95_SECONDS = 1.0


class QualitySource(Protocol):
    async def quality(
        self, vendor: str, *, since: float | None = None, conformance_passed: bool | None
    ) -> QualityResult: ...


class CallLog:
    def __init__(self, window_seconds: int = 3600, clock: Callable[[], float] = time.time) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._calls: dict[str, deque[tuple[float, bool, float]]] = defaultdict(deque)
        self._probes: dict[str, deque[tuple[float, bool]]] = defaultdict(deque)
        self.sla_p95_seconds: dict[str, float] = {}

    def call(self, vendor: str, ok: bool, seconds: float) -> None:
        self._calls[vendor].append((self._clock(), ok, seconds))

    def probe(self, vendor: str, up: bool) -> None:
        self._probes[vendor].append((self._clock(), up))

    def _trim(self, now: float) -> None:
        horizon = now - self.window_seconds
        for calls in self._calls.values():
            while calls and calls[0][0] < horizon:
                calls.popleft()
        for probes in self._probes.values():
            while probes and probes[0][0] < horizon:
                probes.popleft()

    def inputs(
        self, vendor: str, *, since: float | None = None, conformance_passed: bool | None
    ) -> QualityInputs:
        now = self._clock()
        self._trim(now)
        start = max(since or 0.0, now - self.window_seconds)
        calls = [c for c in self._calls[vendor] if c[0] >= start]
        probes = [p for p in self._probes[vendor] if p[0] >= start]
        latencies = [seconds for _, _, seconds in calls]
        return QualityInputs(
            vendor=vendor,
            window_seconds=int(now - start),
            calls=len(calls),
            successful_calls=sum(1 for _, ok, _ in calls if ok),
            p95_latency_seconds=percentile(latencies, 0.95) if latencies else None,
            sla_p95_seconds=self.sla_p95_seconds.get(vendor, DEFAULT_SLA_P95_SECONDS),
            health_probes=len(probes),
            health_probes_up=sum(1 for _, up in probes if up),
            ratings=0,  # ratings live with the quality service (issue 6), not here
            rating_stars_sum=0,
            conformance_passed=conformance_passed,
        )

    async def quality(
        self, vendor: str, *, since: float | None = None, conformance_passed: bool | None
    ) -> QualityResult:
        return score(self.inputs(vendor, since=since, conformance_passed=conformance_passed))


class RecordingVendor:
    """A `SealVendor` proxy that records every call (outcome, latency) into a `CallLog`.

    A rejection (the vendor's 4xx) is the vendor working correctly and counts as a
    success; unavailable, timeout, bad answer and misconfigured count as failures.
    """

    def __init__(self, inner: SealVendor, log: CallLog) -> None:
        self.inner = inner
        self.log = log
        self.name = inner.name

    async def _measure(self, call: Awaitable[T]) -> T:
        started = time.perf_counter()
        ok = False
        try:
            result = await call
            ok = True
            return result
        except VendorRejected:
            ok = True
            raise
        except VendorError:
            raise
        finally:
            self.log.call(self.name, ok, time.perf_counter() - started)

    async def info(self) -> VendorInfo:
        return await self._measure(self.inner.info())

    async def health(self) -> VendorHealth:
        health = await self.inner.health()
        self.log.probe(self.name, health.up)
        return health

    async def make_seal(self, req: MakeSealRequest) -> MakeSealResult:
        return await self._measure(self.inner.make_seal(req))

    async def sign(self, req: SignRequest) -> SignResult:
        return await self._measure(self.inner.sign(req))

    async def revoke(self, req: RevokeRequest) -> RevokeResult:
        return await self._measure(self.inner.revoke(req))
