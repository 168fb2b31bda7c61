"""/api/v1/molds: a tenant's seal-mold registry (印模库). Tenant admins write; clerks read.

The tenant is the caller's (from the verified token); seal codes of other tenants are
simply not found.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import anyio
from litestar import Controller, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, JSONBody

from hub.auth.guards import requires
from hub.auth.principal import CurrentPrincipal, Principal, Role
from hub.errors import NotFound, ValidationFailed
from hub.schemas_common import Limit, Offset, QueryKey
from monitoring.metrics import cross_tenant_denied
from tenants.molds.records import images_from_zip
from tenants.molds.services import MoldRegistry, MoldView

_ERRORS = {
    401: ResponseSpec(None, description="No or invalid access token (problem+json)"),
    403: ResponseSpec(None, description="Caller lacks the role (problem+json)"),
}
_NOT_FOUND = {404: ResponseSpec(None, description="No such seal code in your tenant")}


@dataclass
class MoldImportUpload:
    csv: UploadFile
    images: UploadFile  # a zip of the image files the CSV names


@dataclass
class SealUpload:
    seal: UploadFile  # DER SES_Seal (.esl) made by a vendor


@dataclass
class StatusChange:
    status: str  # active | suspended | revoked


def _out(view: MoldView) -> dict[str, Any]:
    out = asdict(view)
    out["updated_at"] = view.updated_at.isoformat()
    return out


@asynccontextmanager
async def _counting_probes(
    registry: MoldRegistry, principal: Principal, seal_code: str
) -> AsyncIterator[None]:
    """A 404 stays a 404; if the code belongs to another tenant the attempt is counted."""
    try:
        yield
    except NotFound:
        if await registry.held_elsewhere(principal.tenant_id, seal_code):
            cross_tenant_denied(principal.tenant_slug)
        raise


class MoldController(Controller):
    path = "/api/v1/molds"
    tags = ["molds"]  # noqa: RUF012

    @get(
        "",
        operation_id="listMolds",
        summary="List the tenant's registered seal molds",
        guards=[requires(Role.TENANT_ADMIN, Role.CLERK)],
        responses=_ERRORS,
    )
    async def list_molds(
        self,
        molds: NamedDependency[MoldRegistry],
        principal: CurrentPrincipal,
        status: QueryKey = None,
        credit_code: QueryKey = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        if status is not None and status not in ("active", "suspended", "revoked"):
            raise ValidationFailed("status must be active, suspended or revoked", field="status")
        views = await molds.list(
            principal.tenant_id, status=status, credit_code=credit_code, limit=limit, offset=offset
        )
        return [_out(v) for v in views]

    @post(
        "/import",
        operation_id="importMolds",
        summary="Bulk import molds from a CSV and a zip of images (per-row report)",
        description="Good rows are stored (a seal code already on record is replaced); "
        "bad rows are reported with their line, seal code, field and reason.",
        guards=[requires(Role.TENANT_ADMIN)],
        status_code=200,
        responses={
            **_ERRORS,
            413: ResponseSpec(None, description="Too many rows or bytes"),
            422: ResponseSpec(None, description="CSV unreadable or lacks columns"),
        },
    )
    async def import_molds(
        self,
        molds: NamedDependency[MoldRegistry],
        principal: CurrentPrincipal,
        data: Annotated[MoldImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> dict[str, Any]:
        csv_bytes = await data.csv.read()
        archive = await data.images.read()
        images = await anyio.to_thread.run_sync(lambda: images_from_zip(archive))
        report = await molds.import_csv(principal.tenant_id, csv_bytes, images)
        return report.to_dict()

    @get(
        "/{seal_code:str}",
        operation_id="getMold",
        summary="One registered mold",
        guards=[requires(Role.TENANT_ADMIN, Role.CLERK)],
        responses={**_ERRORS, **_NOT_FOUND},
    )
    async def get_mold(
        self,
        molds: NamedDependency[MoldRegistry],
        principal: CurrentPrincipal,
        seal_code: FromPath[str],
    ) -> dict[str, Any]:
        async with _counting_probes(molds, principal, seal_code):
            return _out(await molds.get(principal.tenant_id, seal_code))

    @get(
        "/{seal_code:str}/picture",
        operation_id="getMoldPicture",
        summary="The normalised mold picture (red PNG, transparent, the record's size)",
        guards=[requires(Role.TENANT_ADMIN, Role.CLERK)],
        media_type="image/png",
        responses={**_ERRORS, **_NOT_FOUND},
    )
    async def get_picture(
        self,
        molds: NamedDependency[MoldRegistry],
        principal: CurrentPrincipal,
        seal_code: FromPath[str],
    ) -> Response[bytes]:
        async with _counting_probes(molds, principal, seal_code):
            png = await molds.picture(principal.tenant_id, seal_code)
        return Response(png, media_type="image/png")

    @put(
        "/{seal_code:str}/status",
        operation_id="setMoldStatus",
        summary="Suspend, revoke or reactivate a mold",
        guards=[requires(Role.TENANT_ADMIN)],
        responses={**_ERRORS, **_NOT_FOUND, 422: ResponseSpec(None, description="Unknown status")},
    )
    async def set_status(
        self,
        molds: NamedDependency[MoldRegistry],
        principal: CurrentPrincipal,
        seal_code: FromPath[str],
        data: JSONBody[StatusChange],
    ) -> dict[str, Any]:
        async with _counting_probes(molds, principal, seal_code):
            view = await molds.set_status(principal.tenant_id, seal_code, data.status)
        return _out(view)

    @post(
        "/{seal_code:str}/check",
        operation_id="checkSealAgainstMold",
        summary="Check a vendor's seal picture against the registered mold (同模同轨)",
        guards=[requires(Role.TENANT_ADMIN, Role.CLERK)],
        status_code=200,
        responses={
            **_ERRORS,
            403: ResponseSpec(
                None,
                description="Picture does not match the mold, mold not active, or none on record",
            ),
            422: ResponseSpec(None, description="Not an SES_Seal"),
        },
    )
    async def check(
        self,
        molds: NamedDependency[MoldRegistry],
        principal: CurrentPrincipal,
        seal_code: FromPath[str],
        data: Annotated[SealUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> dict[str, Any]:
        seal_der = await data.seal.read()
        match = await molds.check_seal(principal.tenant_id, seal_der, seal_code=seal_code)
        return {
            "matched": match.matched,
            "mismatch_mm2": match.mismatch_mm2,
            "worst_cell_mm2": match.worst_cell_mm2,
            "detail": match.detail,
        }
