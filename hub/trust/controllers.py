"""HTTP API of the trust store (thin), and the hub CA's public material.

* `/api/v1/trust/anchors`: the hub operator manages hub-wide entries, a tenant admin
  its own tenant's (the scope comes from the token, never from the body).
* public, no authentication: the hub CA certificate, its CRL, the signed status list.
"""

from __future__ import annotations

import base64
import binascii
import uuid

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from hub.auth.guards import requires
from hub.auth.principal import Principal, Role
from hub.errors import ValidationFailed
from hub.trust.records import TrustEntryView
from hub.trust.schemas import (
    StatusListEnvelope,
    TrustEntryIn,
    TrustEntryOut,
)
from hub.trust.services import TrustService


def _scope(principal: Principal) -> uuid.UUID | None:
    """Hub operators manage the hub-wide store, tenant admins their tenant's."""
    if principal.is_hub and principal.has(Role.HUB_OPERATOR):
        return None
    return principal.tenant_id


def _problems(*codes: int) -> dict[int, ResponseSpec]:
    text = {
        401: "No or invalid access token",
        403: "The caller lacks the role",
        404: "No such entry in the caller's scope",
        409: "Already in the trust store",
        422: "Invalid field (named in the problem)",
    }
    return {c: ResponseSpec(None, description=text[c] + " (problem+json)") for c in codes}


def _entry_out(entry: TrustEntryView) -> TrustEntryOut:
    return TrustEntryOut(**msgspec.structs.asdict(entry))


class TrustStoreController(Controller):
    path = "/api/v1/trust/anchors"
    tags = ["trust"]  # noqa: RUF012
    guards = [requires(Role.HUB_OPERATOR, Role.TENANT_ADMIN)]  # noqa: RUF012

    @get("", operation_id="listTrustEntries", responses=_problems(401, 403),
         summary="Trust anchors, pinned makers and CRLs of the caller's scope")  # fmt: skip
    async def list_entries(
        self, trust: NamedDependency[TrustService], principal: NamedDependency[Principal]
    ) -> list[TrustEntryOut]:
        rows = await trust.entries(_scope(principal))
        return [_entry_out(r) for r in rows]

    @post("", operation_id="addTrustEntry", responses=_problems(401, 403, 409, 422),
          summary="Add a CA certificate, a pinned maker certificate or a CRL")  # fmt: skip
    async def add_entry(
        self,
        trust: NamedDependency[TrustService],
        principal: NamedDependency[Principal],
        data: JSONBody[TrustEntryIn],
    ) -> TrustEntryOut:
        if data.der:
            try:
                raw = base64.b64decode(data.der, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValidationFailed("der must be base64", field="der") from exc
        elif data.pem:
            raw = data.pem.encode()
        else:
            raise ValidationFailed("give der (base64) or pem", field="der")
        row = await trust.add(
            _scope(principal), raw, actor=str(principal.account_id), label=data.label,
            kind=data.kind,
        )  # fmt: skip
        return _entry_out(row)

    @delete(
        "/{entry_id:uuid}",
        operation_id="removeTrustEntry",
        status_code=HTTP_204_NO_CONTENT,
        responses=_problems(401, 403, 404),
        summary="Remove an entry of the caller's scope",
    )
    async def remove_entry(
        self,
        trust: NamedDependency[TrustService],
        principal: NamedDependency[Principal],
        entry_id: FromPath[uuid.UUID],
    ) -> None:
        await trust.remove(_scope(principal), entry_id)


class TrustPublicController(Controller):
    path = "/api/v1/trust"
    tags = ["trust"]  # noqa: RUF012

    @get("/ca/{name:str}", operation_id="getHubCaCertificate", security=[],
         responses=_problems(404),
         summary="The hub CA certificate (DER), e.g. /api/v1/trust/ca/local.cer")  # fmt: skip
    async def ca_certificate(
        self, trust: NamedDependency[TrustService], name: FromPath[str]
    ) -> Response[bytes]:
        der = await trust.hub_ca_certificate(name.removesuffix(".cer"))
        return Response(der, media_type="application/pkix-cert")

    @get(
        "/crl/{name:str}",
        operation_id="getHubCrl",
        security=[],
        responses=_problems(404),
        summary="The hub CA's signed SM2 CRL (DER), e.g. /api/v1/trust/crl/local.crl",
    )
    async def crl(
        self, trust: NamedDependency[TrustService], name: FromPath[str]
    ) -> Response[bytes]:
        der = await trust.crl(name.removesuffix(".crl"))
        return Response(der, media_type="application/pkix-crl",
                        headers={"Cache-Control": "public, max-age=300"})  # fmt: skip

    @get(
        "/status-list",
        operation_id="getStatusList",
        security=[],
        summary="The signed provider status list (admitted makers and vendors per tenant)",
        responses={200: ResponseSpec(StatusListEnvelope, description="The signed list")},
    )
    async def status_list(self, trust: NamedDependency[TrustService]) -> Response[bytes]:
        return Response(await trust.status_list(), media_type="application/json")


CONTROLLERS = [TrustStoreController, TrustPublicController]
