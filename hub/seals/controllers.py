"""/api/v1/seals: apply for, approve, make, suspend, resume, revoke seals; set the
seal's protection password. Thin: each handler calls one SealService method."""

from __future__ import annotations

import base64
import uuid

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.schemas_common import QueryKey
from hub.seals.notices import notices_of
from hub.seals.records import SealEventRecord, SealRecord
from hub.seals.schemas import (
    ApplySeal,
    CertificatesOut,
    MakeFailure,
    NoticeOut,
    Reason,
    SealEventOut,
    SealOut,
    SetPassword,
)
from hub.seals.services import SealApplication, SealService


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


def seal_out(seal: SealRecord) -> SealOut:
    return SealOut(
        id=seal.id,
        esid=seal.esid,
        seal_type=seal.seal_type,
        name=seal.name,
        owner_kind=seal.owner_kind,
        status=seal.status,
        vendor=seal.vendor,
        valid_start=seal.valid_start,
        valid_end=seal.valid_end,
        width_mm=seal.width_mm,
        height_mm=seal.height_mm,
        password_set=seal.password_set,
        made_at=seal.made_at,
        seal=_b64(seal.seal_der),
        signer_cert=_b64(seal.signer_cert),
        suspended_by=seal.suspended_by,
        make_failure=(
            MakeFailure(seal.make_failure, seal.make_failed_vendor, seal.make_failed_at)
            if seal.make_failure
            else None
        ),
    )


def event_out(event: SealEventRecord) -> SealEventOut:
    return SealEventOut(
        from_status=event.from_status,
        to_status=event.to_status,
        actor_account_id=event.actor_account_id,
        reason=event.reason,
        at=event.at,
        actor_role=event.actor_role,
    )


_TENANT_ROLES = (Role.PERSON, Role.ENTERPRISE_AGENT, Role.CLERK, Role.TENANT_ADMIN)


