"""应用中心: a bureau's published templates; fill one, sign my steps in the signing
order, follow the other parties' steps."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from hub.documents.service import MEDIA_TYPES, DocumentService
from hub.downloads import content_disposition
from hub.errors import SealHubError, ValidationFailed
from hub.seals.services import SealService
from hub.signing.records import UseRequestRecord
from hub.signing.services import SigningService
from hub.web import deps
from hub.web.rendering import field_of, problem_text, render
from hub.web.session import LoggedIn, PortalUser
from tenants.queries import account_id_by_username

UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
INPUT_TYPES = {"date": "date", "phone": "tel", "id_number": "text", "text": "text"}


async def account_by_username(scope: Any, username: str) -> uuid.UUID | None:
    """An account of the caller's tenant by its user name (tenant scope first)."""
    return await account_id_by_username(scope.tenant_id, username.strip())


class CenterPages(Controller):
    path = "/center"
    include_in_schema = False

    @get("", name="portal:center")
    async def overview(
        self, request: deps.AnyRequest, user: LoggedIn, documents: NamedDependency[DocumentService]
    ) -> Response[str]:
        return await render(
            request,
            "center/list.html",
            templates=await documents.list_templates(user.principal),
            instances=await documents.list_instances(user.principal),
        )

    @get("/templates/{template_id:uuid}", name="portal:center-template")
    async def template(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        template_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return await self._template(request, user, documents, template_id)

    async def _template(
        self,
        request: deps.AnyRequest,
        user: PortalUser,
        documents: DocumentService,
        template_id: uuid.UUID,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        form: dict[str, Any] | None = None,
    ) -> Response[str]:
        template = await documents.get_template(user.principal, template_id)
        return await render(
            request,
            "center/fill.html",
            status_code=status_code,
            form_template=template,
            errors=errors or {},
            form=form or {},
            input_types=INPUT_TYPES,
        )

    @post("/templates/{template_id:uuid}", name="portal:center-fill")
    async def fill(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        template_id: FromPath[uuid.UUID],
        data: UrlForm,
    ) -> Response[Any]:
        template = await documents.get_template(user.principal, template_id)
        form = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        values = {f["name"]: form.get(f"v_{f['name']}", "").strip() for f in template.fields}
        try:
            parties: dict[str, uuid.UUID] = {}
            for step in template.signers:
                name = form.get(f"party_{step['key']}", "").strip()
                if not name:
                    continue  # the caller's own step
                account = await account_by_username(user.principal, name)
                if account is None:
                    raise ValidationFailed(
                        "no account with this user name here", field=f"party_{step['key']}"
                    )
                parties[step["key"]] = account
            view = await documents.fill(user.principal, template_id, values, parties)
        except SealHubError as exc:
            field = field_of(exc)
            if field in values:
                field = f"v_{field}"
            return await self._template(
                request,
                user,
                documents,
                template_id,
                status_code=exc.status,
                form=form,
                errors={field or "form": problem_text(request, exc)},
            )
        return Redirect(f"/center/documents/{view.id}", status_code=303)

    @get("/documents/{instance_id:uuid}", name="portal:center-document")
    async def document(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        seals: NamedDependency[SealService],
        signing: NamedDependency[SigningService],
        instance_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return await self._document(request, user, documents, seals, signing, instance_id)

    async def _document(
        self,
        request: deps.AnyRequest,
        user: PortalUser,
        documents: DocumentService,
        seals: SealService,
        signing: SigningService,
        instance_id: uuid.UUID,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
    ) -> Response[str]:
        view = await documents.instance(user.principal, instance_id)
        active = await seals.list_seals(user.principal, status="active")
        mine = [s for s in active if s.owner_account_id == user.principal.account_id]
        me = str(user.principal.account_id)
        approvals = await _approvals(signing, user, view.document_sm3)
        return await render(
            request,
            "center/document.html",
            status_code=status_code,
            doc=view,
            seals=mine,
            me=me,
            approvals=approvals,
            errors=errors or {},
        )

    @get("/documents/{instance_id:uuid}/file", name="portal:center-file")
    async def file(
        self,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        instance_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        got = await documents.download(user.principal, instance_id)
        return Response(
            got.data,
            media_type=MEDIA_TYPES[got.kind],
            headers={"Content-Disposition": content_disposition(got.filename)},
        )

    @post("/documents/{instance_id:uuid}/approval", name="portal:center-approval")
    async def approval(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        seals: NamedDependency[SealService],
        signing: NamedDependency[SigningService],
        instance_id: FromPath[uuid.UUID],
        data: UrlForm,
    ) -> Response[Any]:
        view = await documents.instance(user.principal, instance_id)
        try:
            seal_id = _uuid(data.get("seal_id"))
            if seal_id is None:
                raise ValidationFailed("choose one of your seals", field="seal_id")
            await signing.request_use(
                user.principal,
                seal_id,
                bytes.fromhex(view.document_sm3),
                str(data.get("purpose", "")),
            )
        except SealHubError as exc:
            return await self._document(
                request,
                user,
                documents,
                seals,
                signing,
                instance_id,
                status_code=exc.status,
                errors={f"{data.get('step', '')}": problem_text(request, exc)},
            )
        return Redirect(f"/center/documents/{instance_id}", status_code=303)

    @post("/documents/{instance_id:uuid}/sign", name="portal:center-sign")
    async def sign(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        seals: NamedDependency[SealService],
        signing: NamedDependency[SigningService],
        instance_id: FromPath[uuid.UUID],
        data: UrlForm,
    ) -> Response[Any]:
        view = await documents.instance(user.principal, instance_id)
        step = str(data.get("step", ""))
        try:
            seal_id = _uuid(data.get("seal_id"))
            if seal_id is None:
                raise ValidationFailed("choose one of your seals", field="seal_id")
            approved = [
                a
                for a in (await _approvals(signing, user, view.document_sm3))
                if a.seal_id == seal_id and a.status == "approved"
            ]
            # The key names this document version, step and seal: a resent form signs once.
            key = hashlib.sha256(
                f"{instance_id}:{view.document_sm3}:{step}:{seal_id}".encode()
            ).hexdigest()[:48]
            await documents.sign_instance(
                user.principal,
                instance_id,
                step_key=step,
                seal_id=seal_id,
                password=str(data.get("password", "")),
                idempotency_key="portal-" + key,
                use_request_id=approved[-1].id if approved else None,
            )
        except SealHubError as exc:
            return await self._document(
                request,
                user,
                documents,
                seals,
                signing,
                instance_id,
                status_code=exc.status,
                errors={step: problem_text(request, exc)},
            )
        return Redirect(f"/center/documents/{instance_id}", status_code=303)


async def _approvals(
    signing: SigningService, user: PortalUser, document_sm3: str
) -> list[UseRequestRecord]:
    rows = await signing.list_use_requests(user.principal, None)
    return [
        r
        for r in rows
        if r.document_sm3 == document_sm3 and r.requester_account_id == user.principal.account_id
    ]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
