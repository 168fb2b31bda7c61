"""The whole flow under a realistic mix, with 1, 2 and 3 hub processes on one PostgreSQL
database, and the cost growth of signing as tenants and seals pile up (issue 8).

Mix (per operation, weighted at random on every keep-alive connection):
  60% sign       POST /api/v1/signatures (token, seal password, TBS_Sign, SM2 sign by the
                 local vendor, SES_Signature verified, rows written, evidence logged)
  20% verify     POST /api/v1/verify (multipart) of a signature made before the run
  10% lifecycle  POST /api/v1/seals/{id}/suspend then /resume (one op = both requests),
                 on a seal of the connection's own (two connections never race one seal)
  10% read       GET /api/v1/seals/{id} or GET /api/v1/signatures/{id}/ses

Scaling: three `sealhub serve` processes start on one fresh database; the same client
load runs against the first 1, 2 and 3 of them in turn (connections round-robin over the
processes in use). Efficiency = ops/s with k processes / (k * ops/s with one process).

Cost growth: a fresh database and one hub; signing measured with 1 tenant / 10 seals
(twice, to show the run's noise), then after bulk-inserting 999 more tenants (with an
admin account each) and then 99,990 more seals straight into the tables (COPY, not the
API). Seeded seals copy a real seal row with new ids but no seal DER or picture: those
large values live in PostgreSQL's TOAST storage, outside the heap and the indexes the
signing path reads, so leaving them out changes the disk footprint, not the lookups.

Needs SEALHUB_BENCH_POSTGRES_URL or SEALHUB_TEST_POSTGRES_URL (skips with a message).
Env: LOAD_SECONDS (per point, 10), LOAD_CONNS (24), LOAD_SIGNERS (4), LOAD_HUB_WORKERS
(workers per hub process, 1), LOAD_CLIENT_PROCESSES (1), LOAD_COST_SECONDS (5),
LOAD_COST_CONNS (8), LOAD_TENANTS (1000), LOAD_SEALS (100000), LOAD_SKIP_SCALING,
LOAD_SKIP_COST (set to 1 to skip a part). Databases it creates are dropped at the end.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import secrets
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    SEAL_PASSWORD,
    Call,
    CpuMeter,
    HubProcess,
    OpResult,
    Signer,
    hub_env,
    make_signer,
    mix_load,
    operator,
    raw_sm2_signs_per_second,
    sign_load,
)

from hub.db.scratch import create_database, drop_database


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))
CONNS = _env_int("LOAD_CONNS", 24)
SIGNERS = _env_int("LOAD_SIGNERS", 4)
HUB_WORKERS = _env_int("LOAD_HUB_WORKERS", 1)
CLIENT_PROCESSES = _env_int("LOAD_CLIENT_PROCESSES", 1)
COST_SECONDS = float(os.environ.get("LOAD_COST_SECONDS", "5"))
COST_CONNS = _env_int("LOAD_COST_CONNS", 8)
TENANTS = _env_int("LOAD_TENANTS", 1000)
SEALS = _env_int("LOAD_SEALS", 100_000)
HUBS = (1, 2, 3)
MIX = (("sign", 60), ("verify", 20), ("lifecycle", 10), ("read", 10))
PRE_SIGNED = 6  # signatures per signer made before the run (verify and read targets)


# --- the mix -------------------------------------------------------------------------------


@dataclass
class Lane:
    """What one connection works on: its signer's seal and token, a lifecycle seal of
    its own, and signatures made earlier. Picklable (runs in the client process)."""

    headers: dict[str, str]
    sign_seal: str
    lifecycle_seal: str
    verify_bodies: list[bytes]
    signature_ids: list[str]
    boundary: str
    weights: tuple[tuple[str, int], ...] = MIX
    _rng: random.Random = field(default_factory=random.Random)

    def __call__(self) -> tuple[str, list[Call]]:
        names = [n for n, _ in self.weights]
        name = self._rng.choices(names, weights=[w for _, w in self.weights])[0]
        auth = self.headers
        if name == "sign":
            body = (
                f'{{"seal_id":"{self.sign_seal}","password":"{SEAL_PASSWORD}",'
                f'"document_sm3":"{secrets.token_hex(32)}"}}'
            ).encode()
            return name, [
                Call(
                    "POST",
                    "/api/v1/signatures",
                    {**auth, "Idempotency-Key": secrets.token_hex(12)},
                    body,
                )
            ]
        if name == "verify":
            return name, [
                Call(
                    "POST",
                    "/api/v1/verify",
                    {},
                    self._rng.choice(self.verify_bodies),
                    f"multipart/form-data; boundary={self.boundary}",
                )
            ]
        if name == "lifecycle":
            seal = f"/api/v1/seals/{self.lifecycle_seal}"
            return name, [
                Call("POST", seal + "/suspend", auth, b'{"reason":"load: suspend"}'),
                Call("POST", seal + "/resume", auth, b'{"reason":"load: resume"}'),
            ]
        if self._rng.random() < 0.5:
            return name, [Call("GET", f"/api/v1/seals/{self.sign_seal}", auth)]
        sig = self._rng.choice(self.signature_ids)
        return name, [Call("GET", f"/api/v1/signatures/{sig}/ses", auth)]


def _multipart(boundary: str, content: bytes) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"signature.dat\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + content + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip


def _ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code} {r.text[:300]}")
    return r.json() if r.content else None


def make_lanes(hub: HubProcess, signers: list[Signer], conns: int) -> list[Lane]:
    boundary = "sealhub-load-" + secrets.token_hex(8)
    made: dict[str, tuple[list[bytes], list[str]]] = {}
    with httpx.Client(base_url=hub.url, timeout=60) as c:
        for s in signers:
            bodies, ids = [], []
            for _ in range(PRE_SIGNED):
                sig = _ok(c.post("/api/v1/signatures", headers={
                    **s.headers, "Idempotency-Key": secrets.token_hex(12)}, json={
                    "seal_id": s.seal_id, "password": SEAL_PASSWORD,
                    "document_sm3": secrets.token_hex(32)}))  # fmt: skip
                bodies.append(_multipart(boundary, base64.b64decode(sig["signature"])))
                ids.append(sig["id"])
            made[s.tenant] = (bodies, ids)
        lanes = []
        for i in range(conns):
            s = signers[i % len(signers)]
            seal = _ok(c.post("/api/v1/seals", headers=s.headers, json={"seal_type": "personal"}))
            bodies, ids = made[s.tenant]
            lanes.append(Lane(s.headers, s.seal_id, seal["id"], bodies, ids, boundary))
    return lanes


# --- databases -----------------------------------------------------------------------------


async def _copy_rows(
    url: str, table: str, template_sql: str, count: int, arg: Any, make: Any
) -> None:
    """COPY `count` rows into `table`, each a copy of one real row with `make(i, row)`
    overrides (every column the table has, so schema changes need no edit here)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        template = dict(await conn.fetchrow(template_sql, arg))
        columns = list(template)
        records = []
        for i in range(count):
            row = {**template, **make(i, template)}
            records.append(tuple(row[c] for c in columns))
        await conn.copy_records_to_table(table, records=records, columns=columns)
        # Vacuumed and analyzed now, so autovacuum does not wake up during the next
        # measurement (on 2 cores it would be noise in the latency).
        await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()


