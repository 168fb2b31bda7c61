"""The evidence log's store: where its leaves, nodes and checkpoints live.

`EvidenceStore` is the one interface the log (`hub.evidence.service`) writes and reads
through; `hub.evidence.store_sqlite` and `hub.evidence.store_postgres` implement it (the
conformance suite, tests/evidence/test_evidence_store.py, runs against both).

One append path: `append(batch, now)` appends a batch of leaves and runs the writes
queued with them, all in one transaction - the caller's if one is open on this context
(the entry then commits or rolls back with the change it records), else one of its own.
That transaction first takes the log's lock, then reads the tree size and the frontier
(the O(log n) complete subtrees the next leaves hang off), then inserts the leaves and
node rows. The Merkle arithmetic (`extend`) is shared; each engine only decides how to
get the reads and inserts to the database in the fewest hops.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from hub.db import Write
from hub.evidence.checkpoint import SignedCheckpoint
from hub.evidence.merkle import Coord, PrefetchedStore, completed_nodes, leaf_hash
from hub.evidence.tables import EvidenceCheckpoint, EvidenceEntry, EvidenceNode

_LEVEL_SHIFT = 48


def node_key(level: int, index: int) -> int:
    return (level << _LEVEL_SHIFT) | index


@dataclass(frozen=True)
class Pending:
    """A leaf waiting to be appended, with the writes that commit in its transaction."""

    tenant: str
    leaf: bytes
    lookup: str | None  # what the entry is findable by ("sig:<SM3>"), or None
    writes: Sequence[Write] = ()


@dataclass(frozen=True)
class Appended:
    """An appended entry, and the rows of the writes that committed with it (one list of
    rows per write, in order)."""

    index: int
    leaf_hash: bytes
    rows: list[list[dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class StoredEntry:
    index: int
    tenant: str
    leaf: bytes
    leaf_hash: bytes


class EvidenceStore(Protocol):
    async def append(self, batch: Sequence[Pending], now: datetime) -> list[Appended]:
        """Append `batch` in order at the end of the log, and run each one's writes after
        the inserts, in one transaction (the caller's, if one is open). One `Appended`
        per item, in order; returns after the commit (or, in the caller's transaction,
        after the statements ran)."""
        ...

    async def size(self) -> int: ...

    async def nodes(self, coords: Iterable[Coord]) -> dict[Coord, bytes]:
        """Stored subtree hashes (level 0: leaf hashes) of those `coords` that exist."""
        ...

    async def entries(self, start: int, end: int) -> list[StoredEntry]: ...

    async def find(
        self, *, leaf_hash_hex: str | None = None, lookup: str | None = None
    ) -> StoredEntry | None:
        """The first entry with that leaf hash (hex), else with that lookup key."""
        ...

    async def keep_checkpoint(self, size: int, signed: SignedCheckpoint) -> None:
        """Store a signed checkpoint (a second one of the same size adds nothing)."""
        ...

    async def latest_checkpoint(self) -> SignedCheckpoint | None: ...


# --- shared by both implementations ------------------------------------------------------

Rows = list[tuple[Any, ...]]


def extend(
    store: PrefetchedStore, size: int, batch: Sequence[Pending], now: datetime
) -> tuple[Rows, Rows, list[tuple[int, bytes]]]:
    """The rows that append `batch` to a tree of `size` leaves whose frontier `store`
    holds: evidence_entry rows, evidence_node rows (levels above the leaves), and each
    item's (index, leaf hash)."""
    entry_rows: Rows = []
    node_rows: Rows = []
    results = []
    for offset, pending in enumerate(batch):
        index = size + offset
        lh = leaf_hash(pending.leaf)
        for level, idx, value in completed_nodes(index, lh, store.get_node):
            store.put(level, idx, value)
            if level:  # level 0 = the leaf hash, already in evidence_entry
                node_rows.append((node_key(level, idx), value))
        entry_rows.append((index, pending.tenant, pending.leaf, lh.hex(), pending.lookup, now))
        results.append((index, lh))
    return entry_rows, node_rows, results


def split_coords(coords: Iterable[Coord]) -> tuple[list[int], dict[int, Coord]]:
    """Stored hashes to read for `coords`: leaf indexes (level 0 lives in evidence_entry)
    and evidence_node keys (mapped back to their coordinates)."""
    coords = list(coords)
    leaves = [index for level, index in coords if level == 0]
    wanted = {node_key(level, index): (level, index) for level, index in coords if level}
    return leaves, wanted


def leaf_hashes_sql(count: int, mark: str) -> str:
    marks = ", ".join([mark] * count)
    return f"SELECT idx, leaf_hash FROM evidence_entry WHERE idx IN ({marks})"  # noqa: S608


def node_hashes_sql(count: int, mark: str) -> str:
    marks = ", ".join([mark] * count)
    return f"SELECT node_key, hash FROM evidence_node WHERE node_key IN ({marks})"  # noqa: S608


def found(
    leaf_rows: Iterable[Mapping[str, Any]],
    node_rows: Iterable[Mapping[str, Any]],
    wanted: Mapping[int, Coord],
) -> dict[Coord, bytes]:
    nodes = {(0, int(r["idx"])): bytes.fromhex(r["leaf_hash"]) for r in leaf_rows}
    nodes.update({wanted[int(r["node_key"])]: bytes(r["hash"]) for r in node_rows})
    return nodes


@dataclass(frozen=True)
class BulkInsert:
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


ENTRY_INSERT = BulkInsert(
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
NODE_INSERT = BulkInsert("evidence_node", (("node_key", "bigint"), ("hash", "bytea")))


class TableReads:
    """The store's reads and checkpoints, through Piccolo (the same SQL on either engine,
    on the current transaction's connection if there is one). None is on the signing
    path; proofs and packages read a handful of rows by key."""

    async def size(self) -> int:
        rows = await EvidenceEntry.raw("SELECT max(idx) AS last_idx FROM evidence_entry")
        top = rows[0]["last_idx"] if rows else None
        return 0 if top is None else int(top) + 1

    async def nodes(self, coords: Iterable[Coord]) -> dict[Coord, bytes]:
        leaves, wanted = split_coords(coords)
        leaf_rows: list[dict[str, Any]] = []
        node_rows: list[dict[str, Any]] = []
        # Only "{}" placeholders are interpolated; the values go as parameters.
        if leaves:
            leaf_rows = await EvidenceEntry.raw(leaf_hashes_sql(len(leaves), "{}"), *leaves)
        if wanted:
            node_rows = await EvidenceNode.raw(node_hashes_sql(len(wanted), "{}"), *wanted)
        return found(leaf_rows, node_rows, wanted)

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
    ) -> StoredEntry | None:
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
        return _stored(rows[0]) if rows else None

    async def keep_checkpoint(self, size: int, signed: SignedCheckpoint) -> None:
        await EvidenceCheckpoint.raw(
            "INSERT INTO evidence_checkpoint (size, text, signature, created_at) "
            "VALUES ({}, {}, {}, {}) ON CONFLICT (size) DO NOTHING",
            size,
            signed.text,
            signed.signature,
            datetime.now(UTC),
        )

    async def latest_checkpoint(self) -> SignedCheckpoint | None:
        rows = await EvidenceCheckpoint.raw(
            "SELECT text, signature FROM evidence_checkpoint ORDER BY size DESC LIMIT 1"
        )
        return SignedCheckpoint(rows[0]["text"], rows[0]["signature"]) if rows else None


def _stored(row: Mapping[str, Any]) -> StoredEntry:
    return StoredEntry(
        int(row["idx"]), row["tenant"], bytes(row["leaf"]), bytes.fromhex(row["leaf_hash"])
    )