class SealController(Controller):
    path = "/api/v1/seals"
    tags = ["seals"]  # noqa: RUF012

    @post(
        "",
        operation_id="applySeal",
        summary="Apply for a seal (personal: made at once; enterprise: after a clerk approves)",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT)],
        responses=errors(401, 403, 404, 409, 422, 502, 503, 504),
    )
    async def apply(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        data: JSONBody[ApplySeal],
    ) -> SealOut:
        row = await seals.apply(principal, SealApplication(**msgspec.structs.asdict(data)))
        return seal_out(row)

    @get(
        "",
        operation_id="listSeals",
        summary="My seals (clerks and tenant admins: the tenant's seals)",
        guards=[requires(*_TENANT_ROLES)],
        responses=errors(401, 403),
    )
    async def list_all(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        status: QueryKey = None,
    ) -> list[SealOut]:
        rows = await seals.list_seals(principal, status=status)
        return [seal_out(r) for r in rows]

    @get(
        "/{seal_id:uuid}",
        operation_id="getSeal",
        summary="One seal",
        guards=[requires(*_TENANT_ROLES)],
        responses=errors(401, 403, 404),
    )
    async def get_one(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
    ) -> SealOut:
        return seal_out(await seals.get(principal, seal_id))

    @get(
        "/{seal_id:uuid}/history",
        operation_id="getSealHistory",
        summary="Every status change of a seal: who, when, why",
        guards=[requires(*_TENANT_ROLES)],
        responses=errors(401, 403, 404),
    )
    async def history(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
    ) -> list[SealEventOut]:
        return [event_out(e) for e in await seals.history(principal, seal_id)]

    @get(
        "/{seal_id:uuid}/certificates",
        operation_id="getSealCertificates",
        summary="The seal's signer and maker certificates and the vendor's CA chain",
        guards=[requires(*_TENANT_ROLES)],
        responses=errors(401, 403, 404, 409, 502, 503, 504),
    )
    async def certificates(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
    ) -> CertificatesOut:
        certs = await seals.certificates(principal, seal_id)
        return CertificatesOut(
            signer_cert=_b64(certs.signer_cert) or "",
            maker_cert=_b64(certs.maker_cert) or "",
            ca_certs=[_b64(c) or "" for c in certs.ca_certs],
        )

    @post(
        "/{seal_id:uuid}/approve",
        operation_id="approveSeal",
        summary="Clerk approves an enterprise seal application; the vendor makes it",
        status_code=200,
        guards=[requires(Role.CLERK, Role.TENANT_ADMIN)],
        responses=errors(401, 403, 404, 409, 502, 503, 504),
    )
    async def approve(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        data: JSONBody[Reason],
    ) -> SealOut:
        return seal_out(await seals.approve(principal, seal_id, data.reason))

    @post(
        "/{seal_id:uuid}/reject",
        operation_id="rejectSeal",
        summary="Clerk rejects a seal application",
        status_code=200,
        guards=[requires(Role.CLERK, Role.TENANT_ADMIN)],
        responses=errors(401, 403, 404, 409),
    )
    async def reject(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        data: JSONBody[Reason],
    ) -> SealOut:
        return seal_out(await seals.reject(principal, seal_id, data.reason))

    @post(
        "/{seal_id:uuid}/make",
        operation_id="retryMakeSeal",
        summary="Ask the vendors again to make a seal whose making failed (owner or staff)",
        status_code=200,
        guards=[requires(*_TENANT_ROLES)],
        responses=errors(401, 403, 404, 409, 502, 503, 504),
    )
    async def retry_make(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
    ) -> SealOut:
        return seal_out(await seals.retry_make(principal, seal_id))

    @post(
        "/{seal_id:uuid}/suspend",
        operation_id="suspendSeal",
        summary="Suspend a seal (owner, clerk or tenant admin)",
        status_code=200,
        guards=[requires(*_TENANT_ROLES)],
        responses=errors(401, 403, 404, 409),
    )
    async def suspend(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        data: JSONBody[Reason],
    ) -> SealOut:
        return seal_out(await seals.suspend(principal, seal_id, data.reason))

    @post(
        "/{seal_id:uuid}/resume",
        operation_id="resumeSeal",
        summary="Resume a suspended seal",
        status_code=200,
        guards=[requires(*_TENANT_ROLES)],
        responses=errors(401, 403, 404, 409),
    )
    async def resume(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        data: JSONBody[Reason],
    ) -> SealOut:
        return seal_out(await seals.resume(principal, seal_id, data.reason))

    @post(
        "/{seal_id:uuid}/revoke",
        operation_id="revokeSeal",
        summary="Revoke a seal for good (its past signatures stay valid)",
        status_code=200,
        guards=[requires(*_TENANT_ROLES)],
        responses=errors(401, 403, 404, 409),
    )
    async def revoke(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        data: JSONBody[Reason],
    ) -> SealOut:
        return seal_out(await seals.revoke(principal, seal_id, data.reason))

    @put(
        "/{seal_id:uuid}/password",
        operation_id="setSealPassword",
        summary="Set or change the seal's protection password (口令); a change needs the old one",
        status_code=HTTP_204_NO_CONTENT,
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT)],
        responses=errors(401, 403, 404, 422, 423),
    )
    async def set_password(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
        data: JSONBody[SetPassword],
    ) -> None:
        await seals.set_password(principal, seal_id, data.password, data.old_password)


# --- HTTP: the owner (or the bureau's staff) reads what the owner was told -------------


class SealNoticeController(Controller):
    path = "/api/v1/seals"
    tags = ["seals"]  # noqa: RUF012

    @get(
        "/{seal_id:uuid}/notices",
        operation_id="listSealNotices",
        summary="What the seal's owner was told: coming expiry, mold changes, resets",
        responses=errors(401, 404),
    )
    async def notices(
        self,
        seals: NamedDependency[SealService],
        principal: CurrentPrincipal,
        seal_id: FromPath[uuid.UUID],
    ) -> list[NoticeOut]:
        await seals.get(principal, seal_id)  # 404 unless theirs (or staff)
        rows = await notices_of(principal.tenant_id, seal_id)
        return [NoticeOut(str(r["kind"]), str(r["message"]), r["at"]) for r in rows]  # type: ignore[arg-type]