async def seed_tenants(url: str, signer: Signer, count: int) -> list[uuid.UUID]:
    """`count` more tenants, each with one admin account (copies of the signer's)."""
    ids = [uuid.uuid4() for _ in range(count)]
    stamp = secrets.token_hex(2)
    await _copy_rows(url, "tenant", "SELECT * FROM tenant WHERE slug = $1", count, signer.tenant,
                     lambda i, _: {"id": ids[i], "slug": f"seed-{stamp}-{i}",
                                   "name": f"Seeded bureau {i}"})  # fmt: skip
    await _copy_rows(
        url, "account",
        "SELECT a.* FROM account a JOIN tenant t ON t.id = a.tenant_id "
        "WHERE t.slug = $1 AND a.username = 'admin'", count, signer.tenant,
        lambda i, _: {"id": uuid.uuid4(), "tenant_id": ids[i]},
    )  # fmt: skip
    return ids


async def seed_seals(url: str, signer: Signer, count: int, tenants: list[uuid.UUID] | None) -> None:
    """`count` more seals spread over `tenants` (None: the signer's own tenant), copies
    of the signer's seal row."""
    stamp = secrets.token_hex(2)

    def make(i: int, template: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "esid": f"seed{stamp}{i:010d}",
            "tenant_id": tenants[i % len(tenants)] if tenants else template["tenant_id"],
            "owner_account_id": uuid.uuid4(),
            "seal_der": None,
            "picture": None,
        }

    await _copy_rows(
        url, "seal", "SELECT * FROM seal WHERE id = $1", count, uuid.UUID(signer.seal_id), make
    )


