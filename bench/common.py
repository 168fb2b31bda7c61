"""Shared by the HTTP benchmarks: bring a hub to the point where a citizen can sign,
a raw SM2 baseline, and a lean keep-alive HTTP/1.1 load client.

The load client is hand-rolled on asyncio streams (not httpx) and runs in its own
process, so that on a small machine the client's cost does not hide the hub's.
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing as mp
import os
import secrets
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.crypto import SM2PrivateKey  # noqa: E402
from hub.process import HubProcess  # noqa: E402

PASSWORD = "Bench-pass-2026"
SEAL_PASSWORD = "Seal-bench-2026"


def resident_id(first17: str) -> str:
    from tenants.validation import resident_id_check_char

    return first17 + resident_id_check_char(first17)


def call(client: httpx.Client, method: str, url: str, **kw: Any) -> Any:
    r = client.request(method, url, **kw)
    if r.status_code >= 400:
        raise RuntimeError(f"{method} {url} -> {r.status_code} {r.text[:300]}")
    return r.json() if r.content else None


@dataclass
class Signer:
    headers: dict[str, str]
    seal_id: str
    tenant: str


def operator(hub: HubProcess) -> dict[str, str]:
    hub.cli("admin", "create-operator", "--username", "bench-op", "--password-file", "-",
            stdin=PASSWORD + "\n")  # fmt: skip
    with httpx.Client(base_url=hub.url, timeout=60) as c:
        tok = call(
            c,
            "POST",
            "/api/v1/auth/login",
            json={"tenant": "hub", "username": "bench-op", "password": PASSWORD},
        )
    return {"Authorization": "Bearer " + tok["access_token"]}


def make_signer(hub: HubProcess, op: dict[str, str], n: int = 0) -> Signer:
    """A tenant, a real-name citizen with a personal seal and its password."""
    slug = f"bench-{n}-{secrets.token_hex(3)}"
    with httpx.Client(base_url=hub.url, timeout=60) as c:
        call(c, "POST", "/api/v1/tenants", headers=op, json={
            "name": f"Bench bureau {n}", "slug": slug, "region_code": "150102",
            "admin": {"username": "admin", "password": PASSWORD}})  # fmt: skip
        tok = call(
            c,
            "POST",
            "/api/v1/auth/login",
            json={"tenant": slug, "username": "admin", "password": PASSWORD},
        )
        admin = {"Authorization": "Bearer " + tok["access_token"]}
        call(c, "POST", "/api/v1/identity/persons", headers=admin, json={
            "name": "测试",
            "id_number": resident_id(f"15010219900101{secrets.randbelow(1000):03d}"),
            "mobile": "13912345678", "face_image": base64.b64encode(b"face").decode(),
            "username": "signer", "password": PASSWORD})  # fmt: skip
        tok = call(
            c,
            "POST",
            "/api/v1/auth/login",
            json={"tenant": slug, "username": "signer", "password": PASSWORD},
        )
        headers = {"Authorization": "Bearer " + tok["access_token"]}
        seal = call(c, "POST", "/api/v1/seals", headers=headers, json={"seal_type": "personal"})
        call(
            c,
            "PUT",
            f"/api/v1/seals/{seal['id']}/password",
            headers=headers,
            json={"password": SEAL_PASSWORD},
        )
    return Signer(headers=headers, seal_id=seal["id"], tenant=slug)


def raw_sm2_signs_per_second(seconds: float = 2.0) -> float:
    """The baseline: tongsuopy SM2 signs of 32 bytes, one core, same run."""
    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec

    key = ec.generate_private_key(ec.SM2())
    alg = ec.ECDSA(hashes.SM3())
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(50):
            key.sign(b"x" * 32, alg)
        n += 50
    return n / seconds


_ = SM2PrivateKey  # the facade is what the hub uses; the baseline is raw tongsuopy


# --- the load client -------------------------------------------------------------------


def _request(path: str, headers: dict[str, str], body: bytes, port: int) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
             "Content-Type: application/json", f"Content-Length: {len(body)}"]  # fmt: skip
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _worker(
    port: int,
    make: Any,
    since: float,
    until: float,
    lat: list[float],
    errors: list[int],
    warm: list[int],
) -> None:
    """Sign over one keep-alive connection until `until`. Latencies count from `since`;
    before it only the successes (`warm`) and, as always, the errors."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            path, headers, body = make()
            start = time.perf_counter()
            writer.write(_request(path, headers, body, port))
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            status = int(status_line.split()[1])
            if status >= 400:
                errors.append(status)
            elif start < since:
                warm.append(1)
            else:
                lat.append(time.perf_counter() - start)
    except (ConnectionError, asyncio.IncompleteReadError):
        errors.append(-1)
    finally:
        writer.close()


