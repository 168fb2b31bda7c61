"""The evidence of a tenant's own signings: GET /api/v1/evidence/signatures/{id}, the
evidence package of one signing (出证), and GET /api/v1/seals/{seal_id}/uses, the seal
owner's view of every use, with log proofs.

Both live with signing (not hub.evidence): the signing service decides who may see a
signing, then the evidence log proves it; the log never reads signing tables."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Principal, Role
from hub.evidence.service import EvidenceLog
from hub.schemas_common import Limit, Offset
from hub.signing.services import SigningService
from hub.signing.uses import list_seal_uses


class SealUsesController(Controller):
    path = "/api/v1/seals/{seal_id:uuid}/uses"
    tags = ["evidence"]  # noqa: RUF012

    @get(
        "",
        operation_id="listSealUses",
        summary="Every use of my seal, each with its log entry and inclusion proof",
        description=(
            "Owner only (anyone else gets 404). Each signature made with the seal comes "
            "with its `signature.made` log entry (index, leaf, leaf hash, decoded event) and "
            "an RFC 9162 inclusion proof against `checkpoint` (freshly signed, C2SP text); "
            "check offline with hub.evidence.checkpoint.verify_checkpoint(text, signature, "
            "log_public_key) and hub.evidence.merkle.verify_inclusion(SM3(0x00||leaf), index, "
            "tree_size, proof, root). Ordered by signing time; page with limit/offset."
        ),
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT, Role.CLERK, Role.TENANT_ADMIN)],
        responses=errors(401, 403, 404, 422),
    )
    async def uses(
        self,
        evidence: NamedDependency[EvidenceLog],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        return await list_seal_uses(evidence, principal, seal_id, limit=limit, offset=offset)


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
