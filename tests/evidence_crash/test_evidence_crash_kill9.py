"""Issue 5, "Done when": kill -9 of the hub during a signing load, restart, and every
signing that was acknowledged to a client has an inclusion proof and the log's
consistency from the last checkpoint verifies.

The `crash` fixture does it once per engine: a real `sealhub serve` process (one worker:
its pid is the whole hub) is warmed up with two signings, then takes ~8 signings in
flight from httpx clients while a watcher fetches checkpoints; after ~2 s it gets
SIGKILL - no shutdown, no flush. A new process starts on the same database and keys.
The tests then check, against the restarted hub:

- every 201 a client got has an evidence package that verifies offline (verify_package,
  log key pinned) and an inclusion proof of its signature.made entry against the
  restarted hub's checkpoint;
- every checkpoint signed before the kill is consistent with the one after it;
- the stored log is entries 0..n-1 once each, their hashes make the signed tree, and no
  signing is logged twice;
- a signing whose client got no answer: a retry with its Idempotency-Key returns that
  signature or signs it fresh (never a 5xx, never a stuck "in progress");
- nothing half-written is visible: every signature the hub lists or replays has evidence.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from crash_support import (
    ORIGIN,
    SIGN,
    STALE_SECONDS,
    Attempt,
    Citizen,
    HubSetup,
    Load,
    Rows,
    read_rows,
    setup_citizen,
    sign_once,
    signing_client,
)

from hub.crypto import SM2PublicKey
from hub.evidence.checkpoint import Checkpoint, verify_checkpoint
from hub.evidence.merkle import (
    MemoryHashStore,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from hub.evidence.package import verify_package
from hub.process import HubProcess

pytestmark = [pytest.mark.slow]

IN_FLIGHT = 8
LOAD_SECONDS = 2.0
CHECKPOINT_EVERY = 0.25
WARM_UP = 2
LOG = "/api/v1/evidence/log"


@dataclass
class Crash:
    """What happened around the kill, and the hub restarted after it."""

    setup: HubSetup
    hub: HubProcess
    citizen: Citizen
    key: SM2PublicKey
    load: Load
    before_load: Checkpoint
    during: list[Checkpoint]  # verified by the watcher before the kill
    after: Checkpoint  # the restarted hub's first checkpoint
    acknowledged: list[Attempt]  # 201s before the kill (warm-up included)
    unanswered: list[Attempt]  # in flight at the kill: no answer
    rows: Rows  # the database right after the restart
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def last_before_kill(self) -> Checkpoint:
        return max([self.before_load, *self.during], key=lambda cp: cp.size)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.hub.url, timeout=30)


async def _checkpoint(client: httpx.AsyncClient, key: SM2PublicKey) -> Checkpoint:
    r = await client.get(LOG + "/checkpoint")
    assert r.status_code == 200, r.text
    signed = r.json()
    return verify_checkpoint(signed["text"], signed["signature"], key)


def _b64list(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


async def _consistent(client: httpx.AsyncClient, old: Checkpoint, new: Checkpoint) -> bool:
    r = await client.get(LOG + "/proof/consistency", params={"first": old.size, "second": new.size})
    assert r.status_code == 200, r.text
    proof = _b64list(r.json()["consistency_proof"])
    return verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)


async def _load_and_kill(
    hub: HubProcess, citizen: Citizen, key: SM2PublicKey, load: Load
) -> list[Checkpoint]:
    """~8 signings in flight and a watcher taking checkpoints; SIGKILL after LOAD_SECONDS.
    Returns the checkpoints the watcher verified before the kill."""
    seen: list[Checkpoint] = []
    limits = httpx.Limits(max_connections=IN_FLIGHT + 2)
    async with httpx.AsyncClient(base_url=hub.url, timeout=30, limits=limits) as client:

        async def watcher() -> None:
            while load.killed_at is None:
                try:
                    seen.append(await _checkpoint(client, key))
                except httpx.TransportError:
                    return
                await asyncio.sleep(CHECKPOINT_EVERY)

        signers = [asyncio.create_task(signing_client(client, citizen, load))
                   for _ in range(IN_FLIGHT)]  # fmt: skip
        watching = asyncio.create_task(watcher())
        await asyncio.sleep(LOAD_SECONDS)
        assert hub.proc is not None and hub.proc.poll() is None, "the hub died by itself"
        os.kill(hub.proc.pid, signal.SIGKILL)
        load.killed_at = time.monotonic()
        hub.proc.wait(timeout=10)
        await asyncio.wait_for(asyncio.gather(*signers, watching), timeout=40)
    return seen


@pytest.fixture(scope="module")
async def crash(hub_setup: HubSetup) -> AsyncIterator[Crash]:
    started = time.monotonic()
    first = HubProcess(hub_setup.env, log=hub_setup.work / "hub-before-kill.log").start()
    timings = {"first start": time.monotonic() - started}
    try:
        citizen = setup_citizen(first)
        load = Load()
        async with httpx.AsyncClient(base_url=first.url, timeout=30) as c:
            info = (await c.get(LOG)).json()
            assert info["origin"] == ORIGIN
            key = SM2PublicKey.from_pem(info["public_key_pem"].encode())
            # A hub's first signings are slow (~1 s; several at once share the cold
            # start): the load should meet a warm hub.
            for _ in range(WARM_UP):
                warm = await sign_once(c, citizen, load)
                assert warm.acknowledged, warm.error
            before_load = await _checkpoint(c, key)
        load_started = time.monotonic()
        during = await _load_and_kill(first, citizen, key, load)
        timings["load until SIGKILL"] = (load.killed_at or 0) - load_started
    finally:
        first.stop()  # a no-op once killed; the cleanup if anything above failed

    # Before the kill, every answer the hub gave was a signing.
    assert not load.refused, [(a.status, a.error) for a in load.refused[:5]]
    acknowledged, unanswered = load.acknowledged, load.unanswered
    assert len(acknowledged) >= WARM_UP + IN_FLIGHT, "the load did not get going"
    assert unanswered, "nothing was in flight at the kill"

    restart_started = time.monotonic()
    second = HubProcess(hub_setup.env, log=hub_setup.work / "hub-after-kill.log").start()
    timings["restart"] = time.monotonic() - restart_started
    try:
        async with httpx.AsyncClient(base_url=second.url, timeout=30) as c:
            info_after = (await c.get(LOG)).json()
            assert info_after["public_key_pem"] == info["public_key_pem"], "log key changed"
            after = await _checkpoint(c, key)
        rows = await read_rows(hub_setup.database_url, citizen.slug)
        result = Crash(setup=hub_setup, hub=second, citizen=citizen, key=key, load=load,
                       before_load=before_load, during=during, after=after,
                       acknowledged=acknowledged, unanswered=unanswered, rows=rows,
                       timings=timings)  # fmt: skip
        in_load = len(acknowledged) - WARM_UP
        latencies = sorted((a.answered or 0) - a.sent for a in acknowledged[WARM_UP:])
        logged = {e[3].removeprefix("sig:") for e in rows.entries if e[3]}
        print(
            f"\n[{hub_setup.engine}] {in_load} signings acknowledged in "
            f"{timings['load until SIGKILL']:.2f} s of load ({in_load / LOAD_SECONDS:.0f}/s, "
            f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms) + {WARM_UP} warm-up; "
            f"{len(unanswered)} in flight unanswered at SIGKILL; log size "
            f"{result.last_before_kill.size} at the last checkpoint before the kill "
            f"({len(during)} taken during the load), {after.size} after restart; "
            f"signature records left: "
            f"{sum(r[1] == 'done' and r[2] not in logged for r in rows.records)} "
            f"done-but-unlogged, {sum(r[1] == 'pending' for r in rows.records)} pending; "
            f"first start {timings['first start']:.1f} s, restart {timings['restart']:.1f} s"
        )
        yield result
    finally:
        second.stop()
        print(f"[{hub_setup.engine}] crash scenario and checks: {time.monotonic() - started:.1f} s")


async def _verify_signing(
    client: httpx.AsyncClient, crash: Crash, attempt: Attempt, cp: Checkpoint
) -> int:
    """An acknowledged signing's evidence: its package verifies offline, and its
    signature.made entry is in the tree of `cp`. Returns the entry's index."""
    assert attempt.answer is not None
    r = await client.get(
        f"/api/v1/evidence/signatures/{attempt.answer['id']}", headers=crash.citizen.headers
    )
    assert r.status_code == 200, f"acknowledged signing {attempt.answer['id']}: {r.text}"
    package = r.json()
    report = verify_package(package, log_public_key=crash.key)
    assert report.intact, [(c.name, c.detail) for c in report.failed]
    assert package["ses_signature"] == attempt.answer["signature"]
    assert package["document_sm3"] == attempt.document_sm3
    made = [e for e in package["entries"] if e["event"]["type"] == "signature.made"]
    assert len(made) == 1, package["entries"]
    index, leaf = made[0]["index"], base64.b64decode(made[0]["leaf"])
    assert index < cp.size, (index, cp.size)
    r = await client.get(LOG + "/proof/inclusion", params={"tree_size": cp.size, "index": index})
    assert r.status_code == 200, r.text
    proof = _b64list(r.json()["inclusion_proof"])
    assert verify_inclusion(leaf_hash(leaf), index, cp.size, proof, cp.root_hash), index
    return int(index)