async def storage_per_signing(url: str) -> float:
    """Bytes on disk (tables, indexes, TOAST) of signature records and the evidence log,
    per signing made."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE signature_record, evidence_entry, evidence_node")
        size = await conn.fetchval(
            "SELECT sum(pg_total_relation_size(t)) FROM unnest(ARRAY['signature_record', "
            "'evidence_entry', 'evidence_node']) AS t")  # fmt: skip
        signings = await conn.fetchval("SELECT count(*) FROM signature_record")
    finally:
        await conn.close()
    return float(size) / max(signings, 1)


async def count_rows(url: str) -> tuple[int, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return (await conn.fetchval("SELECT count(*) FROM tenant WHERE slug <> 'hub'"),
                await conn.fetchval("SELECT count(*) FROM seal"))  # fmt: skip
    finally:
        await conn.close()


# --- the two parts -------------------------------------------------------------------------


def _fmt(name: str, r: OpResult) -> str:
    errors = ",".join(f"{s}x{n}" for s, n in sorted(r.errors.items())) or "0"
    return (
        f"  {name:10s} {r.per_second:8.1f} ops/s  p50 {r.p50_ms:7.1f}  p95 {r.p95_ms:7.1f}"
        f"  p99 {r.p99_ms:7.1f} ms  errors {errors}"
    )


def scaling(base: str, work: Path) -> None:
    url = asyncio.run(create_database(base, "sealhub_load"))
    env = hub_env(url, work)
    env["PROMETHEUS_MULTIPROC_DIR"] = ""  # one in-memory registry per process
    hubs = [HubProcess(env, workers=HUB_WORKERS, log=work / f"hub-{i}.log") for i in HUBS]
    try:
        for hub in hubs:
            hub.start()
        op = operator(hubs[0])
        signers = [make_signer(hubs[0], op, n) for n in range(SIGNERS)]
        lanes = make_lanes(hubs[0], signers, CONNS)
        print(
            f"\n== mix over loopback: {CONNS} keep-alive connections, {SIGNERS} tenants, "
            f"{SECONDS:.0f} s per point, hub processes x {HUB_WORKERS} worker(s)"
        )
        totals: dict[int, float] = {}
        signs: dict[int, float] = {}
        cpu_per_op: dict[int, float] = {}
        for k in HUBS:
            ports = [h.port for h in hubs[:k]]
            pairs = [(ports[i % k], lane) for i, lane in enumerate(lanes)]
            mix_load(pairs, seconds=2, processes=CLIENT_PROCESSES)  # warm up (pools, caches)
            meter = CpuMeter(hubs[:k], url)
            meter.start()
            load_before = os.getloadavg()[0]
            results = mix_load(pairs, seconds=SECONDS, processes=CLIENT_PROCESSES)
            hub_cpu, pg_cpu = meter.stop()
            ops = sum(r.ok for r in results.values())
            totals[k] = sum(r.per_second for r in results.values())
            signs[k] = results["sign"].per_second if "sign" in results else 0.0
            errors = sum(r.error_count for r in results.values())
            cpu_per_op[k] = (hub_cpu + pg_cpu) / max(ops, 1)
            print(
                f"{k} hub process(es): {totals[k]:.1f} ops/s total "
                f"({signs[k]:.1f} signings/s), errors {errors}, "
                f"scaling efficiency {totals[k] / (k * totals[1]):.2f}",
                flush=True,
            )
            print(
                f"  CPU per op: hub {1000 * hub_cpu / max(ops, 1):.1f} ms + PostgreSQL "
                f"{1000 * pg_cpu / max(ops, 1):.1f} ms; hub processes busy "
                f"{hub_cpu / SECONDS:.2f} cores; load average {load_before:.1f}; "
                f"CPU efficiency vs 1 process {cpu_per_op[1] / cpu_per_op[k]:.2f}"
            )
            for name, _ in MIX:
                if name in results:
                    print(_fmt(name, results[name]))
        print("speed-up vs 1 process: " + ", ".join(
            f"{k}: {totals[k] / totals[1]:.2f}x" for k in HUBS))  # fmt: skip
        # On a machine whose cores are already busy, processes cannot add throughput; the
        # CPU each operation costs then says whether more replicas add overhead (lock
        # waits, cold caches, more connections) - 1.00 = none.
        print("CPU per op vs 1 process (1.00 = replicas add no overhead): " + ", ".join(
            f"{k}: {cpu_per_op[k] / cpu_per_op[1]:.2f}x" for k in HUBS))  # fmt: skip
    finally:
        for hub in hubs:
            hub.stop()
        asyncio.run(drop_database(base, url))


def cost_growth(base: str, work: Path) -> None:
    url = asyncio.run(create_database(base, "sealhub_load"))
    env = hub_env(url, work)
    env["PROMETHEUS_MULTIPROC_DIR"] = ""
    hub = HubProcess(env, workers=HUB_WORKERS, log=work / "hub-cost.log")
    try:
        hub.start()
        signer = make_signer(hub, operator(hub), 0)
        # Nine more seals in the signer's tenant: 10 seals in the database.
        asyncio.run(seed_seals(url, signer, 9, None))
        sign_load(hub.port, [signer], conns=COST_CONNS, seconds=2)  # warm up
        print(
            f"\n== cost growth: signing, {COST_CONNS} connections, {COST_SECONDS:.0f} s "
            "per point, one hub process"
        )
        labels: list[str] = []
        series: dict[str, list[float]] = {"p50 latency": [], "CPU per signing": []}

        def measure(label: str) -> None:
            tenants, seals = asyncio.run(count_rows(url))
            meter = CpuMeter([hub], url)
            meter.start()
            r = sign_load(hub.port, [signer], conns=COST_CONNS, seconds=COST_SECONDS)
            hub_cpu, pg_cpu = meter.stop()
            cpu_ms = 1000 * (hub_cpu + pg_cpu) / max(r.all_ok, 1)
            labels.append(label)
            series["p50 latency"].append(r.p50_ms)
            series["CPU per signing"].append(cpu_ms)
            print(
                f"  {label:28s} tenants {tenants:5d}  seals {seals:6d}  "
                f"{r.per_second:6.1f} signings/s  p50 {r.p50_ms:6.1f}  p99 {r.p99_ms:6.1f} ms  "
                f"CPU/signing {cpu_ms:5.1f} ms  errors {r.errors}",
                flush=True,
            )

        measure("baseline")
        measure("baseline again (noise)")
        started = time.monotonic()
        seeded = asyncio.run(seed_tenants(url, signer, TENANTS - 1))
        print(f"  (seeded {TENANTS - 1} tenants + admins in {time.monotonic() - started:.1f} s)")
        measure(f"{TENANTS} tenants")
        started = time.monotonic()
        asyncio.run(seed_seals(url, signer, SEALS - 10, seeded))
        print(f"  (seeded {SEALS - 10} seals in {time.monotonic() - started:.1f} s)")
        measure(f"{TENANTS} tenants, {SEALS} seals")
        for name, values in series.items():
            base_value = (values[0] + values[1]) / 2
            noise = abs(values[0] - values[1]) / base_value
            growth = ", ".join(
                f"{label}: {value / base_value:.2f}x"
                for label, value in zip(labels[2:], values[2:], strict=True)
            )
            print(f"  {name} vs baseline: {growth}  (baseline-to-baseline spread {noise:.0%})")
        per = asyncio.run(storage_per_signing(url))
        print(
            f"  storage per signing (signature record + evidence log, with indexes): "
            f"{per / 1024:.1f} KiB"
        )
    finally:
        hub.stop()
        asyncio.run(drop_database(base, url))


def main() -> int:
    base = os.environ.get("SEALHUB_BENCH_POSTGRES_URL") or os.environ.get(
        "SEALHUB_TEST_POSTGRES_URL"
    )
    if not base:
        print(
            "bench/load.py: skipped (set SEALHUB_BENCH_POSTGRES_URL or "
            "SEALHUB_TEST_POSTGRES_URL to a PostgreSQL server)"
        )
        return 0
    started = time.monotonic()
    raw = raw_sm2_signs_per_second(1.0)
    print(
        f"raw SM2 signs/s (tongsuopy, one core, same run): {raw:.0f}; "
        f"cores: {os.cpu_count()}; load average now: {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as work:
        if not os.environ.get("LOAD_SKIP_SCALING"):
            scaling(base, Path(work))
        if not os.environ.get("LOAD_SKIP_COST"):
            cost_growth(base, Path(work))
    print(
        f"\ntotal {time.monotonic() - started:.0f} s; load average at the end: "
        f"{os.getloadavg()[0]:.1f} (other work on this machine shows up as noise)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