def _run_client(main: Any) -> Any:
    """Run a load client's event loop on uvloop (as the hub's, uvicorn[standard]): the
    client shares the cores with the hub, and its cost should not hide the hub's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def _sign_maker(signer: Signer) -> Any:
    def make() -> tuple[str, dict[str, str], bytes]:
        body = json.dumps({"seal_id": signer.seal_id, "password": SEAL_PASSWORD,
                           "document_sm3": secrets.token_hex(32)}).encode()  # fmt: skip
        headers = {**signer.headers, "Idempotency-Key": secrets.token_hex(12)}
        return "/api/v1/signatures", headers, body

    return make


def _client_process(
    port: int, signers: list[Signer], conns: int, seconds: float, warmup: float, q: Any
) -> None:
    async def run() -> tuple[list[float], list[int], int]:
        lat: list[float] = []
        errors: list[int] = []
        warm: list[int] = []
        since = time.perf_counter() + warmup
        until = since + seconds
        await asyncio.gather(*(
            _worker(port, _sign_maker(signers[i % len(signers)]), since, until, lat, errors,
                    warm)
            for i in range(conns)
        ))  # fmt: skip
        return lat, errors, len(warm)

    q.put(_run_client(run()))


@dataclass
class LoadResult:
    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    warm_ok: int = 0  # successes during the warm-up (for CPU per operation)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds

    @property
    def all_ok(self) -> int:
        """Every success, the warm-up's too: what a CPU meter around the run saw."""
        return self.ok + self.warm_ok