async def test_every_acknowledged_signing_has_verifying_evidence(crash: Crash) -> None:
    started = time.monotonic()
    async with crash.client() as client:
        indices = [await _verify_signing(client, crash, a, crash.after)
                   for a in crash.acknowledged]  # fmt: skip
    assert len(set(indices)) == len(indices), "two signings share an entry"
    print(
        f"[{crash.setup.engine}] {len(indices)} evidence packages verified offline "
        f"+ inclusion proofs in {time.monotonic() - started:.1f} s"
    )


async def test_checkpoints_before_the_kill_are_consistent_with_after(crash: Crash) -> None:
    assert crash.after.origin == ORIGIN
    assert crash.after.size >= crash.last_before_kill.size
    async with crash.client() as client:
        for old in [crash.before_load, *crash.during]:
            assert await _consistent(client, old, crash.after), (old.size, crash.after.size)


def test_log_has_no_gaps_or_duplicates(crash: Crash) -> None:
    entries = crash.rows.entries
    assert [e[0] for e in entries] == list(range(len(entries))), "gap or duplicate index"
    store = MemoryHashStore()
    for _, leaf, hash_hex, _ in entries:
        assert leaf_hash(leaf).hex() == hash_hex
        store.append(leaf)
    assert len({e[2] for e in entries}) == len(entries), "an entry logged twice"
    assert root_hash(store, crash.after.size) == crash.after.root_hash
    lookups = [e[3] for e in entries if e[3]]
    assert len(lookups) == len(set(lookups)), "a signing logged twice"
    made_ids = [event["subject"]["signature_id"]
                for event in (json.loads(e[1]) for e in entries)
                if event["type"] == "signature.made"]  # fmt: skip
    assert len(made_ids) == len(set(made_ids)), "a signature.made logged twice"


