"""The database-backed log on SQLite and PostgreSQL: sequencing, proofs, packages, crashes.

Runs on a database of its own per engine (`evidence_db`, module-scoped and shared by the
tests here): nothing assumes the log starts empty.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from evidence_support import sign_with_log

from hub.crypto import SM2PrivateKey, sm3
from hub.errors import CryptoError
from hub.evidence.checkpoint import Checkpoint, verify_checkpoint
from hub.evidence.events import Event, EventType, approval_ext_data
from hub.evidence.merkle import (
    MemoryHashStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from hub.evidence.package import verify_package
from hub.evidence.service import EvidenceLog, event_from_record, load_log_key
from hub.evidence.tables import EvidenceLogKey
from hub.formats import assemble_signature_v4, build_tbs_sign_v4

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@pytest.fixture
async def log(evidence_db, master_key):
    log = await EvidenceLog.open(evidence_db, origin="sealhub.test", master_key=master_key)
    yield log
    await log.close()


async def memory_copy(log: EvidenceLog) -> tuple[MemoryHashStore, list[bytes]]:
    size = await log.size()
    entries = await log.entries(0, size)
    assert [e.index for e in entries] == list(range(size))  # gap-free, in order
    store = MemoryHashStore()
    for e in entries:
        assert e.leaf_hash == leaf_hash(e.leaf)
        store.append(e.leaf)
    return store, [e.leaf for e in entries]


def event(tag: str, n: int) -> Event:
    return Event(
        EventType.SEAL_MADE, "tenant-x", datetime.now(UTC), subject={"seal_id": f"{tag}-{n}"}
    )


async def test_concurrent_appends_are_sequenced_and_proved(log):
    before = await log.size()
    results = await asyncio.gather(*(log.append(event("conc", i)) for i in range(120)))
    indexes = sorted(r.index for r in results)
    assert indexes == list(range(before, before + 120))
    store, _ = await memory_copy(log)
    size = store.size()
    assert await log.root_hash(size) == root_hash(store, size)
    for r in results[::17]:
        proof = await log.inclusion_proof(r.index, size)
        assert proof == inclusion_proof(store, r.index, size)
        assert verify_inclusion(r.leaf_hash, r.index, size, proof, root_hash(store, size))
    for old in (0, 1, before, before + 60, size - 1, size):
        proof = await log.consistency_proof(old, size)
        assert proof == consistency_proof(store, old, size)
        assert verify_consistency(old, size, root_hash(store, old), root_hash(store, size), proof)


async def test_checkpoint_is_signed_and_stored(log):
    await log.append(event("cp", 0))
    signed = await log.checkpoint()
    cp = verify_checkpoint(signed.text, signed.signature, log.log_key.public_key)
    assert cp.origin == "sealhub.test" and cp.size == await log.size()
    assert cp.root_hash == await log.root_hash(cp.size)
    stored = await log.latest_stored_checkpoint()
    assert stored is not None and Checkpoint.parse(stored.text).size >= cp.size


async def test_log_key_is_sealed_at_rest(evidence_db, master_key, log):
    rows = await EvidenceLogKey.select().where(EvidenceLogKey.name == "log-key")
    assert len(rows) == 1
    row = rows[0]
    assert log.log_key.to_der() not in bytes(row["sealed_private_key"])
    assert row["public_key_pem"] == log.log_key.public_key.to_pem().decode()
    again = await load_log_key(evidence_db, master_key)
    assert again.public_key == log.log_key.public_key  # one key for every replica
    with pytest.raises(CryptoError):
        await load_log_key(evidence_db, os.urandom(16))


def test_record_mapping_of_service_fields():
    ev = event_from_record(
        "7d0c",
        "signature.made",
        {
            "signature": "s1",
            "seal": "seal-9",
            "document_sm3": "ab" * 32,
            "signature_sm3": "cd" * 32,
            "approval_leaf": None,
            "vendor": "local",
        },
    )
    assert ev.type is EventType.SIGNATURE_MADE and ev.tenant == "7d0c"
    assert ev.subject == {"signature_id": "s1", "seal_id": "seal-9", "vendor": "local"}
    assert ev.digests == {"document_sm3": "ab" * 32, "ses_signature_sm3": "cd" * 32}
    assert event_from_record("t", "use.approved", {"use_request": "u"}).type is (
        EventType.USE_REQUEST_APPROVED
    )
    assert event_from_record("t", "seal.revoked", {"seal": "s", "reason": "更名"}).details == {
        "reason": "更名"
    }


async def test_package_from_the_database_log_verifies(log):
    """The signing flow against the DB log: approval recorded, bound into TBS_Sign, signed,
    signature recorded; the package built from the database verifies offline."""
    base = sign_with_log(approved=False)  # PKI + seal; its in-memory log is not used
    document = "用印审批测试".encode()
    approval_leaf = await log.record(
        "tenant-a",
        "use.approved",
        {"use_request": "ur-77", "seal": "seal-1", "document_sm3": sm3(document).hex()},
    )
    tbs = build_tbs_sign_v4(
        seal_der=base.seal,
        time=datetime.now(UTC) - timedelta(seconds=1),
        data_hash=sm3(document),
        property_info="doc.pdf",
        ext_datas=[approval_ext_data(bytes.fromhex(approval_leaf))],
    )
    ses = assemble_signature_v4(
        tbs_sign=tbs, signer_cert=base.signer_cert.der, signature=base.signer_key.sign(tbs)
    )
    await log.record(
        "tenant-a",
        "signature.made",
        {
            "signature": "sig-77",
            "seal": "seal-1",
            "document_sm3": sm3(document).hex(),
            "signature_sm3": sm3(ses).hex(),
            "approval_leaf": approval_leaf,
        },
    )
    package = await log.package(ses, sm3(document))
    report = verify_package(package, log_public_key=log.log_key.public_key)
    assert report.intact, report.to_text()
    assert package["approval"]["leaf_hash"] == approval_leaf


def _writer(db, master_key: bytes, count: int, tag: str) -> subprocess.Popen[str]:
    master = base64.b64encode(master_key).decode()
    return subprocess.Popen(
        [
            sys.executable,
            str(HERE / "evidence_writer.py"),
            db.settings.url,
            master,
            str(count),
            tag,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.mark.slow
async def test_two_processes_never_fork_the_log(evidence_db, master_key, log):
    before = await log.size()
    tag = os.urandom(3).hex()
    procs = [_writer(evidence_db, master_key, 150, f"{tag}{p}") for p in (1, 2)]
    # This process appends at the same time, through its own sequencer.
    mine = await asyncio.gather(*(log.append(event(tag, i)) for i in range(50)))
    for proc in procs:
        _out, err = await asyncio.to_thread(proc.communicate, timeout=120)
        assert proc.returncode == 0, err
    store, leaves = await memory_copy(log)  # asserts gap-free indexes
    new = [Event.decode(leaf) for leaf in leaves[before:]]
    ids = [e.subject.get("signature_id") or e.subject.get("seal_id") for e in new]
    for p in (1, 2):
        assert sum(1 for i in ids if i and i.startswith(f"{tag}{p}-")) == 150
    assert len(set(ids)) == len(ids)  # no duplicates
    assert {r.index for r in mine} <= set(range(before, store.size()))
    assert await log.root_hash(store.size()) == root_hash(store, store.size())


@pytest.mark.slow
async def test_kill_9_loses_no_acknowledged_entry(evidence_db, master_key, log):
    await log.append(event("pre-kill", 0))
    last = await log.checkpoint()  # the checkpoint published before the crash
    proc = _writer(evidence_db, master_key, 0, "k" + os.urandom(3).hex())
    acked: list[tuple[int, str]] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while len(acked) < 150 and time.monotonic() < deadline:
        line = await asyncio.to_thread(proc.stdout.readline)
        if not line:
            break
        _, index, lh = line.split()
        acked.append((int(index), lh))
    proc.send_signal(signal.SIGKILL)  # mid-batch: some appends are in flight
    proc.wait(timeout=30)
    assert len(acked) >= 150, proc.stderr.read() if proc.stderr else ""

    # "Restart": a fresh sequencer on the same database.
    reopened = await EvidenceLog.open(log.db, origin="sealhub.test", master_key=master_key)
    await reopened.append(event("post-kill", 0))  # the log still appends after the crash
    store, _ = await memory_copy(reopened)
    size = store.size()
    root = await reopened.root_hash(size)
    for index, lh in acked:
        proof = await reopened.inclusion_proof(index, size)
        assert verify_inclusion(bytes.fromhex(lh), index, size, proof, root), index
    old = Checkpoint.parse(last.text)
    proof = await reopened.consistency_proof(old.size, size)
    assert verify_consistency(old.size, size, old.root_hash, root, proof)
    new = await reopened.checkpoint()
    assert verify_checkpoint(new.text, new.signature, reopened.log_key.public_key).size >= size


def test_unknown_record_kind_is_a_format_error():
    from hub.errors import FormatError

    with pytest.raises(FormatError):
        event_from_record("t", "seal.eaten", {})
    assert SM2PrivateKey  # imported for the key tests above


async def test_record_inside_a_transaction_commits_with_it(evidence_db, log):
    before = await log.size()
    async with evidence_db.transaction():
        leaf = await log.record("tenant-tx", "seal.suspended", {"seal": "in-tx"})
    entry = await log.find(leaf_hash_hex=leaf)
    assert entry.index == before
    with pytest.raises(RuntimeError, match="boom"):
        async with evidence_db.transaction():
            await log.record("tenant-tx", "seal.suspended", {"seal": "rolled-back"})
            raise RuntimeError("boom")
    assert await log.size() == before + 1  # the rolled-back event left no entry
    appended = await log.append(event("after-rollback", 0))
    assert appended.index == before + 1


async def test_writes_commit_with_their_entry_and_each_gets_its_own_rows(log):
    """`append(event, writes)`: a batch's writes run in its transaction (pipelined per statement
    on PostgreSQL when keyed), and each caller gets the rows of its own writes: here
    every other insert conflicts with a row made before, so it matched nothing."""
    import uuid

    from hub.db import Statement, Write

    insert = Statement(
        "INSERT INTO evidence_log_key (name, public_key_pem, wrapped_data_key,"
        " sealed_private_key, created_at) VALUES ({}, 'pem', {}, {}, {})"
        " ON CONFLICT (name) DO NOTHING RETURNING name"
    )
    tag = uuid.uuid4().hex[:8]
    names = [f"test-{tag}-{i}" for i in range(40)]
    now = datetime.now(UTC)

    def made(name: str) -> list[Write]:
        return [Write(insert, (name, b"w", b"s", now), key=name)]

    await asyncio.gather(*(log.append(event(tag, i), made(names[i]))
                           for i in range(0, 40, 2)))  # fmt: skip
    recorded = await asyncio.gather(*(log.append(event(tag, 100 + i), made(n))
                                      for i, n in enumerate(names)))  # fmt: skip
    for i, r in enumerate(recorded):
        assert bool(r.rows[0]) is (i % 2 == 1), (i, r.rows)
    size = await log.size()
    mine = {r.index for r in recorded}
    assert len(mine) == 40 and max(mine) < size
    rows = await EvidenceLogKey.raw(
        "SELECT count(*) AS n FROM evidence_log_key WHERE name LIKE {}", f"test-{tag}-%"
    )
    assert rows[0]["n"] == 40
