"""Evidence-log endpoints: the public log (key, checkpoint, entry hashes, RFC 9162
proofs) and, for a tenant's own signings, evidence packages.

Proofs and leaf hashes are public (anyone can check the log); event contents are not
served here (they belong to their tenant, and reach a relying party in an evidence
package).
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Principal, Role
from hub.crypto import sm3
from hub.errors import ValidationFailed
from hub.evidence.cosigning import CosignedCheckpoint
from hub.evidence.service import EvidenceLog
from hub.schemas_common import LogIndex, LogIndexOrNone, Token
from hub.signing.services import SigningService

MAX_ENTRIES = 1000
_NOT_FOUND = {
    404: ResponseSpec(None, description="Entry or tree size not in the log (problem+json)")
}
_BAD = {422: ResponseSpec(None, description="Invalid query parameter (problem+json)")}


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


class EvidenceController(Controller):
    path = "/api/v1/evidence/log"
    tags = ["evidence"]  # noqa: RUF012
    security = []  # noqa: RUF012  (a transparency log is public)

    @get("", operation_id="getEvidenceLog", summary="The log's origin, size and public key")
    async def log_info(self, evidence: NamedDependency[EvidenceLog]) -> dict[str, Any]:
        key = evidence.log_key.public_key
        return {
            "origin": evidence.origin,
            "size": await evidence.size(),
            "public_key_pem": key.to_pem().decode(),
            "public_key_sm3": sm3(key.to_der()).hex(),
            "signature_algorithm": "SM2-with-SM3, ID 1234567812345678, DER, base64",
        }

    @get(
        "/checkpoint",
        operation_id="getEvidenceCheckpoint",
        summary="The latest checkpoint (C2SP tlog-checkpoint text + SM2 signature)",
    )
    async def checkpoint(self, evidence: NamedDependency[EvidenceLog]) -> dict[str, str]:
        return (await evidence.checkpoint()).to_dict()

    @get(
        "/note-key",
        operation_id="getEvidenceNoteKey",
        media_type="text/plain",
        summary="The log key as a C2SP note verifier key (for witnesses and --log-key)",
    )
    async def note_key(self, evidence: NamedDependency[EvidenceLog]) -> str:
        return evidence.note_verifier.vkey + "\n"

    @get(
        "/checkpoint.note",
        operation_id="getEvidenceCheckpointNote",
        media_type="text/plain",
        summary="The latest cosigned checkpoint as a C2SP signed note (log signature, then "
        "the witnesses' cosignatures), for monitors",
    )
    async def checkpoint_note(self, evidence: NamedDependency[EvidenceLog]) -> str:
        if evidence.cosigner is not None:
            cosigned = await evidence.cosigner.latest_cosigned()
            if cosigned is None:
                cosigned = await evidence.cosigner.cosign_latest()
        else:
            cosigned = CosignedCheckpoint(await evidence.checkpoint(), ())
        return cosigned.note(evidence.note_verifier)

    @get(
        "/cosignatures",
        operation_id="listEvidenceCosignatures",
        summary="Witness cosignature lines of the checkpoint of one tree size",
        responses=_BAD,
    )
    async def cosignatures(
        self, evidence: NamedDependency[EvidenceLog], tree_size: FromQuery[int]
    ) -> dict[str, Any]:
        if evidence.cosigner is None:
            return {"tree_size": tree_size, "cosignatures": []}
        stored = await evidence.cosigner.stored(tree_size)
        return {
            "tree_size": tree_size,
            "checkpoint": stored.checkpoint.to_dict(),
            "cosignatures": list(stored.cosignatures),
        }

    @get(
        "/entries",
        operation_id="listEvidenceEntries",
        summary="Leaf hashes of entries [start, end)",
        responses=_BAD,
    )
    async def entries(
        self,
        evidence: NamedDependency[EvidenceLog],
        start: LogIndex = 0,
        end: LogIndexOrNone = None,
    ) -> dict[str, Any]:
        end = min(await evidence.size(), start + MAX_ENTRIES if end is None else end)
        if start < 0 or end - start > MAX_ENTRIES:
            raise ValidationFailed(f"0 <= start, at most {MAX_ENTRIES} entries", field="start")
        rows = await evidence.entries(start, end)
        return {
            "start": start,
            "entries": [
                {"index": e.index, "leaf_hash": base64.b64encode(e.leaf_hash).decode()}
                for e in rows
            ],
        }

    @get(
        "/proof/inclusion",
        operation_id="getEvidenceInclusionProof",
        summary="RFC 9162 inclusion proof of an entry (by index or leaf hash)",
        responses={**_NOT_FOUND, **_BAD},
    )
    async def inclusion(
        self,
        evidence: NamedDependency[EvidenceLog],
        tree_size: LogIndex,
        index: LogIndexOrNone = None,
        leaf_hash: FromQuery[Token | None] = None,
    ) -> dict[str, Any]:
        if (index is None) == (leaf_hash is None):
            raise ValidationFailed("give exactly one of index and leaf_hash", field="index")
        if leaf_hash is not None:
            try:
                raw = base64.b64decode(leaf_hash, validate=True)
            except ValueError:
                raw = b""
            if len(raw) != 32:
                raise ValidationFailed("leaf_hash must be a base64 SM3 hash", field="leaf_hash")
            entry = await evidence.find(leaf_hash_hex=raw.hex())
            index = entry.index
        assert index is not None
        proof = await evidence.inclusion_proof(index, tree_size)
        return {"index": index, "tree_size": tree_size, "inclusion_proof": _b64(proof)}

    @get(
        "/proof/consistency",
        operation_id="getEvidenceConsistencyProof",
        summary="RFC 9162 consistency proof between two tree sizes",
        responses={**_NOT_FOUND, **_BAD},
    )
    async def consistency(
        self, evidence: NamedDependency[EvidenceLog], first: LogIndex, second: LogIndex
    ) -> dict[str, Any]:
        proof = await evidence.consistency_proof(first, second)
        return {"first": first, "second": second, "consistency_proof": _b64(proof)}


class EvidencePackageController(Controller):
    """出证: the evidence package of one of the caller's signings (tenant-scoped)."""

    path = "/api/v1/evidence/signatures"
    tags = ["evidence"]  # noqa: RUF012

    @get(
        "/{signature_id:uuid}",
        operation_id="getEvidencePackage",
        summary="Evidence package of a signing: entries, proofs, signed checkpoint, signature",
        description=(
            "Verifies offline with `sealhub verify PACKAGE.json` (no database): checkpoint "
            "signature, inclusion proofs, the SES_Signature over document_sm3, the seal, and "
            "approval-before-signing. The caller must see the signature (its signer, a clerk "
            "or a tenant admin of the same tenant)."
        ),
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT, Role.CLERK, Role.TENANT_ADMIN)],
        responses=errors(401, 403, 404),
    )
    async def package(
        self,
        evidence: NamedDependency[EvidenceLog],
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        signature_id: FromPath[uuid.UUID],
    ) -> dict[str, Any]:
        return await evidence_package(evidence, signing, principal, signature_id)


async def evidence_package(
    evidence: EvidenceLog, signing: SigningService, principal: Principal, signature_id: uuid.UUID
) -> dict[str, Any]:
    """The package of one of the caller's signings (also the PDF report's source)."""
    record = await signing.get_signature(principal, signature_id)
    # The caller may see this signing (its signer, or a clerk/admin of the tenant):
    # the package discloses who signed, who approved and why, proven against the leaves.
    disclosure = {"signer_account_id": str(record.account_id)}
    if record.use_request_id is not None:
        use = await signing.get_use_request(principal, record.use_request_id)
        disclosure.update(use_request_id=str(use.id), purpose=use.purpose)
        if use.decided_by is not None:
            disclosure["approver_account_id"] = str(use.decided_by)
    return await evidence.package(
        record.signature_der, bytes.fromhex(record.document_sm3), disclosure
    )
