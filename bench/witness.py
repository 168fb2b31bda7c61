"""Witness round trip at a steady signing rate: how long until an entry is covered by a
checkpoint that the witnesses have cosigned (goal: within 2 s at 100 signings/s).

Starts two witnesses as their own processes (`sealhub witness serve` on loopback), opens
an evidence log on a scratch SQLite database, appends events at --rate per second for
--seconds, and runs the hub's cosigning loop (hub.evidence.cosigning, one round whenever
the log grew, every --interval seconds). For every entry: time from its durable append
to the moment a checkpoint including it holds the quorum of cosignatures. Prints the
p50/p95/max of that, the round-trip time of one cosigning round, and the ratio p95/goal.

Run: .venv/bin/python bench/witness.py [--rate 100] [--seconds 20] [--interval 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from hub.db import open_database  # noqa: E402
from hub.evidence.checkpoint import Checkpoint  # noqa: E402
from hub.evidence.cosigning import Cosigner, witness_policy  # noqa: E402
from hub.evidence.events import Event, EventType  # noqa: E402
from hub.evidence.service import EvidenceLog  # noqa: E402
from hub.settings import DatabaseSettings  # noqa: E402

GOAL_SECONDS = 2.0
ORIGIN = "bench.sealhub/witnessed"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_witness(root: Path, n: int, log_vkey: str) -> tuple[subprocess.Popen[bytes], str]:
    name, key_file = f"bench-witness{n}.test/w", root / f"w{n}.pem"
    vkey = subprocess.run(
        [
            sys.executable,
            "-m",
            "hub.cli",
            "witness",
            "key",
            "--name",
            name,
            "--key-file",
            str(key_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    port = _port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub.cli",
            "witness",
            "serve",
            "--name",
            name,
            "--key-file",
            str(key_file),
            "--state-file",
            str(root / f"w{n}.json"),
            "--log-key",
            log_vkey,
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(root / f"w{n}.log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            if httpx.get(url + "/key", timeout=1).status_code == 200:
                return proc, f"{url} {vkey}"
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"witness {n} did not start")


async def run(rate: float, seconds: float, interval: float) -> int:
    root = Path(tempfile.mkdtemp(prefix="sealhub-bench-witness-"))
    db = await open_database(DatabaseSettings(url=f"sqlite:///{root / 'log.db'}"), migrate_now=True)
    log = await EvidenceLog.open(db, origin=ORIGIN, master_key=secrets.token_bytes(16))
    procs, specs = [], []
    for n in (1, 2):
        proc, spec = start_witness(root, n, log.note_verifier.vkey)
        procs.append(proc)
        specs.append(spec)
    appended: dict[int, float] = {}
    covered: list[tuple[float, int]] = []  # (time quorum reached, tree size)
    rounds: list[float] = []
    stop = asyncio.Event()
    try:
        async with httpx.AsyncClient() as client:
            cosigner = Cosigner(log, witness_policy(specs, 2), client)

            async def cosigning() -> None:
                last = 0
                while not stop.is_set() or last < len(appended):
                    size = await log.size()
                    if size > last:
                        started = time.perf_counter()
                        result = await cosigner.cosign_latest()
                        rounds.append(time.perf_counter() - started)
                        if len(result.cosignatures) >= 2:
                            covered.append(
                                (time.perf_counter(), Checkpoint.parse(result.checkpoint.text).size)
                            )
                            last = covered[-1][1]
                    await asyncio.sleep(interval)

            async def signing(i: int) -> None:
                appended_at = await log.append(
                    Event(
                        EventType.SIGNATURE_MADE,
                        "tenant-bench",
                        datetime.now(UTC),
                        subject={"signature_id": f"s{i}"},
                    )
                )
                appended[appended_at.index] = time.perf_counter()

            task = asyncio.create_task(cosigning())
            pending = []
            t0 = time.perf_counter()
            for i in range(int(rate * seconds)):
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(asyncio.create_task(signing(i)))
            await asyncio.gather(*pending)
            stop.set()
            await asyncio.wait_for(task, timeout=60)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        await log.close()
        await db.close()
    latencies = []
    for index, at in appended.items():
        when = next(t for t, size in covered if size > index)
        latencies.append(when - at)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"entries {len(latencies)} at {rate:.0f}/s for {seconds:.0f} s; rounds {len(rounds)}")
    print(
        f"append -> cosigned checkpoint: p50 {statistics.median(latencies):.3f} s, "
        f"p95 {p95:.3f} s, max {latencies[-1]:.3f} s"
    )
    print(f"cosigning round (sign + 2 witnesses): median {statistics.median(rounds):.3f} s")
    print(f"p95 / goal ({GOAL_SECONDS:.0f} s): {p95 / GOAL_SECONDS:.2f} (<= 1 meets the goal)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()
    os.environ.setdefault("SEALHUB_METRICS", "0")
    return asyncio.run(run(args.rate, args.seconds, args.interval))


if __name__ == "__main__":
    sys.exit(main())
