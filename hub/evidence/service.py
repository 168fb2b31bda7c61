"""The evidence log: one sequencer, group commit, proofs, checkpoints.

Single writer, guarded by the database: every append batch runs in one write transaction
that first takes the log's lock, then reads the tree size and the frontier and inserts
the new leaves and node rows (`hub.evidence.store`: the one `EvidenceStore` interface,
with its SQLite and PostgreSQL implementations). So any number of hub processes or
replicas append to one gap-free, fork-free log.

Group commit (`hub.db.group`): callers of `append` queue their leaf and wait; one flush
task per process writes everything queued so far in one transaction (up to
`max_batch`), then resolves every waiter. A call returns only after its transaction
committed, so an acknowledged signing always has its entry on disk (SQLite WAL with
synchronous=NORMAL survives a process kill; PostgreSQL's default synchronous_commit
survives a crash). Called inside the caller's own transaction, `append` writes right
there instead, so the entry commits (or rolls back) with the change it records.

`EvidenceLog.record` implements the seals/signing services' `EventSink` protocol,
`record_with` their `WritesAlong`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from piccolo.engine.postgres import PostgresEngine

from hub.crypto import SM2PrivateKey, sm3
from hub.crypto import keystore as ks
from hub.db import Database, PooledSQLiteEngine, Write
from hub.db.group import GroupCommit
from hub.errors import FormatError, NotFound
from hub.evidence.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from hub.evidence.events import Event, EventType
from hub.evidence.merkle import (
    Coord,
    PrefetchedStore,
    consistency_proof,
    inclusion_proof,
    nodes_for_consistency,
    nodes_for_inclusion,
    nodes_for_root,
    root_hash,
)
from hub.evidence.note import KeyKind, NoteVerifier
from hub.evidence.package import PackageEntry, build_package
from hub.evidence.store import Appended, EvidenceStore, Pending, StoredEntry
from hub.evidence.store_postgres import PostgresEvidenceStore
from hub.evidence.store_sqlite import SqliteEvidenceStore
from hub.evidence.tables import EvidenceLogKey

if TYPE_CHECKING:
    from hub.evidence.cosigning import Cosigner

__all__ = ["Appended", "EvidenceLog", "StoredEntry", "event_from_record", "store_for"]

LOG_KEY_NAME = "log-key"


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


def store_for(db: Database) -> EvidenceStore:
    """The evidence store of the engine `db` runs on."""
    if isinstance(db.engine, PostgresEngine):
        return PostgresEvidenceStore(db.engine)
    if isinstance(db.engine, PooledSQLiteEngine):
        return SqliteEvidenceStore(db.engine)
    raise TypeError(f"no evidence store for {type(db.engine).__name__}")


class EvidenceLog:
    def __init__(
        self,
        db: Database,
        *,
        origin: str,
        log_key: SM2PrivateKey,
        max_batch: int = 1000,
        store: EvidenceStore | None = None,
    ) -> None:
        self.db = db
        self.store = store or store_for(db)
        self.origin = origin
        self.log_key = log_key
        # (CRLs, CA certificates) every package carries (hub.trust sets it: the hub CA's).
        self.package_material: (
            Callable[[], Awaitable[tuple[Sequence[bytes], Sequence[bytes]]]] | None
        ) = None
        self.max_batch = max_batch
        # Late-bound (`self._write`, not the method object) so a benchmark may wrap it.
        self._appends: GroupCommit[Pending, Appended] = GroupCommit(
            lambda batch: self._write(batch), max_group=max_batch
        )
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

    async def append(self, event: Event, writes: Sequence[Write] = ()) -> Appended:
        """Append one event; returns once it is durable (group-committed). `writes` run in
        the same transaction after the batch's inserts: the change the entry records
        commits with it and costs no commit of its own (their rows: `Appended.rows`)."""
        pending = Pending(event.tenant, event.encode(), lookup_key(event), writes)
        if self.db.engine.current_transaction.get() is not None:
            # Inside the caller's transaction: append right there, so the entry commits
            # (or rolls back) with the change it records. (Queueing it would deadlock on
            # SQLite, whose one writer is the caller.)
            return (await self._write([pending]))[0]
        return await self._appends.submit(pending)

    async def record(self, tenant_id: uuid.UUID, kind: str, fields: dict[str, Any]) -> str | None:
        """EventSink for the seals and signing services: the durable entry's leaf hash (hex)."""
        return (await self.append(event_from_record(tenant_id, kind, fields))).leaf_hash.hex()

    async def record_with(
        self, tenant_id: uuid.UUID, kind: str, fields: dict[str, Any], writes: Sequence[Write]
    ) -> tuple[str | None, list[list[dict[str, Any]]]]:
        """`record`, with `writes` committed in the entry's transaction (WritesAlong)."""
        appended = await self.append(event_from_record(tenant_id, kind, fields), writes)
        return appended.leaf_hash.hex(), appended.rows

    async def _write(self, batch: list[Pending]) -> list[Appended]:
        return await self.store.append(batch, datetime.now(UTC))

    # -- reading ------------------------------------------------------------------------------

    async def size(self) -> int:
        return await self.store.size()

    async def _nodes(self, coords: Iterable[Coord]) -> dict[Coord, bytes]:
        """Stored subtree hashes: level 0 from evidence_entry, the rest from evidence_node."""
        return await self.store.nodes(coords)

    async def _store(self, size: int, coords: list[Coord]) -> PrefetchedStore:
        current = await self.store.size()
        if not 0 <= size <= current:
            raise NotFound(f"tree size {size} not reached (log size {current})")
        return PrefetchedStore(size, await self.store.nodes(coords))

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
        return await self.store.entries(start, end)

    async def find(
        self, *, leaf_hash_hex: str | None = None, lookup: str | None = None
    ) -> StoredEntry:
        entry = await self.store.find(leaf_hash_hex=leaf_hash_hex, lookup=lookup)
        if entry is None:
            raise NotFound("no such evidence-log entry")
        return entry

    # -- checkpoints and packages ----------------------------------------------------------------

    async def checkpoint(self) -> SignedCheckpoint:
        """Sign the current tree head (and keep it: checkpoints are evidence too)."""
        size = await self.store.size()
        signed = sign_checkpoint(
            Checkpoint(self.origin, size, await self.root_hash(size)), self.log_key
        )
        await self.store.keep_checkpoint(size, signed)
        return signed

    async def latest_stored_checkpoint(self) -> SignedCheckpoint | None:
        return await self.store.latest_checkpoint()

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
        await self._appends.drain()


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
