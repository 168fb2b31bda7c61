"""我的签章: my seals, applying for one, its 口令, suspending it, its history and uses."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from hub.errors import NotFound, SealHubError
from hub.evidence.service import EvidenceLog
from hub.seals.records import SealRecord
from hub.seals.rules import ENTERPRISE_TYPES
from hub.seals.services import SealApplication, SealService
from hub.signing.uses import list_seal_uses
from hub.web import deps
from hub.web.rendering import field_of, gettext_for, problem_text, render
from hub.web.session import LoggedIn, PortalUser
from tenants.identity.services import IdentityService
from tenants.policy.services import SEAL_TYPES

UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def _enterprises(identity: IdentityService, user: PortalUser) -> list[Any]:
    if not user.is_agent:
        return []
    return await identity.list_enterprises(
        user.principal.tenant_id, agent_account_id=user.principal.account_id
    )


async def _overview(
    request: deps.AnyRequest,
    user: PortalUser,
    seals: SealService,
    identity: IdentityService,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    notice: str = "",
) -> Response[str]:
    rows = await seals.list_seals(user.principal)
    mine = [r for r in rows if r.owner_account_id == user.principal.account_id]
    return await render(
        request,
        "seals/list.html",
        status_code=status_code,
        seals=mine,
        enterprises=await _enterprises(identity, user),
        enterprise_types=[t for t in SEAL_TYPES if t in ENTERPRISE_TYPES],
        errors=errors or {},
        notice=notice,
    )


class SealPages(Controller):
    path = "/seals"
    include_in_schema = False

    @get("", name="portal:seals")
    async def overview(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        identity: NamedDependency[IdentityService],
    ) -> Response[str]:
        _ = gettext_for(request)
        notice = ""
        if request.query_params.get("welcome"):
            notice = _("Welcome. Your identity is verified; apply for your personal seal below.")
        elif request.query_params.get("enterprise"):
            notice = _("The enterprise is registered; you can apply for its seals.")
        return await _overview(request, user, seals, identity, notice=notice)

    @post("/apply", name="portal:seal-apply")
    async def apply(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        identity: NamedDependency[IdentityService],
        data: UrlForm,
    ) -> Response[Any]:
        seal_type = str(data.get("seal_type", ""))
        code = str(data.get("seal_code", "")).strip() or None
        try:
            row = await seals.apply(
                user.principal,
                SealApplication(
                    seal_type=seal_type,
                    enterprise_id=_uuid(data.get("enterprise_id")),
                    seal_code=code,
                ),
            )
        except SealHubError as exc:
            field = field_of(exc) or "seal_type"
            scope = "enterprise" if seal_type != "personal" else "personal"
            return await _overview(
                request,
                user,
                seals,
                identity,
                status_code=exc.status,
                errors={f"{scope}:{field}": problem_text(request, exc)},
            )
        return Redirect(f"/seals/{row.id}", status_code=303)

    @get("/{seal_id:uuid}", name="portal:seal")
    async def detail(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        evidence: NamedDependency[EvidenceLog],
        seal_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        _ = gettext_for(request)
        done = {
            "password": _("The seal password is set."),
            "suspended": _("The seal is suspended."),
        }
        return await self._detail(
            request,
            user,
            seals,
            evidence,
            seal_id,
            notice=done.get(request.query_params.get("done", ""), ""),
        )

    async def _detail(
        self,
        request: deps.AnyRequest,
        user: PortalUser,
        seals: SealService,
        evidence: EvidenceLog,
        seal_id: uuid.UUID,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        notice: str = "",
    ) -> Response[str]:
        seal = await _own(seals, user, seal_id)
        history = await seals.history(user.principal, seal_id)
        uses: dict[str, Any] = {"uses": [], "total": 0}
        if seal.seal_der is not None:
            uses = await list_seal_uses(evidence, user.principal, seal_id, limit=100)
        return await render(
            request,
            "seals/detail.html",
            status_code=status_code,
            seal=seal,
            history=history,
            uses=uses,
            errors=errors or {},
            notice=notice,
        )

    @get("/{seal_id:uuid}/picture", name="portal:seal-picture", media_type="image/png")
    async def picture(
        self, user: LoggedIn, seals: NamedDependency[SealService], seal_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        seal = await _own(seals, user, seal_id)
        return Response(
            seal.picture or b"",
            media_type="image/png",
            headers={"Cache-Control": "private, max-age=300"},
        )

    @get("/{seal_id:uuid}/uses", name="portal:seal-uses")
    async def uses(
        self,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        evidence: NamedDependency[EvidenceLog],
        seal_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """Every use with its log entry, inclusion proof and the signed checkpoint, to check
        offline (hub.evidence.checkpoint / hub.evidence.merkle)."""
        await _own(seals, user, seal_id)
        body = await list_seal_uses(evidence, user.principal, seal_id, limit=100)
        return Response(
            json.dumps(body, ensure_ascii=False, default=str).encode(),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="seal-uses-{seal_id}.json"'},
        )

    @post("/{seal_id:uuid}/password", name="portal:seal-password")
    async def password(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        evidence: NamedDependency[EvidenceLog],
        seal_id: FromPath[uuid.UUID],
        data: UrlForm,
    ) -> Response[Any]:
        _ = gettext_for(request)
        new, again = str(data.get("password", "")), str(data.get("password2", ""))
        old = str(data.get("old_password", "")) or None
        if new != again:
            return await self._detail(
                request,
                user,
                seals,
                evidence,
                seal_id,
                status_code=422,
                errors={"password2": _("The two passwords differ.")},
            )
        try:
            await seals.set_password(user.principal, seal_id, new, old)
        except SealHubError as exc:
            return await self._detail(
                request,
                user,
                seals,
                evidence,
                seal_id,
                status_code=exc.status,
                errors={field_of(exc) or "password": problem_text(request, exc)},
            )
        return Redirect(f"/seals/{seal_id}?done=password", status_code=303)

    @post("/{seal_id:uuid}/suspend", name="portal:seal-suspend")
    async def suspend(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        evidence: NamedDependency[EvidenceLog],
        seal_id: FromPath[uuid.UUID],
        data: UrlForm,
    ) -> Response[Any]:
        _ = gettext_for(request)
        await _own(seals, user, seal_id)
        try:
            await seals.suspend(user.principal, seal_id, str(data.get("reason", ""))[:200])
        except SealHubError as exc:
            return await self._detail(
                request,
                user,
                seals,
                evidence,
                seal_id,
                status_code=exc.status,
                errors={"suspend": problem_text(request, exc)},
            )
        return Redirect(f"/seals/{seal_id}?done=suspended", status_code=303)


async def _own(seals: SealService, user: PortalUser, seal_id: uuid.UUID) -> SealRecord:
    seal = await seals.get(user.principal, seal_id)
    if seal.owner_account_id != user.principal.account_id:
        raise NotFound("seal not found")  # staff see seals in the API, not as "mine"
    return seal
