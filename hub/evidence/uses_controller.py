"""GET /api/v1/seals/{seal_id}/uses: the seal owner's view of every use, with log proofs."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.evidence.service import EvidenceLog
from hub.evidence.uses import list_seal_uses
from hub.schemas_common import Limit, Offset


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