def sign_load(
    port: int,
    signers: list[Signer],
    *,
    conns: int,
    seconds: float,
    processes: int = 1,
    warmup: float = 1.0,
) -> LoadResult:
    """`conns` keep-alive connections signing for `warmup` + `seconds`, from `processes`
    client processes; returns throughput and latency percentiles of the last `seconds`.

    The warm-up is not counted: opening the connections and growing the hub's database
    pools to the new concurrency made the first second's latencies up to 1.5 s on
    PostgreSQL at 64 connections, which is start-up, not the steady state measured."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    per = max(1, conns // processes)
    procs = [ctx.Process(target=_client_process, args=(port, signers, per, seconds, warmup, q))
             for _ in range(processes)]  # fmt: skip
    for p in procs:
        p.start()
    lat: list[float] = []
    errors: list[int] = []
    warm = 0
    for _ in procs:
        got_lat, got_err, got_warm = q.get(timeout=warmup + seconds + 120)
        lat += got_lat
        errors += got_err
        warm += got_warm
    for p in procs:
        p.join()
    lat.sort()

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    return LoadResult(ok=len(lat), errors=len(errors), seconds=seconds,
                      p50_ms=pct(0.50), p99_ms=pct(0.99), warm_ok=warm)  # fmt: skip


# --- the mixed-workload client (bench/load.py) ------------------------------------------


@dataclass(frozen=True)
class Call:
    """One HTTP request of an operation."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    content_type: str = "application/json"

    def encode(self, port: int) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines += [f"Content-Type: {self.content_type}", f"Content-Length: {len(self.body)}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


class Ops(Protocol):
    """Picklable source of operations for one connection: `ops()` -> (name, calls).
    An operation succeeds when every call answers < 400; its latency is all calls'."""

    def __call__(self) -> tuple[str, list[Call]]: ...


async def _read_status(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("server closed the connection")
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    else:
        await reader.readexactly(length)
    return int(status_line.split()[1])


async def _mix_worker(
    port: int,
    ops: Ops,
    until: float,
    lat: dict[str, list[float]],
    errors: dict[str, dict[int, int]],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            name, calls = ops()
            start = time.perf_counter()
            failed = 0
            try:
                for call in calls:
                    writer.write(call.encode(port))
                    status = await _read_status(reader)
                    if status >= 400:
                        failed = status
                        break
            except (ConnectionError, asyncio.IncompleteReadError):
                failed = -1  # counted, then a fresh connection
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if failed:
                bucket = errors.setdefault(name, {})
                bucket[failed] = bucket.get(failed, 0) + 1
            else:
                lat.setdefault(name, []).append(time.perf_counter() - start)
    finally:
        writer.close()


def _mix_client_process(lanes: Sequence[tuple[int, Ops]], seconds: float, q: Any) -> None:
    async def run() -> tuple[dict[str, list[float]], dict[str, dict[int, int]]]:
        lat: dict[str, list[float]] = {}
        errors: dict[str, dict[int, int]] = {}
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_mix_worker(port, ops, until, lat, errors)
                               for port, ops in lanes))  # fmt: skip
        return lat, errors

    q.put(_run_client(run()))


@dataclass
class OpResult:
    ok: int
    errors: dict[int, int]  # HTTP status (or -1: connection lost) -> count
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _percentile(sorted_lat: list[float], p: float) -> float:
    if not sorted_lat:
        return float("nan")
    return sorted_lat[min(len(sorted_lat) - 1, int(p * len(sorted_lat)))] * 1000


def mix_load(
    lanes: Sequence[tuple[int, Ops]], *, seconds: float, processes: int = 1
) -> dict[str, OpResult]:
    """One keep-alive connection per (port, ops) lane for `seconds`, the lanes spread over
    `processes` client processes; per-operation throughput, percentiles and errors."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    groups = [lanes[i::processes] for i in range(processes) if lanes[i::processes]]
    procs = [ctx.Process(target=_mix_client_process, args=(g, seconds, q)) for g in groups]
    for p in procs:
        p.start()
    lat: dict[str, list[float]] = {}
    errors: dict[str, dict[int, int]] = {}
    for _ in procs:
        got_lat, got_err = q.get(timeout=seconds + 120)
        for name, values in got_lat.items():
            lat.setdefault(name, []).extend(values)
        for name, counts in got_err.items():
            for status, n in counts.items():
                errors.setdefault(name, {})[status] = errors.get(name, {}).get(status, 0) + n
    for p in procs:
        p.join()
    results = {}
    for name in sorted(set(lat) | set(errors)):
        values = sorted(lat.get(name, []))
        results[name] = OpResult(ok=len(values), errors=errors.get(name, {}), seconds=seconds,
                                 p50_ms=_percentile(values, 0.50),
                                 p95_ms=_percentile(values, 0.95),
                                 p99_ms=_percentile(values, 0.99))  # fmt: skip
    return results


def hub_env(database_url: str, work: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SEALHUB_MASTER_KEY": base64.b64encode(os.urandom(16)).decode(),
        "SEALHUB_DATA_DIR": str(work),
        "SEALHUB_ACCESS_TOKEN_SECONDS": "3600",
    }


__all__ = [
    "Call",
    "LoadResult",
    "OpResult",
    "Ops",
    "Signer",
    "hub_env",
    "make_signer",
    "mix_load",
    "operator",
    "raw_sm2_signs_per_second",
    "sign_load",
    "statistics",
]


# --- CPU accounting: the figure that survives a busy machine -------------------------------
#
# Latency and throughput here move with whatever else the shared cores run. The CPU time
# the hub processes and their PostgreSQL backends burn per operation does not (much): it
# is what a dedicated machine's capacity follows from (cores / CPU seconds per op).

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / _TICK  # utime stime cutime cstime


def _process_tree(roots: list[int]) -> set[int]:
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = set(roots), list(roots)
    while frontier:
        pid = frontier.pop()
        kids = [c for c, p in parent.items() if p == pid and c not in tree]
        tree.update(kids)
        frontier += kids
    return tree


async def _backends(url: str) -> set[int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        # Client backends only: an autovacuum worker is the database's housekeeping,
        # not the cost of the requests being measured.
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = "
                                "current_database() AND pid <> pg_backend_pid() "
                                "AND backend_type = 'client backend'")  # fmt: skip
    finally:
        await conn.close()
    return {int(r["pid"]) for r in rows}


class CpuMeter:
    """CPU seconds used by the hub processes (and their workers) and by the PostgreSQL
    backends serving the database, between start() and stop()."""

    def __init__(self, hubs: list[HubProcess], url: str) -> None:
        self.roots = [h.proc.pid for h in hubs if h.proc is not None]
        self.url = url

    def _snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        hub = {pid: _cpu_seconds(pid) for pid in _process_tree(self.roots)}
        backends = asyncio.run(_backends(self.url)) if self.url.startswith("postgres") else set()
        pg = {pid: _cpu_seconds(pid) for pid in backends}
        return hub, pg

    def start(self) -> None:
        self.before = self._snapshot()

    def stop(self) -> tuple[float, float]:
        hub, pg = self._snapshot()

        def used(before: dict[int, float], now: dict[int, float]) -> float:
            return sum(cpu - before.get(pid, 0.0) for pid, cpu in now.items())

        return used(self.before[0], hub), used(self.before[1], pg)
