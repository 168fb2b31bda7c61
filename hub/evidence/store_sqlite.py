"""The evidence store on SQLite: an append batch is one hop to the writer's thread.

The whole batch (size, frontier, inserts, the writes queued with it) runs as plain
sqlite3 calls on one connection's thread, so the database write lock is held for the
batch's statements only, never across round trips to a busy event loop (which would
stall every other writer of every process meanwhile). Outside a transaction the hop is
`PooledSQLiteEngine.run_write` (writer lock, flock, BEGIN IMMEDIATE ... COMMIT); inside
the caller's transaction it is the same work on that transaction's connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from hub.db import PooledSQLiteEngine
from hub.evidence.merkle import PrefetchedStore, frontier
from hub.evidence.store import (
    ENTRY_INSERT,
    NODE_INSERT,
    Appended,
    Pending,
    TableReads,
    extend,
    found,
    leaf_hashes_sql,
    node_hashes_sql,
    split_coords,
)


class SqliteEvidenceStore(TableReads):
    def __init__(self, engine: PooledSQLiteEngine) -> None:
        self.engine = engine

    async def append(self, batch: Sequence[Pending], now: datetime) -> list[Appended]:
        def on_thread(conn: sqlite3.Connection) -> list[Appended]:
            return _append(conn, batch, now)

        transaction = self.engine.current_transaction.get()
        if transaction is None:
            return await self.engine.run_write(on_thread)
        # The caller's transaction (BEGIN IMMEDIATE: it holds the write lock already).
        # aiosqlite has no public "run this on the connection's thread"; `_execute` is
        # that, as in PooledSQLiteEngine._on_thread.
        conn = transaction.connection
        return await conn._execute(on_thread, conn._conn)  # type: ignore[no-any-return]


def _append(conn: sqlite3.Connection, batch: Sequence[Pending], now: datetime) -> list[Appended]:
    """On the writer's thread, inside its write transaction."""
    top = conn.execute("SELECT max(idx) AS last_idx FROM evidence_entry").fetchone()
    size = 0 if top["last_idx"] is None else int(top["last_idx"]) + 1
    leaves, wanted = split_coords(frontier(size))
    stored_leaves = stored_nodes = []
    if leaves:
        stored_leaves = conn.execute(leaf_hashes_sql(len(leaves), "?"), leaves).fetchall()
    if wanted:
        stored_nodes = conn.execute(node_hashes_sql(len(wanted), "?"), list(wanted)).fetchall()
    nodes = found(stored_leaves, stored_nodes, wanted)
    entry_rows, node_rows, results = extend(PrefetchedStore(size, nodes), size, batch, now)
    conn.executemany(ENTRY_INSERT.sqlite_sql, entry_rows)
    if node_rows:
        conn.executemany(NODE_INSERT.sqlite_sql, node_rows)
    return [
        Appended(index, lh, [w.run_sqlite(conn) for w in pending.writes])
        for (index, lh), pending in zip(results, batch, strict=True)
    ]
