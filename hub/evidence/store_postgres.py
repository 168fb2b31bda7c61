"""The evidence store on PostgreSQL: an append batch in as few round trips as it takes.

Any number of hub processes or replicas append to one log: each batch's transaction
first takes `pg_advisory_xact_lock(LOG_LOCK_KEY)` (held until it ends), so size and
frontier are read by one sequencer at a time; `idx` is also UNIQUE, so even a broken
lock could not duplicate a slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from hub.db import Statement, Write
from hub.evidence.merkle import PrefetchedStore, frontier
from hub.evidence.store import (
    ENTRY_INSERT,
    NODE_INSERT,
    Appended,
    Pending,
    Rows,
    TableReads,
    extend,
    split_coords,
)

# PostgreSQL advisory lock key of the log sequencer (any constant unique in the hub).
LOG_LOCK_KEY = 0x5EA1_E71D

# The frontier's stored hashes in one query: leaves from evidence_entry, nodes above them.
_FRONTIER_SQL = (
    "SELECT idx AS key, decode(leaf_hash, 'hex') AS hash, true AS leaf FROM evidence_entry"
    " WHERE idx = ANY($1::bigint[]) UNION ALL"
    " SELECT node_key, hash, false FROM evidence_node WHERE node_key = ANY($2::bigint[])"
)
# Both inserts of a batch as one statement (a data-modifying WITH).
_INSERTS_SQL = f"WITH entries AS ({ENTRY_INSERT.postgres_sql}) " + NODE_INSERT.postgres_sql.replace(
    "$1", "$7"
).replace("$2", "$8")


class PostgresEvidenceStore(TableReads):
    def __init__(self, engine: PostgresEngine) -> None:
        self.engine = engine

    async def append(self, batch: Sequence[Pending], now: datetime) -> list[Appended]:
        transaction = self.engine.current_transaction.get()
        if transaction is not None:  # the caller's transaction: on its connection
            return await _append(transaction.connection, batch, now)
        assert self.engine.pool is not None, "database not open"
        async with self.engine.pool.acquire() as conn, conn.transaction():
            return await _append(conn, batch, now)


async def _append(conn: Any, batch: Sequence[Pending], now: datetime) -> list[Appended]:
    """An append batch inside an open transaction on `conn` (asyncpg): four round trips
    (lock, size, frontier, both inserts) plus one per kind of write, where Piccolo's
    query building took ~20 for a batch of eight. Each await inside the transaction
    waits its turn on a busy event loop while the log's lock is held, stalling every
    other process's appends (at 64 connections: ~23 ms held, ~5 ms of it per round
    trip; COMMIT's WAL flush is part of it)."""
    await conn.execute(f"SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})")
    top = await conn.fetchval("SELECT max(idx) FROM evidence_entry")
    size = 0 if top is None else int(top) + 1
    leaves, wanted = split_coords(frontier(size))
    rows = await conn.fetch(_FRONTIER_SQL, leaves, list(wanted)) if size else []
    nodes = {(0, r["key"]) if r["leaf"] else wanted[r["key"]]: bytes(r["hash"]) for r in rows}
    entry_rows, node_rows, results = extend(PrefetchedStore(size, nodes), size, batch, now)
    await conn.execute(_INSERTS_SQL, *_columns(entry_rows, 6), *_columns(node_rows, 2))
    done = await _run_writes(conn, [pending.writes for pending in batch])
    return [Appended(index, lh, rows) for (index, lh), rows in zip(results, done, strict=True)]


def _columns(rows: Rows, width: int) -> list[list[Any]]:
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


async def _run_writes(
    conn: Any, writes_of: Sequence[Sequence[Write]]
) -> list[list[list[dict[str, Any]]]]:
    """Each queued write's rows. Writes that name the key their RETURNING gives back are
    pipelined, one round trip per statement (asyncpg fetchmany); others run one by one."""
    keyed: dict[Statement, list[Write]] = {}
    for writes in writes_of:
        for w in writes:
            if w.key is not None:
                keyed.setdefault(w.statement, []).append(w)
    returned: set[Any] = set()
    for statement, group in keyed.items():
        rows = await conn.fetchmany(statement.postgres, [w.args for w in group])
        returned.update(r[0] for r in rows)
    done = []
    for writes in writes_of:
        out = []
        for w in writes:
            if w.key is None:
                out.append([dict(r) for r in await conn.fetch(w.statement.postgres, *w.args)])
            else:
                out.append([{"key": w.key}] if w.key in returned else [])
        done.append(out)
    return done
