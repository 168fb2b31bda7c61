"""`SharedCallLog`: the live quality window kept in the database, so it survives a
restart and every replica scores (and ranks) a vendor from the same observations.

Each replica records its adapter calls and health probes as before (synchronously, on
the call path) into a small buffer, written to `vendor_observation` in one batch every
`flush_seconds` or `flush_at` observations; `quality()` writes its own buffer first and
then aggregates the window from the table with SQL (counts, successes, the nearest-rank
p95 by ORDER BY ... OFFSET), the same numbers `CallLog` computes in memory. Rows older
than two windows are deleted as the window moves. Another replica's observations are
seen at most `flush_seconds` late.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from adapters.admission.live import DEFAULT_SLA_P95_SECONDS, CallLog
from adapters.admission.tables import VendorObservation
from monitoring.quality import QualityInputs, QualityResult, score


class SharedCallLog(CallLog):
    def __init__(
        self,
        window_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
        *,
        flush_seconds: float = 1.0,
        flush_at: int = 500,
    ) -> None:
        super().__init__(window_seconds, clock)
        self.flush_seconds = flush_seconds
        self.flush_at = flush_at
        self._buffer: list[VendorObservation] = []
        self._last_flush = clock()
        self._lock = asyncio.Lock()
        self._pending: set[asyncio.Task[None]] = set()
        self._last_trim = 0.0

    def _observe(self, vendor: str, kind: str, ok: bool, seconds: float) -> None:
        now = self._clock()
        self._buffer.append(
            VendorObservation(
                id=uuid.uuid4(),
                vendor=vendor,
                kind=kind,
                ok=ok,
                seconds=seconds,
                at=datetime.fromtimestamp(now, UTC),
            )
        )
        if len(self._buffer) >= self.flush_at or now - self._last_flush >= self.flush_seconds:
            try:
                task = asyncio.get_running_loop().create_task(self.flush())
            except RuntimeError:  # no loop (a synchronous caller): the next quality() writes
                return
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    def call(self, vendor: str, ok: bool, seconds: float) -> None:
        self._observe(vendor, "call", ok, seconds)

    def probe(self, vendor: str, up: bool) -> None:
        self._observe(vendor, "probe", up, 0.0)

    async def flush(self) -> None:
        async with self._lock:
            batch, self._buffer = self._buffer, []
            self._last_flush = self._clock()
            if batch:
                await VendorObservation.insert(*batch).run()
            now = self._clock()
            if now - self._last_trim > self.window_seconds / 10:
                self._last_trim = now
                horizon = datetime.fromtimestamp(now - 2 * self.window_seconds, UTC)
                await VendorObservation.delete().where(VendorObservation.at < horizon).run()

    async def shared_inputs(
        self, vendor: str, *, since: float | None = None, conformance_passed: bool | None
    ) -> QualityInputs:
        await self.flush()
        now = self._clock()
        start = max(since or 0.0, now - self.window_seconds)
        since_at = datetime.fromtimestamp(start, UTC)
        window = (VendorObservation.vendor == vendor) & (VendorObservation.at >= since_at)
        calls_q = window & (VendorObservation.kind == "call")
        probes_q = window & (VendorObservation.kind == "probe")
        calls = await VendorObservation.count().where(calls_q).run()
        # `== True` builds a column expression; it is not a truth test.
        ok_calls = (
            await VendorObservation.count()
            .where(
                calls_q & (VendorObservation.ok == True)  # noqa: E712
            )
            .run()
        )
        probes = await VendorObservation.count().where(probes_q).run()
        probes_up = (
            await VendorObservation.count()
            .where(
                probes_q & (VendorObservation.ok == True)  # noqa: E712
            )
            .run()
        )
        p95 = None
        if calls:
            rank = max(0, math.ceil(0.95 * calls) - 1)  # nearest rank, as CallLog
            row = (
                await VendorObservation.select(VendorObservation.seconds)
                .where(calls_q)
                .order_by(VendorObservation.seconds)
                .limit(1)
                .offset(rank)
                .run()
            )
            p95 = float(row[0]["seconds"]) if row else None
        return QualityInputs(
            vendor=vendor,
            window_seconds=int(now - start),
            calls=int(calls),
            successful_calls=int(ok_calls),
            p95_latency_seconds=p95,
            sla_p95_seconds=self.sla_p95_seconds.get(vendor, DEFAULT_SLA_P95_SECONDS),
            health_probes=int(probes),
            health_probes_up=int(probes_up),
            ratings=0,
            rating_stars_sum=0,
            conformance_passed=conformance_passed,
        )

    async def quality(
        self, vendor: str, *, since: float | None = None, conformance_passed: bool | None
    ) -> QualityResult:
        return score(
            await self.shared_inputs(vendor, since=since, conformance_passed=conformance_passed)
        )

    async def drain(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        await self.flush()
