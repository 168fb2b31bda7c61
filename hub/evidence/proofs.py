"""The log's proofs for a page of signatures: their `signature.made` entries, each with an
RFC 9162 inclusion proof against one freshly signed checkpoint.

The signing side (`hub.signing.uses`) decides which signatures a caller may see and asks
for their proofs here by SES_Signature SM3; the log's tables are read only in this package.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from hub.evidence.checkpoint import Checkpoint, SignedCheckpoint
from hub.evidence.events import Event
from hub.evidence.merkle import PrefetchedStore, inclusion_proof, nodes_for_inclusion
from hub.evidence.service import EvidenceLog
from hub.evidence.tables import EvidenceEntry


@dataclass(frozen=True)
class SignatureProofs:
    checkpoint: SignedCheckpoint  # every proof is against this one signed tree head
    tree_size: int
    evidence: dict[str, dict[str, Any]]  # by signature SM3: index, leaf, proof, event


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def signature_proofs(
    log: EvidenceLog, tenant: str, signature_sm3s: list[str | None]
) -> SignatureProofs:
    """The tenant's `signature.made` entries for these signatures, proven in one checkpoint
    (a signature whose entry is not in it yet has no evidence)."""
    entries = await _entries(tenant, signature_sm3s)
    # One checkpoint for the whole page: every proof is against the same signed tree head.
    checkpoint = await log.checkpoint()
    size = Checkpoint.parse(checkpoint.text).size
    indexes = [int(e["idx"]) for e in entries.values() if int(e["idx"]) < size]
    # Every node any of the page's proofs needs, read at once by the log's own node reader
    # (two queries for the page instead of two per use).
    coords = {c for i in indexes for c in nodes_for_inclusion(i, size)}
    store = PrefetchedStore(size, await log._nodes(coords))
    evidence: dict[str, dict[str, Any]] = {}
    for sm3_hex, entry in entries.items():
        if entry["idx"] < size:
            index = int(entry["idx"])
            leaf = bytes(entry["leaf"])
            evidence[sm3_hex] = {
                "index": index,
                "leaf": _b64(leaf),
                "leaf_hash": _b64(bytes.fromhex(entry["leaf_hash"])),
                "inclusion_proof": [_b64(h) for h in inclusion_proof(store, index, size)],
                "event": Event.decode(leaf).to_json(),
            }
    return SignatureProofs(checkpoint, size, evidence)


async def _entries(tenant: str, signature_sm3s: list[str | None]) -> dict[str, dict[str, Any]]:
    """signature.made log entries by SES_Signature SM3 (the log's `sig:` lookup key)."""
    lookups = ["sig:" + s for s in signature_sm3s if s]
    if not lookups:
        return {}
    rows = (
        await EvidenceEntry.select(
            EvidenceEntry.idx,
            EvidenceEntry.leaf,
            EvidenceEntry.leaf_hash,
            EvidenceEntry.lookup,
        )
        .where(EvidenceEntry.lookup.is_in(lookups) & (EvidenceEntry.tenant == tenant))
        .order_by(EvidenceEntry.idx)
    )
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        found.setdefault(row["lookup"].removeprefix("sig:"), row)  # first entry wins
    return found
