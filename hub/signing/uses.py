"""Seal uses with their log proofs: "citizens see their seal being used" (issue 5).

For the seal's owner only (another person, a clerk or another tenant gets 404): every
signature made with the seal, each with its `signature.made` log entry (index, leaf,
leaf hash) and an RFC 9162 inclusion proof against one freshly signed checkpoint, which
is returned with the log's public key. A citizen checks it offline:

    cp = verify_checkpoint(checkpoint["text"], checkpoint["signature"], log_public_key)
    verify_inclusion(leaf_hash(leaf), index, cp.size, proof, cp.root_hash)

(`hub.evidence.checkpoint.verify_checkpoint`, `hub.evidence.merkle.verify_inclusion`).

Which signatures the owner sees is decided here, from the signing tables; the proofs come
from the evidence log (`hub.evidence.proofs`), which never reads signing tables.
"""

from __future__ import annotations

import uuid
from typing import Any

from hub.errors import NotFound, ValidationFailed
from hub.evidence.proofs import signature_proofs
from hub.evidence.service import EvidenceLog
from hub.ports import Scope
from hub.seals.queries import is_owned_by
from hub.signing.tables import SignatureRecord

MAX_USES = 200


async def list_seal_uses(
    log: EvidenceLog, scope: Scope, seal_id: uuid.UUID, *, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    if not 1 <= limit <= MAX_USES:
        raise ValidationFailed(f"limit must be 1-{MAX_USES}", field="limit")
    if offset < 0:
        raise ValidationFailed("offset must be >= 0", field="offset")
    await _check_owned(scope, seal_id)
    total, records = await _signatures_made(scope, seal_id, limit=limit, offset=offset)
    proofs = await signature_proofs(
        log, str(scope.tenant_id), [r["signature_sm3"] for r in records]
    )
    return {
        "seal_id": seal_id,
        "total": total,
        "limit": limit,
        "offset": offset,
        "origin": log.origin,
        "log_public_key": log.log_key.public_key.to_pem().decode(),
        "checkpoint": proofs.checkpoint.to_dict(),
        "tree_size": proofs.tree_size,
        "uses": [_use(r, proofs.evidence.get(r["signature_sm3"])) for r in records],
    }


async def _check_owned(scope: Scope, seal_id: uuid.UUID) -> None:
    """404 unless the seal is the caller's own (a clerk or another tenant sees nothing)."""
    if not await is_owned_by(scope.tenant_id, scope.account_id, seal_id):
        raise NotFound("seal not found")


async def _signatures_made(
    scope: Scope, seal_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """How many signatures the seal made, and one page of them, oldest first."""
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
    return total, records


def _use(record: dict[str, Any], evidence: dict[str, Any] | None) -> dict[str, Any]:
    """One use as the owner sees it: the signature and its log entry with proof."""
    return {
        "signature_id": record["id"],
        "signed_at": record["signed_at"],
        "document_sm3": record["document_sm3"],
        "vendor": record["vendor"],
        "signature_sm3": record["signature_sm3"],
        "use_request_id": record["use_request_id"],
        "evidence": evidence,
    }
