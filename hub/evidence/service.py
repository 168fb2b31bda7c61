"""The database-backed evidence log: one sequencer, group commit, proofs, checkpoints.

Single writer, guarded by the database: every append batch runs in one write transaction
that first takes the log's lock - `pg_advisory_xact_lock` on PostgreSQL, the database
write lock of `BEGIN IMMEDIATE` on SQLite - then reads the tree size and the frontier
(the O(log n) complete subtrees the next leaves hang off), and inserts the new leaves
and node-table rows. So any number of hub processes or replicas append to one gap-free,
fork-free log; `idx` is also UNIQUE, so even a broken lock could not duplicate a slot.

Group commit: callers of `append` queue their leaf and wait; one flush task per process
writes everything queued so far in one transaction (up to `max_batch`), then resolves
every waiter. A call returns only after its transaction committed, so an acknowledged
signing always has its entry on disk (SQLite WAL with synchronous=NORMAL survives a
process kill; PostgreSQL's default synchronous_commit survives a crash).

`EvidenceLog.record` implements the seals/signing services' `EventSink` protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sqlite3
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hub.crypto import SM2PrivateKey, sm3
from hub.crypto import keystore as ks
from hub.db import Database, PooledSQLiteEngine, Statement, Write
from hub.errors import FormatError, NotFound
from hub.evidence.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from hub.evidence.events import Event, EventType
from hub.evidence.merkle import (
    Coord,
    PrefetchedStore,
    completed_nodes,
    consistency_proof,
    frontier,
    inclusion_proof,
    leaf_hash,
    nodes_for_consistency,
    nodes_for_inclusion,
    nodes_for_root,
    root_hash,
)
from hub.evidence.note import KeyKind, NoteVerifier
from hub.evidence.package import PackageEntry, build_package
from hub.evidence.tables import EvidenceCheckpoint, EvidenceEntry, EvidenceLogKey, EvidenceNode

if TYPE_CHECKING:
    from hub.evidence.cosigning import Cosigner

# PostgreSQL advisory lock key of the log sequencer (any constant unique in the hub).
LOG_LOCK_KEY = 0x5EA1_E71D
LOG_KEY_NAME = "log-key"
_LEVEL_SHIFT = 48


def node_key(level: int, index: int) -> int:
    return (level << _LEVEL_SHIFT) | index


@dataclass(frozen=True)
class Appended:
    index: int
    leaf_hash: bytes


@dataclass(frozen=True)
class Recorded:
    """An appended entry, and the rows of the writes that committed with it."""

    appended: Appended
    rows: list[list[dict[str, Any]]]


@dataclass
class _Queued:
    tenant: str
    leaf: bytes
    lookup: str | None
    writes: Sequence[Write]
    future: asyncio.Future[Recorded]

    @property
    def item(self) -> tuple[str, bytes, str | None]:
        return self.tenant, self.leaf, self.lookup


@dataclass(frozen=True)
class StoredEntry:
    index: int
    tenant: str
    leaf: bytes
    leaf_hash: bytes


# --- the hub's record(tenant_id, kind, fields) calls -> events ------------------------------

_KIND_ALIASES = {
    "use.approved": EventType.USE_REQUEST_APPROVED,
    "use.rejected": EventType.USE_REQUEST_REJECTED,
    "seal.password_lockout": EventType.PASSWORD_LOCKOUT,
    "seal.resumed": EventType.SEAL_REACTIVATED,
    "admission.changed": EventType.ADMISSION_STATUS_CHANGED,
}
_SUBJECT_NAMES = {
    "seal": "seal_id",
    "use_request": "use_request_id",
    "signature": "signature_id",
    "account": "account_id",
    "vendor": "vendor",
    "esid": "esid",
    "subject": "subject_id",
}
_DIGEST_NAMES = {"signature_sm3": "ses_signature_sm3", "approval_leaf": "approval_leaf_hash"}


def event_from_record(
    tenant_id: uuid.UUID | str, kind: str, fields: Mapping[str, Any], *, now: datetime | None = None
) -> Event:
    """Map a service's (kind, flat fields) onto the canonical event schema."""
    try:
        event_type = _KIND_ALIASES.get(kind) or EventType(kind)
    except ValueError as exc:
        raise FormatError(f"unknown evidence event kind {kind!r}") from exc
    subject: dict[str, str] = {}
    digests: dict[str, str] = {}
    details: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bytes | bytearray):
            value = bytes(value).hex()
        if name in _DIGEST_NAMES or name.endswith(("_sm3", "_hash")):
            digests[_DIGEST_NAMES.get(name, name)] = str(value).lower()
        elif name in _SUBJECT_NAMES or name.endswith("_id"):
            subject[_SUBJECT_NAMES.get(name, name)] = str(value)
        elif isinstance(value, str | int | bool):
            details[name] = value
        else:
            details[name] = str(value)
    return Event(
        event_type,
        str(tenant_id),
        now or datetime.now(UTC),
        subject=subject,
        digests=digests,
        details=details,
    )


