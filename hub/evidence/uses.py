"""Seal uses with their log proofs: "citizens see their seal being used" (issue 5).

For the seal's owner only (another person, a clerk or another tenant gets 404): every
signature made with the seal, each with its `signature.made` log entry (index, leaf,
leaf hash) and an RFC 9162 inclusion proof against one freshly signed checkpoint, which
is returned with the log's public key. A citizen checks it offline:

    cp = verify_checkpoint(checkpoint["text"], checkpoint["signature"], log_public_key)
    verify_inclusion(leaf_hash(leaf), index, cp.size, proof, cp.root_hash)

(`hub.evidence.checkpoint.verify_checkpoint`, `hub.evidence.merkle.verify_inclusion`).
"""

from __future__ import annotations

import base64
import uuid
from typing import Any, Protocol

from hub.errors import NotFound, ValidationFailed
from hub.evidence.checkpoint import Checkpoint
from hub.evidence.events import Event
from hub.evidence.merkle import PrefetchedStore, inclusion_proof, nodes_for_inclusion
from hub.evidence.service import EvidenceLog
from hub.evidence.tables import EvidenceEntry
from hub.seals.tables import Seal
from hub.signing.tables import SignatureRecord

MAX_USES = 200


class Scope(Protocol):
    @property
    def tenant_id(self) -> uuid.UUID: ...
    @property
    def account_id(self) -> uuid.UUID: ...


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def list_seal_uses(
    log: EvidenceLog, scope: Scope, seal_id: uuid.UUID, *, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    if not 1 <= limit <= MAX_USES:
        raise ValidationFailed(f"limit must be 1-{MAX_USES}", field="limit")
    if offset < 0:
        raise ValidationFailed("offset must be >= 0", field="offset")
    seal = (
        await Seal.select(Seal.id)
        .where(
            (Seal.tenant_id == scope.tenant_id)
            & (Seal.id == seal_id)
            & (Seal.owner_account_id == scope.account_id)
        )
        .first()
    )
    if seal is None:
        raise NotFound("seal not found")
    where = (
        (SignatureRecord.tenant_id == scope.tenant_id)
        & (SignatureRecord.seal_id == seal_id)
        & (SignatureRecord.status == "done")
    )
    total = await SignatureRecord.count().where(where)
    records = (
        await SignatureRecord.select(
            SignatureRecord.id,
            SignatureRecord.signed_at,
            SignatureRecord.document_sm3,
            SignatureRecord.vendor,
            SignatureRecord.signature_sm3,
            SignatureRecord.use_request_id,
        )
        .where(where)
        .order_by(SignatureRecord.signed_at)
        .order_by(SignatureRecord.id)
        .limit(limit)
        .offset(offset)
    )
    entries = await _entries(str(scope.tenant_id), [r["signature_sm3"] for r in records])
    # One checkpoint for the whole page: every proof is against the same signed tree head.
    checkpoint = await log.checkpoint()
    size = Checkpoint.parse(checkpoint.text).size
    uses = []
    indexes = [int(e["idx"]) for e in entries.values() if int(e["idx"]) < size]
    # Every node any of the page's proofs needs, read at once by the log's own node reader
    # (two queries for the page instead of two per use).
    coords = {c for i in indexes for c in nodes_for_inclusion(i, size)}
    store = PrefetchedStore(size, await log._nodes(coords))
    for r in records:
        entry = entries.get(r["signature_sm3"])
        evidence = None
        if entry is not None and entry["idx"] < size:
            index = int(entry["idx"])
            leaf = bytes(entry["leaf"])
            evidence = {
                "index": index,
                "leaf": _b64(leaf),
                "leaf_hash": _b64(bytes.fromhex(entry["leaf_hash"])),
                "inclusion_proof": [_b64(h) for h in inclusion_proof(store, index, size)],
                "event": Event.decode(leaf).to_json(),
            }
        uses.append(
            {
                "signature_id": r["id"],
                "signed_at": r["signed_at"],
                "document_sm3": r["document_sm3"],
                "vendor": r["vendor"],
                "signature_sm3": r["signature_sm3"],
                "use_request_id": r["use_request_id"],
                "evidence": evidence,
            }
        )
    return {
        "seal_id": seal_id,
        "total": total,
        "limit": limit,
        "offset": offset,
        "origin": log.origin,
        "log_public_key": log.log_key.public_key.to_pem().decode(),
        "checkpoint": checkpoint.to_dict(),
        "tree_size": size,
        "uses": uses,
    }


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
