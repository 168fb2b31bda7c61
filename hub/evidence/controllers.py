"""Evidence-log endpoints: the public log (key, checkpoint, entry hashes, RFC 9162
proofs). A tenant's own signings' evidence packages are served by hub.signing, which
knows who may see a signing and asks the log for the package.

Proofs and leaf hashes are public (anyone can check the log); event contents are not
served here (they belong to their tenant, and reach a relying party in an evidence
package).
"""

from __future__ import annotations

import base64
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery

from hub.crypto import sm3
from hub.errors import ValidationFailed
from hub.evidence.cosigning import CosignedCheckpoint
from hub.evidence.service import EvidenceLog
from hub.schemas_common import LogIndex, LogIndexOrNone, Token

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
