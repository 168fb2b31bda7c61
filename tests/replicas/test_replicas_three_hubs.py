"""Issue 8, several replicas: three `sealhub serve` processes on one PostgreSQL database.

Concurrent signing spread over the three gives one evidence log (entries 0..n-1 once
each, one tree every replica's checkpoint is consistent with, an inclusion proof for
every acknowledged signing, evidence packages served by any replica); an
Idempotency-Key signs once whichever replicas see it; wrong seal passwords count in the
database and the lockout holds on every replica; and the replicas' own /metrics add up
to what was sent.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
import time
from typing import Any

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from replicas_support import REPLICAS, SEAL_PASSWORD, Cluster

from hub.crypto import SM2PublicKey, sm3
from hub.evidence.checkpoint import Checkpoint, verify_checkpoint
from hub.evidence.merkle import MemoryHashStore, leaf_hash, verify_consistency, verify_inclusion
from hub.evidence.package import verify_package

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CLIENTS_PER_REPLICA = 4
SIGNINGS_PER_CLIENT = 10
SIGN = "/api/v1/signatures"


def _sign_body(
    seal_id: str, password: str = SEAL_PASSWORD, digest: str | None = None
) -> dict[str, str]:
    return {
        "seal_id": seal_id,
        "password": password,
        "document_sm3": digest or secrets.token_hex(32),
    }


def _count(cluster: Cluster, replica: int, r: httpx.Response) -> None:
    if r.status_code == 201:
        cluster.sign_2xx[replica] += 1
        if not r.json()["replayed"]:
            cluster.new_signings[replica] += 1


async def _db(cluster: Cluster) -> asyncpg.Connection:
    return await asyncpg.connect(cluster.database_url)


async def _checkpoint(client: httpx.AsyncClient, key: SM2PublicKey) -> Checkpoint:
    r = await client.get("/api/v1/evidence/log/checkpoint")
    assert r.status_code == 200, r.text
    signed = r.json()
    return verify_checkpoint(signed["text"], signed["signature"], key)


def _b64list(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


async def test_concurrent_signing_on_three_replicas_makes_one_log(cluster: Cluster) -> None:
    seal_id = cluster.citizen.seal_ids[0]
    clients = [httpx.AsyncClient(base_url=u, timeout=60) for u in cluster.urls]
    try:
        infos = [(await c.get("/api/v1/evidence/log")).json() for c in clients]
        assert len({i["public_key_pem"] for i in infos}) == 1, "replicas disagree on the log key"
        assert {i["origin"] for i in infos} == {"replicas.sealhub.test"}
        key = SM2PublicKey.from_pem(infos[0]["public_key_pem"].encode())

        acknowledged: list[dict[str, Any]] = []
        failures: list[str] = []
        checkpoints: list[tuple[int, Checkpoint]] = []
        done = asyncio.Event()

        async def signer(replica: int) -> None:
            for _ in range(SIGNINGS_PER_CLIENT):
                r = await clients[replica].post(
                    SIGN, json=_sign_body(seal_id),
                    headers={**cluster.citizen.headers,
                             "Idempotency-Key": secrets.token_hex(12)})  # fmt: skip
                _count(cluster, replica, r)
                if r.status_code == 201:
                    acknowledged.append({**r.json(), "made_on": replica})
                else:
                    failures.append(f"replica {replica}: {r.status_code} {r.text[:200]}")

        async def watcher() -> None:
            # Checkpoints while the log grows, from every replica in turn.
            for replica in itertools.cycle(range(REPLICAS)):
                checkpoints.append((replica, await _checkpoint(clients[replica], key)))
                if done.is_set():
                    return
                await asyncio.sleep(0.05)

        watching = asyncio.create_task(watcher())
        started = time.monotonic()
        await asyncio.gather(*(signer(replica) for replica in range(REPLICAS)
                               for _ in range(CLIENTS_PER_REPLICA)))  # fmt: skip
        elapsed = time.monotonic() - started
        done.set()
        await watching
        for replica in range(REPLICAS):  # and once more each, after the traffic
            checkpoints.append((replica, await _checkpoint(clients[replica], key)))

        sent = REPLICAS * CLIENTS_PER_REPLICA * SIGNINGS_PER_CLIENT
        assert not failures, failures[:5]
        assert len(acknowledged) == sent
        print(
            f"\n{sent} signings over {REPLICAS} replicas in {elapsed:.1f} s; "
            f"{len(checkpoints)} checkpoints"
        )

        # -- one log: entries 0..n-1 once each, hashes right, no duplicated signing ------
        conn = await _db(cluster)
        try:
            rows = await conn.fetch(
                "SELECT idx, leaf, leaf_hash, lookup FROM evidence_entry ORDER BY idx"
            )
        finally:
            await conn.close()
        size = len(rows)
        assert [r["idx"] for r in rows] == list(range(size)), "gap or duplicate index"
        store = MemoryHashStore()
        for r in rows:
            assert leaf_hash(bytes(r["leaf"])).hex() == r["leaf_hash"]
            store.append(bytes(r["leaf"]))
        assert len({r["leaf_hash"] for r in rows}) == size, "the same entry logged twice"
        lookups = [r["lookup"] for r in rows if r["lookup"]]
        assert len(lookups) == len(set(lookups)), "a signing logged twice"
        index_of = {r["lookup"]: r["idx"] for r in rows if r["lookup"]}

        # -- no fork: every checkpoint of every replica is a prefix of that one tree -----
        final = max(cp.size for _, cp in checkpoints)
        assert final == size, (final, size)
        for replica, cp in checkpoints:
            assert cp.origin == "replicas.sealhub.test"
            assert cp.root_hash == store_root(store, cp.size), f"replica {replica} forked"
        sizes = sorted({cp.size for _, cp in checkpoints})
        roots = {cp.size: cp.root_hash for _, cp in checkpoints}
        assert len(sizes) >= 2, "the watcher saw the log grow at least once"
        for n, (first, second) in enumerate(itertools.pairwise(sizes)):
            asker = clients[n % REPLICAS]  # proofs from any replica agree
            r = await asker.get(
                "/api/v1/evidence/log/proof/consistency", params={"first": first, "second": second}
            )
            assert r.status_code == 200, r.text
            proof = _b64list(r.json()["consistency_proof"])
            assert verify_consistency(first, second, roots[first], roots[second], proof), (
                first,
                second,
            )

        # -- every acknowledged signing is in the log, with an inclusion proof -----------
        root = roots[size]
        for n, ack in enumerate(acknowledged):
            der = base64.b64decode(ack["signature"])
            index = index_of["sig:" + sm3(der).hex()]
            r = await clients[n % REPLICAS].get(
                "/api/v1/evidence/log/proof/inclusion",
                params={"tree_size": size, "index": index})  # fmt: skip
            assert r.status_code == 200, r.text
            proof = _b64list(r.json()["inclusion_proof"])
            assert verify_inclusion(bytes.fromhex(rows[index]["leaf_hash"]), index, size,
                                    proof, root)  # fmt: skip
            assert json.loads(bytes(rows[index]["leaf"]))["type"] == "signature.made"

        # A signing made on one replica, its evidence package fetched from another:
        # verifies offline against the log key every replica published.
        made_on_0 = next(a for a in acknowledged if a["made_on"] == 0)
        r = await clients[2].get(f"/api/v1/evidence/signatures/{made_on_0['id']}",
                                 headers=cluster.citizen.headers)  # fmt: skip
        assert r.status_code == 200, r.text
        report = verify_package(r.json(), log_public_key=key)
        assert report.intact, report.to_dict()
    finally:
        for c in clients:
            await c.aclose()


def store_root(store: MemoryHashStore, size: int) -> bytes:
    from hub.evidence.merkle import root_hash

    return root_hash(store, size)


async def test_idempotency_key_signs_once_across_replicas(cluster: Cluster) -> None:
    seal_id = cluster.citizen.seal_ids[0]
    key = "replica-idem-" + secrets.token_hex(8)
    body = _sign_body(seal_id)
    headers = {**cluster.citizen.headers, "Idempotency-Key": key}
    clients = [httpx.AsyncClient(base_url=u, timeout=60) for u in cluster.urls]
    try:
        # The same request at the same moment on two replicas, then retried on the third.
        first = await asyncio.gather(
            clients[0].post(SIGN, json=body, headers=headers),
            clients[1].post(SIGN, json=body, headers=headers),
        )
        for replica, r in enumerate(first):
            _count(cluster, replica, r)
            # The loser of the race is told the request is in progress (retry later).
            assert r.status_code in (201, 409), r.text
        answers = [r.json() for r in first if r.status_code == 201]
        for replica in (1, 2):
            for _ in range(50):
                r = await clients[replica].post(SIGN, json=body, headers=headers)
                _count(cluster, replica, r)
                if r.status_code != 409:
                    break
                await asyncio.sleep(0.1)
            assert r.status_code == 201, r.text
            answers.append(r.json())
        assert len({a["signature"] for a in answers}) == 1, "signed twice"
        assert len({a["id"] for a in answers}) == 1
        assert [a["replayed"] for a in answers].count(False) == 1
        # The same key with another document: refused on any replica.
        r = await clients[2].post(SIGN, json=_sign_body(seal_id), headers=headers)
        assert r.status_code == 409, r.text
    finally:
        for c in clients:
            await c.aclose()
    conn = await _db(cluster)
    try:
        records = await conn.fetch(
            "SELECT status, signature_sm3 FROM signature_record WHERE idempotency_key = $1", key
        )
        logged = await conn.fetchval(
            "SELECT count(*) FROM evidence_entry WHERE lookup = $1",
            "sig:" + sm3(base64.b64decode(answers[0]["signature"])).hex(),
        )
    finally:
        await conn.close()
    assert [r["status"] for r in records] == ["done"]
    assert logged == 1


async def test_password_lockout_holds_across_replicas(cluster: Cluster) -> None:
    seal_id = cluster.citizen.seal_ids[1]
    citizen = cluster.citizen.headers
    clients = [httpx.AsyncClient(base_url=u, timeout=60) for u in cluster.urls]

    async def guess(replica: int, password: str) -> httpx.Response:
        r = await clients[replica].post(
            SIGN, json=_sign_body(seal_id, password),
            headers={**citizen, "Idempotency-Key": secrets.token_hex(12)})  # fmt: skip
        _count(cluster, replica, r)
        return r

    conn = await _db(cluster)
    try:
        policy = (
            await clients[1].get("/api/v1/policy", headers=cluster.citizen.admin_headers)
        ).json()
        max_failures = int(policy["password_max_failures"])
        assert max_failures >= 3

        async def failures() -> tuple[int, Any]:
            row = await conn.fetchrow(
                "SELECT password_failures, password_locked_until FROM seal WHERE id = $1",
                seal_id)  # fmt: skip
            return row["password_failures"], row["password_locked_until"]

        # Two wrong guesses on two replicas: each counted in the row.
        for n, replica in enumerate((0, 1), start=1):
            r = await guess(replica, "wrong-" + secrets.token_hex(4))
            assert r.status_code == 403, r.text
            assert await failures() == (n, None)
        # The rest at once, spread over all three: every one counts, exactly one locks.
        burst = await asyncio.gather(*(
            guess(n % REPLICAS, "wrong-" + secrets.token_hex(4))
            for n in range(max_failures - 2)))  # fmt: skip
        assert [r.status_code for r in burst] == [403] * (max_failures - 2)
        count, locked_until = await failures()
        assert locked_until is not None, "the seal did not lock after max failures"
        assert count == 0  # the counter starts over for after the lockout
        # Locked on every replica, even for the right password.
        for replica in range(REPLICAS):
            r = await guess(replica, SEAL_PASSWORD)
            assert r.status_code == 423, r.text
        lockouts = await conn.fetch("SELECT leaf FROM evidence_entry")
        events = [json.loads(bytes(r["leaf"])) for r in lockouts]
        locks = [
            e
            for e in events
            if e["type"] == "password.lockout" and e["subject"].get("seal_id") == seal_id
        ]
        assert len(locks) == 1, "one lockout, logged once"
        # The other seal of the same citizen is unaffected.
        r = await clients[2].post(
            SIGN, json=_sign_body(cluster.citizen.seal_ids[0]),
            headers={**citizen, "Idempotency-Key": secrets.token_hex(12)})  # fmt: skip
        _count(cluster, 2, r)
        assert r.status_code == 201, r.text
    finally:
        await conn.close()
        for c in clients:
            await c.aclose()


def _sum(text: str, metric: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == metric and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


async def test_replica_metrics_add_up_to_what_was_sent(cluster: Cluster) -> None:
    """Counts this test's own signings (a different number per replica) and whatever the
    module's other tests sent before it."""
    async with httpx.AsyncClient(timeout=30) as c:
        for replica, count in enumerate((2, 3, 4)):
            for _ in range(count):
                r = await c.post(cluster.urls[replica] + SIGN,
                                 json=_sign_body(cluster.citizen.seal_ids[0]),
                                 headers={**cluster.citizen.headers,
                                          "Idempotency-Key": secrets.token_hex(12)})  # fmt: skip
                assert r.status_code == 201, r.text
                _count(cluster, replica, r)
        texts = [(await c.get(u + "/metrics")).text for u in cluster.urls]
    signatures = [_sum(t, "sealhub_signatures_total") for t in texts]
    sign_2xx = [_sum(t, "sealhub_http_requests_total", route=SIGN, method="POST",
                     status_class="2xx") for t in texts]  # fmt: skip
    assert sum(cluster.new_signings) > 0
    # Per replica and in sum: the counters are exactly what the clients were told.
    assert signatures == [float(n) for n in cluster.new_signings]
    assert sign_2xx == [float(n) for n in cluster.sign_2xx]
    conn = await _db(cluster)
    try:
        in_db = await conn.fetchval("SELECT count(*) FROM signature_record WHERE status = 'done'")
    finally:
        await conn.close()
    assert sum(signatures) == in_db == sum(cluster.new_signings)
