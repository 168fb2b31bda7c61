"""An in-memory evidence log: the pure core wired together, for the evidence tests.

The database-backed log keeps the same shape (leaves + node table + signed checkpoints);
this one holds everything in lists, for one process.
"""

from __future__ import annotations

from typing import Any

from hub.crypto import SM2PrivateKey
from hub.evidence.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from hub.evidence.events import Event
from hub.evidence.merkle import MemoryHashStore, consistency_proof, inclusion_proof, root_hash
from hub.evidence.package import PackageEntry, build_package


class MemoryLog:
    def __init__(self, origin: str, log_key: SM2PrivateKey) -> None:
        self.origin = origin
        self.log_key = log_key
        self.store = MemoryHashStore()
        self.leaves: list[bytes] = []

    @property
    def size(self) -> int:
        return self.store.size()

    def append(self, event: Event) -> int:
        leaf = event.encode()
        index = self.store.append(leaf)
        self.leaves.append(leaf)
        return index

    def checkpoint(self, size: int | None = None) -> SignedCheckpoint:
        size = self.size if size is None else size
        return sign_checkpoint(
            Checkpoint(self.origin, size, root_hash(self.store, size)), self.log_key
        )

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self.store, index, self.size if size is None else size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(self.store, old_size, self.size if new_size is None else new_size)

    def entry(self, index: int, size: int | None = None) -> PackageEntry:
        size = self.size if size is None else size
        return PackageEntry.from_store(self.store, index, self.leaves[index], size)

    def package(
        self,
        *,
        signature_index: int,
        ses_signature: bytes,
        document_sm3: bytes,
        approval_index: int | None = None,
    ) -> dict[str, Any]:
        checkpoint = self.checkpoint()
        return build_package(
            log_public_key=self.log_key.public_key,
            checkpoint=checkpoint,
            signature_entry=self.entry(signature_index),
            ses_signature=ses_signature,
            document_sm3=document_sm3,
            approval_entry=None if approval_index is None else self.entry(approval_index),
        )
