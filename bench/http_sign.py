"""Cloud signing over HTTP: POST /api/v1/signatures from N concurrent keep-alive clients
for a bounded time, on SQLite and (when SEALHUB_BENCH_POSTGRES_URL or
SEALHUB_TEST_POSTGRES_URL is set) PostgreSQL. Prints signings/s, p50/p99, errors, and the
ratio to raw SM2 signs/s measured in the same run. Each point first runs 1 s at its own
concurrency that is not counted (new connections, database pools growing).

Every request is a full signing: token check, seal password, TBS_Sign built by the hub,
SM2 sign by the local vendor, SES_Signature assembled and verified (signer + seal maker
signatures), rows written, evidence logged. Goals (issue 3): PostgreSQL >= 0.5 of raw with
p99 <= 100 ms at 64 connections; SQLite >= 400/s with zero errors.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    CpuMeter,
    HubProcess,
    hub_env,
    make_signer,
    operator,
    raw_sm2_signs_per_second,
    sign_load,
)

from hub.db.scratch import create_database, drop_database

SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def run(engine: str, url: str, raw: float) -> None:
    with tempfile.TemporaryDirectory() as work:
        env = hub_env(url, Path(work))
        with HubProcess(env, workers=WORKERS, log=Path(work) / "hub.log") as hub:
            op = operator(hub)
            signers = [make_signer(hub, op, n) for n in range(4)]
            sign_load(hub.port, signers, conns=8, seconds=2)  # warm up (pools, caches)
            meter = CpuMeter([hub], url)
            for conns in (16, 64):
                meter.start()
                r = sign_load(hub.port, signers, conns=conns, seconds=SECONDS, processes=1)
                hub_cpu, db_cpu = meter.stop()
                cpu = f"{1000 * hub_cpu / max(r.all_ok, 1):4.1f} ms hub"
                if url.startswith("postgres"):
                    cpu += f" + {1000 * db_cpu / max(r.all_ok, 1):3.1f} ms PostgreSQL"
                print(
                    f"{engine:10s} conns={conns:3d}  {r.per_second:7.1f} signings/s  "
                    f"p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms  errors {r.errors:4d}  "
                    f"ratio to raw SM2 {r.per_second / raw:.3f}  CPU/signing {cpu}",
                    flush=True,
                )


def main() -> int:
    raw = raw_sm2_signs_per_second()
    print(f"raw SM2 signs/s (tongsuopy, one core, same run): {raw:.0f}")
    print(
        f"hub: sealhub serve --workers {WORKERS}; {SECONDS:.0f} s per point; "
        f"cores on this machine: {os.cpu_count()}"
    )
    with tempfile.TemporaryDirectory() as d:
        run("sqlite", f"sqlite:///{d}/bench.db", raw)
    pg = os.environ.get("SEALHUB_BENCH_POSTGRES_URL") or os.environ.get("SEALHUB_TEST_POSTGRES_URL")
    if pg:
        url = asyncio.run(create_database(pg, "sealhub_http_sign"))
        try:
            run("postgresql", url, raw)
        finally:
            asyncio.run(drop_database(pg, url))
    else:
        print("postgresql: skipped (set SEALHUB_BENCH_POSTGRES_URL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