def lookup_key(event: Event) -> str | None:
    if event.type is EventType.SIGNATURE_MADE and "ses_signature_sm3" in event.digests:
        return "sig:" + event.digests["ses_signature_sm3"]
    return None


# --- the log ------------------------------------------------------------------------------


class EvidenceLog:
    def __init__(
        self, db: Database, *, origin: str, log_key: SM2PrivateKey, max_batch: int = 1000
    ) -> None:
        self.db = db
        self.origin = origin
        self.log_key = log_key
        # (CRLs, CA certificates) every package carries (hub.trust sets it: the hub CA's).
        self.package_material: (
            Callable[[], Awaitable[tuple[Sequence[bytes], Sequence[bytes]]]] | None
        ) = None
        self.max_batch = max_batch
        self._pending: list[_Queued] = []
        self._flusher: asyncio.Task[None] | None = None
        # hub.evidence.cosigning.Cosigner, when a witness policy is set (evidence lifespan):
        # packages then carry a checkpoint the witnesses cosigned.
        self.cosigner: Cosigner | None = None

    @property
    def note_verifier(self) -> NoteVerifier:
        """The log key as a C2SP note verifier; its name is the origin (tlog-checkpoint)."""
        return NoteVerifier(self.origin, KeyKind.LOG, self.log_key.public_key)

    # -- opening: the sealed log key --------------------------------------------------------

    @classmethod
    async def open(
        cls, db: Database, *, origin: str, master_key: bytes, max_batch: int = 1000
    ) -> EvidenceLog:
        """Load the log key (creating it on first start; replicas agree on one)."""
        return cls(
            db, origin=origin, log_key=await load_log_key(db, master_key), max_batch=max_batch
        )

    # -- appending ----------------------------------------------------------------------------

    async def append(self, event: Event) -> Appended:
        """Append one event; returns once it is durable (group-committed)."""
        return (await self.append_with(event, ())).appended

    async def append_with(self, event: Event, writes: Sequence[Write]) -> Recorded:
        """`append`, with `writes` run in the same transaction after the batch's inserts:
        the change the entry records commits with it and costs no commit of its own."""
        return await self._enqueue(event.tenant, event.encode(), lookup_key(event), writes)

    async def record(self, tenant_id: uuid.UUID, kind: str, fields: dict[str, Any]) -> str | None:
        """EventSink for the seals and signing services: the durable entry's leaf hash (hex)."""
        return (await self.append(event_from_record(tenant_id, kind, fields))).leaf_hash.hex()

    async def record_with(
        self, tenant_id: uuid.UUID, kind: str, fields: dict[str, Any], writes: Sequence[Write]
    ) -> tuple[str | None, list[list[dict[str, Any]]]]:
        """`record`, with `writes` committed in the entry's transaction (WritesAlong)."""
        recorded = await self.append_with(event_from_record(tenant_id, kind, fields), writes)
        return recorded.appended.leaf_hash.hex(), recorded.rows

    async def _enqueue(
        self, tenant: str, leaf: bytes, lookup: str | None, writes: Sequence[Write]
    ) -> Recorded:
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        queued = _Queued(tenant, leaf, lookup, writes, future)
        if self.db.engine.current_transaction.get() is not None:
            # Called inside the caller's transaction: append right there, so the entry
            # commits (or rolls back) with the change it records. (Queueing it would
            # deadlock on SQLite, whose one writer is the caller.)
            return (await self._write([queued]))[0]
        self._pending.append(queued)
        if self._flusher is None or self._flusher.done():
            # A fresh context: the flush must never join whatever transaction the first
            # caller's context happens to carry.
            self._flusher = asyncio.create_task(self._flush(), context=contextvars.Context())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            try:
                results = await self._write(batch)
            except Exception as exc:  # noqa: BLE001 (every waiter of the failed batch hears about it)
                for queued in batch:
                    if not queued.future.done():
                        queued.future.set_exception(exc)
                continue
            for queued, result in zip(batch, results, strict=True):
                if not queued.future.done():
                    queued.future.set_result(result)

    async def _write(self, batch: Sequence[_Queued]) -> list[Recorded]:
        now = datetime.now(UTC)
        items = [queued.item for queued in batch]
        engine = self.db.engine
        alone = engine.current_transaction.get() is None  # not inside a caller's transaction
        if alone and isinstance(engine, PooledSQLiteEngine):
            # One hop on the writer's thread: the write lock is held for the batch's
            # statements only, not across round trips to a busy event loop.
            def on_thread(conn: sqlite3.Connection) -> list[Recorded]:
                appended = _append_sqlite(conn, items, now)
                return [
                    Recorded(a, [w.run_sqlite(conn) for w in queued.writes])
                    for a, queued in zip(appended, batch, strict=True)
                ]

            return await engine.run_write(on_thread)
        if alone and self.db.is_postgres:
            async with engine.pool.acquire() as conn:  # type: ignore[attr-defined]
                return await _append_postgres(conn, batch, items, now)
        # Inside the caller's transaction (either engine): append on its connection.
        async with self.db.transaction():
            if self.db.is_postgres:
                await self.db.engine.run_ddl(f"SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})")
            size = await self._size()
            store = PrefetchedStore(size, await self._nodes(frontier(size)))
            entry_rows, node_rows, results = _extend(store, size, items, now)
            await _bulk_insert(self.db, _ENTRY_INSERT, entry_rows)
            await _bulk_insert(self.db, _NODE_INSERT, node_rows)
            return [
                Recorded(a, [await self.db.fetch(w.statement, *w.args) for w in q.writes])
                for a, q in zip(results, batch, strict=True)
            ]

    # -- reading ------------------------------------------------------------------------------

    async def _size(self) -> int:
        rows = await EvidenceEntry.raw("SELECT max(idx) AS last_idx FROM evidence_entry")
        top = rows[0]["last_idx"] if rows else None
        return 0 if top is None else int(top) + 1

    async def size(self) -> int:
        return await self._size()

    async def _nodes(self, coords: Iterable[Coord]) -> dict[Coord, bytes]:
        """Stored subtree hashes: level 0 from evidence_entry, the rest from evidence_node."""
        leaves, wanted = _split_coords(coords)
        leaf_rows: list[dict[str, Any]] = []
        node_rows: list[dict[str, Any]] = []
        # Only "{}" placeholders are interpolated; the values go as parameters.
        if leaves:
            leaf_rows = await EvidenceEntry.raw(_leaf_hashes_sql(len(leaves), "{}"), *leaves)
        if wanted:
            node_rows = await EvidenceNode.raw(_node_hashes_sql(len(wanted), "{}"), *wanted)
        return _found(leaf_rows, node_rows, wanted)

    async def _store(self, size: int, coords: list[Coord]) -> PrefetchedStore:
        current = await self._size()
        if not 0 <= size <= current:
            raise NotFound(f"tree size {size} not reached (log size {current})")
        return PrefetchedStore(size, await self._nodes(coords))

    async def root_hash(self, size: int) -> bytes:
        return root_hash(await self._store(size, nodes_for_root(size)), size)

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        if not 0 <= index < size:
            raise NotFound(f"entry {index} is not in a tree of size {size}")
        store = await self._store(size, nodes_for_inclusion(index, size))
        return inclusion_proof(store, index, size)

    async def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        if not 0 <= old_size <= new_size:
            raise NotFound(f"no consistency proof from {old_size} to {new_size}")
        store = await self._store(new_size, nodes_for_consistency(old_size, new_size))
        return consistency_proof(store, old_size, new_size)

    async def entries(self, start: int, end: int) -> list[StoredEntry]:
        rows = await EvidenceEntry.raw(
            "SELECT idx, tenant, leaf, leaf_hash FROM evidence_entry "
            "WHERE idx >= {} AND idx < {} ORDER BY idx",
            start,
            end,
        )
        return [_stored(r) for r in rows]

    async def find(
        self, *, leaf_hash_hex: str | None = None, lookup: str | None = None
    ) -> StoredEntry:
        if leaf_hash_hex is not None:
            rows = await EvidenceEntry.raw(
                "SELECT idx, tenant, leaf, leaf_hash FROM evidence_entry WHERE leaf_hash = {} "
                "ORDER BY idx LIMIT 1",
                leaf_hash_hex,
            )
        else:
            rows = await EvidenceEntry.raw(
                "SELECT idx, tenant, leaf, leaf_hash FROM evidence_entry WHERE lookup = {} "
                "ORDER BY idx LIMIT 1",
                lookup,
            )
        if not rows:
            raise NotFound("no such evidence-log entry")
        return _stored(rows[0])

    # -- checkpoints and packages ----------------------------------------------------------------

    async def checkpoint(self) -> SignedCheckpoint:
        """Sign the current tree head (and keep it: checkpoints are evidence too)."""
        size = await self._size()
        signed = sign_checkpoint(
            Checkpoint(self.origin, size, await self.root_hash(size)), self.log_key
        )
        await EvidenceCheckpoint.raw(
            "INSERT INTO evidence_checkpoint (size, text, signature, created_at) "
            "VALUES ({}, {}, {}, {}) ON CONFLICT (size) DO NOTHING",
            size,
            signed.text,
            signed.signature,
            datetime.now(UTC),
        )
        return signed

    async def latest_stored_checkpoint(self) -> SignedCheckpoint | None:
        rows = await EvidenceCheckpoint.raw(
            "SELECT text, signature FROM evidence_checkpoint ORDER BY size DESC LIMIT 1"
        )
        return SignedCheckpoint(rows[0]["text"], rows[0]["signature"]) if rows else None

    async def package(
        self,
        ses_signature: bytes,
        document_sm3: bytes,
        disclosure: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The evidence package of a logged signing (hub.evidence.package format).
        `disclosure`: who signed / approved and why, for a caller entitled to see it."""
        signature = await self.find(lookup="sig:" + sm3(ses_signature).hex())
        event = Event.decode(signature.leaf)
        approval = None
        if "approval_leaf_hash" in event.digests:
            approval = await self.find(leaf_hash_hex=event.digests["approval_leaf_hash"])
        cosignatures: tuple[str, ...] | None = None
        if self.cosigner is not None:
            cosigned = await self.cosigner.covering(signature.index + 1)
            checkpoint, cosignatures = cosigned.checkpoint, cosigned.cosignatures
        else:
            checkpoint = await self.checkpoint()
        size = Checkpoint.parse(checkpoint.text).size

        async def entry(stored: StoredEntry) -> PackageEntry:
            return PackageEntry(
                stored.index, stored.leaf, await self.inclusion_proof(stored.index, size)
            )

        crls, ca_certs = await self.package_material() if self.package_material else ((), ())
        return build_package(
            crls=crls,
            ca_certs=ca_certs,
            log_public_key=self.log_key.public_key,
            checkpoint=checkpoint,
            signature_entry=await entry(signature),
            ses_signature=ses_signature,
            document_sm3=document_sm3,
            approval_entry=await entry(approval) if approval else None,
            cosignatures=cosignatures,
            disclosure=disclosure,
        )

    async def close(self) -> None:
        """Let queued appends finish (a shutdown must not drop acknowledged work)."""
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher


def _stored(row: Mapping[str, Any]) -> StoredEntry:
    return StoredEntry(
        int(row["idx"]), row["tenant"], bytes(row["leaf"]), bytes.fromhex(row["leaf_hash"])
    )


@dataclass(frozen=True)
class _BulkInsert:
    table: str
    columns: tuple[tuple[str, str], ...]  # (name, PostgreSQL array element type)

    @property
    def sqlite_sql(self) -> str:
        names = ", ".join(c for c, _ in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO {self.table} ({names}) VALUES ({marks})"  # noqa: S608 (constants)

    @property
    def postgres_sql(self) -> str:
        names = ", ".join(c for c, _ in self.columns)
        arrays = ", ".join(f"${i}::{t}[]" for i, (_, t) in enumerate(self.columns, 1))
        return f"INSERT INTO {self.table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608


_ENTRY_INSERT = _BulkInsert(
    "evidence_entry",
    (
        ("idx", "bigint"),
        ("tenant", "text"),
        ("leaf", "bytea"),
        ("leaf_hash", "text"),
        ("lookup", "text"),
        ("created_at", "timestamptz"),
    ),
)
_NODE_INSERT = _BulkInsert("evidence_node", (("node_key", "bigint"), ("hash", "bytea")))


_Rows = list[tuple[Any, ...]]

# The frontier's stored hashes in one query: leaves from evidence_entry, nodes above them.
_FRONTIER_SQL = (
    "SELECT idx AS key, decode(leaf_hash, 'hex') AS hash, true AS leaf FROM evidence_entry"
    " WHERE idx = ANY($1::bigint[]) UNION ALL"
    " SELECT node_key, hash, false FROM evidence_node WHERE node_key = ANY($2::bigint[])"
)
# Both inserts of a batch as one statement (a data-modifying WITH).
_INSERTS_SQL = (
    f"WITH entries AS ({_ENTRY_INSERT.postgres_sql}) "
    + _NODE_INSERT.postgres_sql.replace("$1", "$7").replace("$2", "$8")
)


def _columns(rows: _Rows, width: int) -> list[list[Any]]:
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


async def _append_postgres(
    conn: Any,
    batch: Sequence[_Queued],
    items: list[tuple[str, bytes, str | None]],
    now: datetime,
) -> list[Recorded]:
    """An append batch on PostgreSQL in six round trips on one pooled connection
    (BEGIN, lock, size, frontier, both inserts, COMMIT) plus one per kind of write,
    where the generic path took ~20 for a batch of eight. Each await inside the
    transaction waits its turn on a busy event loop while the log's lock is held,
    stalling every other process's appends (at 64 connections: ~23 ms held, ~5 ms of
    it per round trip; COMMIT's WAL flush is part of it)."""
    async with conn.transaction():
        await conn.execute(f"SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})")
        top = await conn.fetchval("SELECT max(idx) FROM evidence_entry")
        size = 0 if top is None else int(top) + 1
        leaves, wanted = _split_coords(frontier(size))
        rows = await conn.fetch(_FRONTIER_SQL, leaves, list(wanted)) if size else []
        nodes = {(0, r["key"]) if r["leaf"] else wanted[r["key"]]: bytes(r["hash"]) for r in rows}
        entry_rows, node_rows, results = _extend(
            PrefetchedStore(size, nodes), size, items, now)  # fmt: skip
        await conn.execute(_INSERTS_SQL, *_columns(entry_rows, 6), *_columns(node_rows, 2))
        done = await _run_writes_postgres(conn, [q.writes for q in batch])
    return [Recorded(a, rows) for a, rows in zip(results, done, strict=True)]


async def _run_writes_postgres(
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


def _split_coords(coords: Iterable[Coord]) -> tuple[list[int], dict[int, Coord]]:
    """Stored hashes to read for `coords`: leaf indexes (level 0 lives in evidence_entry)
    and evidence_node keys (mapped back to their coordinates)."""
    coords = list(coords)
    leaves = [index for level, index in coords if level == 0]
    wanted = {node_key(level, index): (level, index) for level, index in coords if level}
    return leaves, wanted


def _leaf_hashes_sql(count: int, mark: str) -> str:
    marks = ", ".join([mark] * count)
    return f"SELECT idx, leaf_hash FROM evidence_entry WHERE idx IN ({marks})"  # noqa: S608


def _node_hashes_sql(count: int, mark: str) -> str:
    marks = ", ".join([mark] * count)
    return f"SELECT node_key, hash FROM evidence_node WHERE node_key IN ({marks})"  # noqa: S608


def _found(
    leaf_rows: Iterable[Mapping[str, Any]],
    node_rows: Iterable[Mapping[str, Any]],
    wanted: Mapping[int, Coord],
) -> dict[Coord, bytes]:
    found = {(0, int(r["idx"])): bytes.fromhex(r["leaf_hash"]) for r in leaf_rows}
    found.update({wanted[int(r["node_key"])]: bytes(r["hash"]) for r in node_rows})
    return found


def _extend(
    store: PrefetchedStore,
    size: int,
    items: Sequence[tuple[str, bytes, str | None]],
    now: datetime,
) -> tuple[_Rows, _Rows, list[Appended]]:
    """The rows that append `items` to a tree of `size` leaves whose frontier `store`
    holds: evidence_entry rows, evidence_node rows (levels above the leaves), results."""
    entry_rows: _Rows = []
    node_rows: _Rows = []
    results = []
    for offset, (tenant, leaf, lookup) in enumerate(items):
        index = size + offset
        lh = leaf_hash(leaf)
        for level, idx, value in completed_nodes(index, lh, store.get_node):
            store.put(level, idx, value)
            if level:  # level 0 = the leaf hash, already in evidence_entry
                node_rows.append((node_key(level, idx), value))
        entry_rows.append((index, tenant, leaf, lh.hex(), lookup, now))
        results.append(Appended(index, lh))
    return entry_rows, node_rows, results


def _append_sqlite(
    conn: sqlite3.Connection, items: Sequence[tuple[str, bytes, str | None]], now: datetime
) -> list[Appended]:
    """An append batch on SQLite, run by `PooledSQLiteEngine.run_write` on the writer's
    thread inside its BEGIN IMMEDIATE transaction: the same reads and inserts as the
    async path, as plain sqlite3 calls."""
    top = conn.execute("SELECT max(idx) AS last_idx FROM evidence_entry").fetchone()
    size = 0 if top["last_idx"] is None else int(top["last_idx"]) + 1
    leaves, wanted = _split_coords(frontier(size))
    stored_leaves = stored_nodes = []
    if leaves:
        stored_leaves = conn.execute(_leaf_hashes_sql(len(leaves), "?"), leaves).fetchall()
    if wanted:
        stored_nodes = conn.execute(_node_hashes_sql(len(wanted), "?"), list(wanted)).fetchall()
    nodes = _found(stored_leaves, stored_nodes, wanted)
    entry_rows, node_rows, results = _extend(PrefetchedStore(size, nodes), size, items, now)
    conn.executemany(_ENTRY_INSERT.sqlite_sql, entry_rows)
    if node_rows:
        conn.executemany(_NODE_INSERT.sqlite_sql, node_rows)
    return results


async def _bulk_insert(db: Database, insert: _BulkInsert, rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows on the current transaction's own connection.

    The hot path of every append batch, so it skips Piccolo's per-argument query building:
    PostgreSQL gets one statement with one array per column (unnest), SQLite an
    executemany of one prepared statement.
    """
    if not rows:
        return
    transaction = db.engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk insert outside a transaction")
    connection = transaction.connection
    if db.is_postgres:
        columns = [list(col) for col in zip(*rows, strict=True)]
        await connection.execute(insert.postgres_sql, *columns)
    else:
        await connection.executemany(insert.sqlite_sql, rows)


async def load_log_key(db: Database, master_key: bytes) -> SM2PrivateKey:
    """The hub's SM2 log key, sealed at rest (keystore, hub scope); created once."""
    for _ in range(2):
        rows = await EvidenceLogKey.raw(
            "SELECT wrapped_data_key, sealed_private_key FROM evidence_log_key WHERE name = {}",
            LOG_KEY_NAME,
        )
        if rows:
            data_key = ks.unwrap_data_key(
                master_key, ks.HUB_SCOPE, bytes(rows[0]["wrapped_data_key"])
            )
            return ks.open_private_key(
                data_key, ks.HUB_SCOPE, bytes(rows[0]["sealed_private_key"]), key_id=LOG_KEY_NAME
            )
        key = SM2PrivateKey.generate()
        data_key, wrapped = ks.create_data_key(master_key, ks.HUB_SCOPE)
        sealed = ks.seal_private_key(data_key, ks.HUB_SCOPE, key, key_id=LOG_KEY_NAME)
        # Replicas starting together: one insert wins, everyone reads the winner back.
        await EvidenceLogKey.raw(
            "INSERT INTO evidence_log_key (name, public_key_pem, wrapped_data_key, "
            "sealed_private_key, created_at) VALUES ({}, {}, {}, {}, {}) "
            "ON CONFLICT (name) DO NOTHING",
            LOG_KEY_NAME,
            key.public_key.to_pem().decode(),
            wrapped,
            sealed,
            datetime.now(UTC),
        )
    raise RuntimeError("evidence log key could not be created")