async def _retry(client: httpx.AsyncClient, crash: Crash, attempt: Attempt) -> httpx.Response:
    return await client.post(
        SIGN,
        json=attempt.body(crash.citizen.seal_id),
        headers={**crash.citizen.headers, "Idempotency-Key": attempt.key},
    )


async def test_retry_of_an_unanswered_signing_never_fails(crash: Crash) -> None:
    """No 5xx, and a 201 is final: retried again, it is the same signature. A 409 is
    only ever a reservation the kill left behind (the next test is about those)."""
    pending = {r[3] for r in crash.rows.records if r[1] == "pending"}
    outcomes: dict[str, int] = {}
    async with crash.client() as client:
        for attempt in crash.unanswered:
            r = await _retry(client, crash, attempt)
            outcome = (
                ("replayed" if r.json()["replayed"] else "fresh")
                if r.status_code == 201
                else str(r.status_code)
            )
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            assert r.status_code in (201, 409), f"retry -> {r.status_code} {r.text[:300]}"
            if r.status_code == 409:
                assert "in progress" in r.json()["detail"], r.text
                assert attempt.document_sm3 in pending, "409 without a reservation left"
                continue
            assert r.json()["document_sm3"] == attempt.document_sm3
            again = await _retry(client, crash, attempt)
            assert again.status_code == 201, again.text
            assert again.json()["replayed"] is True
            assert again.json()["signature"] == r.json()["signature"]
    print(f"[{crash.setup.engine}] retries of the {len(crash.unanswered)} unanswered: {outcomes}")


async def test_no_reservation_is_stuck_after_the_kill(crash: Crash) -> None:
    """Once the stale limit has passed, a retry takes over what the kill abandoned."""
    assert crash.load.killed_at is not None
    wait = crash.load.killed_at + STALE_SECONDS + 1 - time.monotonic()
    if wait > 0:
        await asyncio.sleep(wait)
    async with crash.client() as client:
        stuck = [a.key for a in crash.unanswered
                 if (await _retry(client, crash, a)).status_code == 409]  # fmt: skip
    assert not stuck, f"{len(stuck)} Idempotency-Keys answer 409 'in progress' for good"


async def test_no_listed_or_replayed_signature_lacks_evidence(crash: Crash) -> None:
    async with crash.client() as client:
        r = await client.get(SIGN, headers=crash.citizen.headers)
        assert r.status_code == 200, r.text
        listed = {s["id"] for s in r.json()}
        known = {a.answer["id"] for a in crash.acknowledged if a.answer}
        assert known <= listed
        # A 201 to a retry acknowledges an unanswered signing: it needs evidence too.
        # (Reservations stuck at 409 are the previous test's.)
        retried_ok = []
        for attempt in crash.unanswered:
            r = await _retry(client, crash, attempt)
            assert r.status_code in (201, 409), r.text
            if r.status_code == 201:
                attempt.status, attempt.answer = 201, r.json()
                retried_ok.append(attempt)
        final = await _checkpoint(client, crash.key)
        assert await _consistent(client, crash.after, final)
        missing = []
        for attempt in retried_ok:
            try:
                await _verify_signing(client, crash, attempt, final)
            except AssertionError as exc:
                missing.append(
                    f"replayed/retried {attempt.answer and attempt.answer['id']}: {str(exc)[:160]}"
                )
        retried = {a.answer["id"] for a in retried_ok if a.answer}
        for signature_id in sorted(listed - known - retried):
            r = await client.get(
                f"/api/v1/evidence/signatures/{signature_id}", headers=crash.citizen.headers
            )
            if r.status_code != 200:
                missing.append(f"listed {signature_id}: {r.status_code}")
            elif not verify_package(r.json(), log_public_key=crash.key).intact:
                missing.append(f"listed {signature_id}: package does not verify")
    assert not missing, missing
