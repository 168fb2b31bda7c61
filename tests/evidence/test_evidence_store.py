"""Conformance of the `EvidenceStore` implementations: every test runs against the store
of each engine (`evidence_db` is parametrized over SQLite and PostgreSQL), so the log
above them may rely on one contract."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from hub.db import Statement, Write
from hub.evidence.checkpoint import SignedCheckpoint
from hub.evidence.merkle import MemoryHashStore, frontier, leaf_hash, nodes_for_root
from hub.evidence.service import store_for
from hub.evidence.store import EvidenceStore, Pending
from hub.evidence.store_postgres import PostgresEvidenceStore
from hub.evidence.store_sqlite import SqliteEvidenceStore
from hub.evidence.tables import EvidenceLogKey

_INSERT = (
    "INSERT INTO evidence_log_key (name, public_key_pem, wrapped_data_key,"
    " sealed_private_key, created_at) VALUES ({}, 'pem', 'w', 's', {})"
)
_INSERT_KEY = Statement(_INSERT + " ON CONFLICT (name) DO NOTHING RETURNING name")
_INSERT_STRICT = Statement(_INSERT)  # a name taken: a UNIQUE violation on either engine
_COUNT_KEYS = "SELECT count(*) AS n FROM evidence_log_key WHERE name LIKE {}"


@pytest.fixture
def store(evidence_db) -> EvidenceStore:
    return store_for(evidence_db)


def pending(tag: str, n: int, writes: tuple[Write, ...] = ()) -> Pending:
    return Pending("tenant-s", f"{tag}-{n}".encode(), f"lk:{tag}-{n}", writes)


def test_each_engine_has_its_own_store(evidence_db, store):
    expected = PostgresEvidenceStore if evidence_db.is_postgres else SqliteEvidenceStore
    assert type(store) is expected


async def test_a_batch_appends_in_order_at_the_end(store):
    tag = uuid.uuid4().hex[:8]
    before = await store.size()
    now = datetime.now(UTC)
    appended = await store.append([pending(tag, i) for i in range(5)], now)
    assert [a.index for a in appended] == list(range(before, before + 5))
    assert [a.leaf_hash for a in appended] == [leaf_hash(f"{tag}-{i}".encode()) for i in range(5)]
    assert all(a.rows == [] for a in appended)
    assert await store.size() == before + 5
    entries = await store.entries(before, before + 5)
    assert [(e.index, e.leaf) for e in entries] == [
        (before + i, f"{tag}-{i}".encode()) for i in range(5)
    ]


async def test_stored_nodes_are_the_tree_of_the_stored_leaves(store):
    await store.append([pending(uuid.uuid4().hex[:8], i) for i in range(7)], datetime.now(UTC))
    size = await store.size()
    memory = MemoryHashStore()
    for entry in await store.entries(0, size):
        memory.append(entry.leaf)
    for coords in (frontier(size), nodes_for_root(size)):
        nodes = await store.nodes(coords)
        assert nodes == {c: memory.get_node(*c) for c in coords}


async def test_find_by_leaf_hash_or_lookup(store):
    tag = uuid.uuid4().hex[:8]
    (appended,) = await store.append([pending(tag, 0)], datetime.now(UTC))
    by_hash = await store.find(leaf_hash_hex=appended.leaf_hash.hex())
    by_lookup = await store.find(lookup=f"lk:{tag}-0")
    assert by_hash == by_lookup and by_hash is not None and by_hash.index == appended.index
    assert await store.find(lookup=f"lk:{tag}-missing") is None


async def test_writes_commit_with_the_batch_and_each_gets_its_rows(store, evidence_db):
    tag = f"st-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    unkeyed = Write(_INSERT_KEY, (f"{tag}-u", now))
    keyed = Write(_INSERT_KEY, (f"{tag}-k", now), key=f"{tag}-k")
    again = Write(_INSERT_KEY, (f"{tag}-k", now), key=f"{tag}-k")  # conflicts: no row
    appended = await store.append(
        [pending(tag, 0, (unkeyed,)), pending(tag, 1, (keyed,)), pending(tag, 2)], now
    )
    assert appended[0].rows == [[{"name": f"{tag}-u"}]]
    assert bool(appended[1].rows[0]) and appended[2].rows == []
    (later,) = await store.append([pending(tag, 3, (again,))], now)
    assert later.rows == [[]]
    rows = await EvidenceLogKey.raw(_COUNT_KEYS, f"{tag}-%")
    assert rows[0]["n"] == 2


async def test_a_failing_write_undoes_its_whole_batch(store, evidence_db):
    tag = f"sf-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    before = await store.size()
    ok = Write(_INSERT_KEY, (f"{tag}-ok", now))
    fails = Write(_INSERT_STRICT, (f"{tag}-ok", now))  # the name `ok` just took
    with pytest.raises(Exception):  # noqa: B017 (each driver raises its own error type)
        await store.append([pending(tag, 0, (ok,)), pending(tag, 1, (fails,))], now)
    assert await store.size() == before
    assert await store.find(lookup=f"lk:{tag}-0") is None
    rows = await EvidenceLogKey.raw(_COUNT_KEYS, f"{tag}-%")
    assert rows[0]["n"] == 0
    (after,) = await store.append([pending(tag, 2)], now)  # the store still appends
    assert after.index == before


async def test_inside_a_transaction_the_batch_commits_or_rolls_back_with_it(store, evidence_db):
    tag = uuid.uuid4().hex[:8]
    before = await store.size()
    async with evidence_db.transaction():
        await store.append([pending(tag, 0)], datetime.now(UTC))
    assert await store.size() == before + 1
    with pytest.raises(RuntimeError, match="undo"):
        async with evidence_db.transaction():
            await store.append([pending(tag, 1)], datetime.now(UTC))
            raise RuntimeError("undo")
    assert await store.size() == before + 1
    assert await store.find(lookup=f"lk:{tag}-1") is None


async def test_concurrent_batches_never_share_a_slot(store):
    tag = uuid.uuid4().hex[:8]
    before = await store.size()
    batches = await asyncio.gather(
        *(
            store.append([pending(tag, 10 * b + i) for i in range(3)], datetime.now(UTC))
            for b in range(8)
        )
    )
    indexes = sorted(a.index for batch in batches for a in batch)
    assert indexes == list(range(before, before + 24))


async def test_checkpoints_are_kept_once_per_size(store):
    size = await store.size() + 1000  # a size no other test keeps
    first = SignedCheckpoint(f"origin\n{size}\nroot\n", "sig-1")
    await store.keep_checkpoint(size, first)
    await store.keep_checkpoint(size, SignedCheckpoint(f"origin\n{size}\nother\n", "sig-2"))
    assert await store.latest_checkpoint() == first
