"""What do metrics cost? Cloud-signing throughput with metrics on vs off, in the same run.

Starts two real hubs (`sealhub serve`, one worker each, SQLite in a temp dir, the built-in
local vendor), one with SEALHUB_METRICS=1 and one with 0, sets each up the way a bureau
would (operator, tenant, a real-name citizen, a personal seal with its password), then
drives POST /api/v1/signatures with a fixed number of concurrent clients in short
alternating bursts (ABBA order, several rounds), so that whatever else the machine is
doing hits both modes alike. Every request is a real signing: password check, SM2 sign by
the vendor, SM2 verify by the hub, database rows, evidence log, and a fresh document
digest and Idempotency-Key.

Also prints the in-process cost of the metrics middleware per request and of one
`record_http_request`, which do not depend on the machine's load. Goal: metrics cost
<= 5% of signing throughput. If the signing setup fails (an older hub), verification of a
real vendor signature stands in, and the output says so. Exits 0.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from common import SEAL_PASSWORD, make_signer, operator  # noqa: E402

from hub.process import HubProcess  # noqa: E402

SAMPLE = ROOT / "tests/samples/real-vendors/signedvalue/ofdrw-SignedValueV4.dat"
CONCURRENCY = 6
ROUNDS = 6  # each round: on, off, off, on (ABBA)
BURST_SECONDS = 1.5


class Workload:
    """One request kind against one hub: `label`, and `request()` kwargs per call."""

    def __init__(self, label: str, method: str, path: str, make: Any) -> None:
        self.label, self.method, self.path, self.make = label, method, path, make


def _signing(hub: HubProcess) -> Workload:
    """A citizen with an active personal seal, ready to sign, on `hub`."""
    signer = make_signer(hub, operator(hub))

    def make() -> dict[str, Any]:
        return {
            "headers": {**signer.headers, "Idempotency-Key": secrets.token_hex(12)},
            "json": {
                "seal_id": signer.seal_id,
                "password": SEAL_PASSWORD,
                "document_sm3": secrets.token_hex(32),
                "property_info": "bench.txt",
            },
        }

    return Workload(
        "sign (POST /api/v1/signatures, personal seal, local vendor)",
        "POST",
        "/api/v1/signatures",
        make,
    )


def _verification() -> Workload:
    data = SAMPLE.read_bytes()
    return Workload(
        "verify (POST /api/v1/verify, real V4 SES_Signature) - signing unavailable",
        "POST",
        "/api/v1/verify",
        lambda: {"files": {"file": ("SignedValue.dat", data)}},
    )


async def _burst(client: httpx.AsyncClient, work: Workload, seconds: float) -> tuple[float, int]:
    """Completed requests/s of CONCURRENCY workers for `seconds`, and failures (>= 400)."""
    done = failed = 0
    stop = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done, failed
        while time.monotonic() < stop:
            r = await client.request(work.method, work.path, **work.make())
            if r.status_code >= 400:
                failed += 1
            else:
                done += 1

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return done / (time.monotonic() - started), failed


async def _measure(
    hubs: dict[str, HubProcess], works: dict[str, Workload]
) -> tuple[dict[str, list[float]], int]:
    rates: dict[str, list[float]] = {"on": [], "off": []}
    failures = 0
    limits = httpx.Limits(max_connections=CONCURRENCY)
    clients = {
        m: httpx.AsyncClient(base_url=h.url, timeout=60, limits=limits) for m, h in hubs.items()
    }
    try:
        for mode, client in clients.items():  # warm up
            await _burst(client, works[mode], 0.5)
        for _ in range(ROUNDS):
            for mode in ("on", "off", "off", "on"):
                rps, bad = await _burst(clients[mode], works[mode], BURST_SECONDS)
                rates[mode].append(rps)
                failures += bad
    finally:
        for client in clients.values():
            await client.aclose()
    return rates, failures


def _middleware_cost_us(rounds: int = 20, per_round: int = 500) -> float:
    """Added time per request of the metrics middleware, in-process: the ASGI app called
    directly (no sockets), interleaved rounds, fastest round per mode."""
    from hub.app import create_app
    from hub.settings import MetricsSettings, Settings

    apps = {on: create_app(Settings(metrics=MetricsSettings(enabled=on))) for on in (True, False)}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/health/live",
        "raw_path": b"/health/live",
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        return None

    async def run() -> dict[bool, list[float]]:
        per_request: dict[bool, list[float]] = {True: [], False: []}
        for app in apps.values():
            for _ in range(200):
                await app(dict(scope), receive, send)  # type: ignore[arg-type]
        for _ in range(rounds):
            for on in (True, False, False, True):
                t = time.perf_counter()
                for _ in range(per_round):
                    await apps[on](dict(scope), receive, send)  # type: ignore[arg-type]
                per_request[on].append((time.perf_counter() - t) / per_round * 1e6)
        return per_request

    per_request = asyncio.run(run())
    return min(per_request[True]) - min(per_request[False])


def _record_cost_us() -> float:
    from monitoring import metrics

    n = 20_000
    t = time.perf_counter()
    for _ in range(n):
        metrics.record_http_request("/api/v1/signatures", "POST", 201, 0.01)
    return (time.perf_counter() - t) / n * 1e6


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sealhub-bench-") as tmp:
        hubs: dict[str, HubProcess] = {}
        try:
            for mode in ("on", "off"):
                env = {
                    "SEALHUB_METRICS": "1" if mode == "on" else "0",
                    "DATABASE_URL": f"sqlite:///{tmp}/{mode}.db",
                    "SEALHUB_DATA_DIR": f"{tmp}/{mode}",
                    "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
                    "PROMETHEUS_MULTIPROC_DIR": "",
                }
                hubs[mode] = HubProcess(env, log=Path(tmp) / f"{mode}.log").start()
            try:
                works = {mode: _signing(hub) for mode, hub in hubs.items()}
            except Exception as exc:  # noqa: BLE001 (an older hub without the signing API)
                print(f"signing setup failed ({exc}); measuring verification instead")
                works = {mode: _verification() for mode in hubs}
            rates, failures = asyncio.run(_measure(hubs, works))
        finally:
            for hub in hubs.values():
                hub.stop()

    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    cost = (1 - on / off) * 100
    # One on/off ratio per ABBA round (its two "on" bursts over its two "off" bursts):
    # their spread is the noise of this machine.
    per_round = [
        (rates["on"][2 * i] + rates["on"][2 * i + 1])
        / (rates["off"][2 * i] + rates["off"][2 * i + 1])
        for i in range(ROUNDS)
    ]
    added = _middleware_cost_us()
    estimate = added * off / 1e6 * 100
    print(
        f"metrics overhead: two hubs on loopback (1 worker each, metrics on / off), "
        f"{CONCURRENCY} concurrent clients, {ROUNDS} ABBA rounds of {BURST_SECONDS}s bursts"
    )
    print(f"workload: {works['on'].label}")
    print(f"{'':<10} {'metrics on':>12} {'metrics off':>12} {'on/off':>8} {'cost':>7}")
    print(
        f"{'req/s':<10} {on:>12.1f} {off:>12.1f} {on / off:>8.3f} {cost:>6.1f}%  "
        f"(medians of {len(rates['on'])} bursts per mode)"
    )
    inside = min(per_round) <= 1 <= max(per_round)
    print(
        f"per-round on/off ratios: min {min(per_round):.3f}, median "
        f"{statistics.median(per_round):.3f}, max {max(per_round):.3f} ("
        + ("1.0 inside: no difference measurable by throughput here" if inside else "1.0 outside")
        + ")"
    )
    print(f"failed requests during the run: {failures}")
    print(
        f"in-process: metrics middleware adds {added:.1f} us per request "
        f"= {estimate:.2f}% of one worker at {off:.0f} req/s; "
        f"one record_http_request: {_record_cost_us():.1f} us"
    )
    print(
        f"goal (cost <= 5%): {'met' if estimate <= 5 else 'NOT met'} by the in-process "
        f"cost ({estimate:.2f}%); throughput says {cost:.1f}% within the noise above"
    )
    return 0


if __name__ == "__main__":
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    sys.exit(main())
