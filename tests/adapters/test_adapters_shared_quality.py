"""The live quality window in the database, on every engine: what one replica observed
scores the same on another and after a restart, and matches the in-memory CallLog."""

from __future__ import annotations

import random
import secrets
import time
from typing import Any

from adapters.admission.live import CallLog
from adapters.admission.shared import SharedCallLog


async def test_replicas_and_a_restart_see_one_window(db: Any, engine: str) -> None:
    vendor = "q-" + secrets.token_hex(3)
    a, b = SharedCallLog(flush_seconds=60), SharedCallLog(flush_seconds=60)
    memory = CallLog()
    rng = random.Random(7)
    for i in range(57):
        ok, seconds = i % 10 != 3, rng.uniform(0.01, 0.9)
        (a if i % 2 else b).call(vendor, ok, seconds)
        memory.call(vendor, ok, seconds)
    for up in (True, True, False, True):
        a.probe(vendor, up)
        memory.probe(vendor, up)
    # Each replica writes its buffer every flush_seconds (here: by hand): from then on the
    # other replica sees the observations too.
    await a.flush()
    seen_by_b = await b.quality(vendor, conformance_passed=True)
    seen_by_a = await a.quality(vendor, conformance_passed=True)
    restarted = await SharedCallLog().quality(vendor, conformance_passed=True)
    expected = await memory.quality(vendor, conformance_passed=True)
    for got in (seen_by_a, seen_by_b, restarted):
        assert got.inputs.calls == expected.inputs.calls == 57
        assert got.inputs.successful_calls == expected.inputs.successful_calls
        assert got.inputs.health_probes == 4 and got.inputs.health_probes_up == 3
        assert abs(got.inputs.p95_latency_seconds - expected.inputs.p95_latency_seconds) < 1e-6
        assert got.score == expected.score


async def test_the_window_moves(db: Any, engine: str) -> None:
    vendor = "q-" + secrets.token_hex(3)
    now = [time.time()]
    log = SharedCallLog(window_seconds=600, clock=lambda: now[0], flush_seconds=0)
    log.call(vendor, False, 0.5)
    await log.flush()
    now[0] += 700  # the failure left the window
    log.call(vendor, True, 0.1)
    result = await log.quality(vendor, conformance_passed=None)
    assert (result.inputs.calls, result.inputs.successful_calls) == (1, 1)
