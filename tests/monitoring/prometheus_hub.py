"""A hub process for the Prometheus test (run as `python tests/monitoring/prometheus_hub.py
PORT NAME=URL...`).

It does what a hub does with its vendors, through the real http adapter and admission's
CallLog: runs the conformance suite against each vendor server, probes health, then
ranks the vendors with monitoring's QualityService (live numbers + database ratings) and
exports the ranking; then it serves the real hub app (`/metrics` included) until killed.
It prints one line per ranked vendor, then "serving".
"""

from __future__ import annotations

import asyncio
import sys

import httpx
import uvicorn

from adapters.admission.live import CallLog, RecordingVendor
from adapters.http.client import HttpVendor
from adapters.testing.conformance import run_conformance
from hub.app import create_app
from hub.db import open_database
from hub.settings import Settings
from monitoring.services import QualityService

SLA_P95_SECONDS = 0.15
PROBES = 12


async def rank_vendors(settings: Settings, urls: dict[str, str]) -> None:
    db = await open_database(settings, migrate_now=True)  # ratings live in the database
    calls = CallLog()
    try:
        async with httpx.AsyncClient() as client:
            conformance: dict[str, bool | None] = {}
            names = []
            for name, url in urls.items():
                vendor = RecordingVendor(
                    HttpVendor(name, url, client, retries=0, timeout=2.0), calls
                )
                calls.sla_p95_seconds[name] = SLA_P95_SECONDS
                report = await run_conformance(vendor, step_timeout=5.0)
                conformance[name] = report.passed
                for _ in range(PROBES):
                    await vendor.health()
                names.append(name)
            ranked = await QualityService(calls).publish(names, conformance)
    finally:
        await db.close()
    for entry in ranked:
        r = entry.result
        print(
            f"{entry.rank} {r.vendor} score={r.score} calls={r.inputs.calls} "
            f"ok={r.inputs.successful_calls} p95={r.inputs.p95_latency_seconds} "
            f"conformance={r.inputs.conformance_passed}",
            flush=True,
        )


def main() -> int:
    port = int(sys.argv[1])
    urls = dict(arg.split("=", 1) for arg in sys.argv[2:])
    settings = Settings.from_env()
    asyncio.run(rank_vendors(settings, urls))
    print("serving", flush=True)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
