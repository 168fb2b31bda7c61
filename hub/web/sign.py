"""Sign a document (upload, place the seal, 口令, approval where policy asks), and
我的签署: every document I signed, its downloads, its rating."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated, Any

import anyio
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from hub.crypto import sm3
from hub.documents.service import MEDIA_TYPES, DocumentService, SignDocumentRequest, document_kind
from hub.downloads import content_disposition
from hub.errors import NotFound, SealHubError, ValidationFailed
from hub.evidence.service import EvidenceLog
from hub.seals.records import SealRecord
from hub.seals.services import SealService
from hub.settings import Settings
from hub.signing.records import UseRequestRecord
from hub.signing.services import SigningService
from hub.web import deps, pages
from hub.web.rendering import field_of, gettext_for, problem_text, render
from hub.web.session import LoggedIn, PortalUser
from hub.web.store import FileStore, Stored, stores
from monitoring.services import QualityService

UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MultiForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _drafts(settings: Settings) -> FileStore:
    return stores(settings.portal.draft_seconds)[0]


def _owner(user: PortalUser) -> str:
    return f"{user.principal.tenant_id}/{user.principal.account_id}"


async def _usable_seals(seals: SealService, user: PortalUser) -> list[SealRecord]:
    rows = await seals.list_seals(user.principal, status="active")
    return [r for r in rows if r.owner_account_id == user.principal.account_id]


async def _needs_approval(signing: SigningService, user: PortalUser, seal: SealRecord) -> bool:
    return bool(await signing.needs_use_approval(user.principal.tenant_id, seal.seal_type))


class SignPages(Controller):
    path = "/sign"
    include_in_schema = False

    @get("", name="portal:sign")
    async def start(
        self, request: deps.AnyRequest, user: LoggedIn, seals: NamedDependency[SealService]
    ) -> Response[str]:
        return await render(
            request, "sign/upload.html", errors={}, seals=await _usable_seals(seals, user)
        )

    @post("", name="portal:sign-upload")
    async def upload(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        settings: NamedDependency[Settings],
        data: MultiForm,
    ) -> Response[Any]:
        upload = data.get("file")
        content = await upload.read() if upload is not None and hasattr(upload, "read") else b""
        limits = settings.limits
        try:
            if not content:
                raise ValidationFailed("choose a PDF or OFD file", field="file")
            kind = document_kind(content)
            sizes = await anyio.to_thread.run_sync(
                lambda: (
                    pages.pdf_pages(content)
                    if kind == "pdf"
                    else pages.ofd_pages(
                        content,
                        max_uncompressed=limits.ofd_max_uncompressed_bytes,
                        max_entries=limits.ofd_max_entries,
                    )
                )
            )
            if not sizes:
                raise ValidationFailed("the document has no pages", field="file")
        except SealHubError as exc:
            return await render(
                request,
                "sign/upload.html",
                status_code=exc.status,
                seals=await _usable_seals(seals, user),
                errors={"file": problem_text(request, exc)},
            )
        token = await _drafts(settings).put(
            content,
            _owner(user),
            kind=kind,
            filename=getattr(upload, "filename", "") or "",
            sm3=sm3(content).hex(),
            pages=[[s.width_mm, s.height_mm] for s in sizes],
        )
        return Redirect(f"/sign/{token}", status_code=303)

    @get("/{token:str}", name="portal:sign-place")
    async def place(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        signing: NamedDependency[SigningService],
        settings: NamedDependency[Settings],
        token: FromPath[str],
    ) -> Response[str]:
        return await self._place(request, user, seals, signing, _drafts(settings), token)

    async def _place(
        self,
        request: deps.AnyRequest,
        user: PortalUser,
        seals: SealService,
        signing: SigningService,
        drafts: FileStore,
        token: str,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        form: dict[str, Any] | None = None,
    ) -> Response[str]:
        draft = await drafts.get(token, _owner(user))
        usable = await _usable_seals(seals, user)
        form = form or {}
        chosen = _choose(usable, form.get("seal_id") or request.query_params.get("seal"))
        approval = None
        needs = chosen is not None and await _needs_approval(signing, user, chosen)
        if needs and draft.meta.get("use_request_id") and chosen is not None:
            approval = await _approval(signing, user, draft, chosen)
        page_no = _int(form.get("page", request.query_params.get("page", "1")), 1)
        page_no = min(max(page_no, 1), len(draft.meta["pages"]))
        width, height = draft.meta["pages"][page_no - 1]
        return await render(
            request,
            "sign/place.html",
            status_code=status_code,
            token=token,
            draft=draft.meta,
            seals=usable,
            seal=chosen,
            needs_approval=needs,
            approval=approval,
            page_no=page_no,
            page_w=width,
            page_h=height,
            errors=errors or {},
            form={
                "x_mm": form.get("x_mm", round(width / 2 - 10, 1)),
                "y_mm": form.get("y_mm", round(height * 0.7, 1)),
            },
        )

    @get("/{token:str}/pages/{page:int}", name="portal:sign-page", media_type="image/png")
    async def page_image(
        self,
        user: LoggedIn,
        settings: NamedDependency[Settings],
        token: FromPath[str],
        page: FromPath[int],
    ) -> Response[bytes]:
        draft = await _drafts(settings).get(token, _owner(user))
        limits = settings.limits
        png = await anyio.to_thread.run_sync(
            lambda: (
                pages.render_pdf_page(draft.data, page - 1)
                if draft.meta["kind"] == "pdf"
                else pages.render_ofd_page(
                    draft.data,
                    page - 1,
                    max_uncompressed=limits.ofd_max_uncompressed_bytes,
                    max_entries=limits.ofd_max_entries,
                )
            )
        )
        return Response(
            png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"}
        )

    @post("/{token:str}/approval", name="portal:sign-approval")
    async def ask_approval(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        signing: NamedDependency[SigningService],
        settings: NamedDependency[Settings],
        token: FromPath[str],
        data: UrlForm,
    ) -> Response[Any]:
        drafts = _drafts(settings)
        draft = await drafts.get(token, _owner(user))
        seal_id = _uuid(data.get("seal_id"))
        try:
            if seal_id is None:
                raise ValidationFailed("choose one of your seals", field="seal_id")
            row = await signing.request_use(
                user.principal,
                seal_id,
                bytes.fromhex(draft.meta["sm3"]),
                str(data.get("purpose", "")),
            )
        except SealHubError as exc:
            return await self._place(
                request,
                user,
                seals,
                signing,
                drafts,
                token,
                status_code=exc.status,
                form=dict(data),
                errors={field_of(exc) or "purpose": problem_text(request, exc)},
            )
        await drafts.update(
            token, _owner(user), use_request_id=str(row.id), use_request_seal=str(seal_id)
        )
        return Redirect(f"/sign/{token}?seal={seal_id}", status_code=303)

    @post("/{token:str}", name="portal:sign-post")
    async def sign(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        seals: NamedDependency[SealService],
        signing: NamedDependency[SigningService],
        documents: NamedDependency[DocumentService],
        settings: NamedDependency[Settings],
        token: FromPath[str],
        data: UrlForm,
    ) -> Response[Any]:
        drafts = _drafts(settings)
        draft = await drafts.get(token, _owner(user))
        _ = gettext_for(request)
        form = {k: str(v) for k, v in data.items() if k != "password"}
        try:
            view = await documents.sign_document(user.principal, _signing_of(token, draft, data))
        except SealHubError as exc:
            field = field_of(exc)
            if exc.type_slug == "policy-denied" and "approv" in exc.detail:
                field = "approval"
            elif exc.status in (401, 423) or "password" in exc.detail:
                field = "password"
            return await self._place(
                request,
                user,
                seals,
                signing,
                drafts,
                token,
                status_code=exc.status,
                form=form,
                errors={field or "password": problem_text(request, exc)},
            )
        return Redirect(f"/signatures/{view.id}?signed=1", status_code=303)


def _signing_of(token: str, draft: Stored, data: dict[str, Any]) -> SignDocumentRequest:
    """The signing the placement form asks for, checked against the draft."""
    # The 口令 is given for this document: the page showed its SM3, the form
    # carries it back, and it must still be the draft's.
    if str(data.get("document_sm3", "")).lower() != draft.meta["sm3"]:
        raise ValidationFailed("the document changed; upload it again", field="document_sm3")
    seal_id = _uuid(data.get("seal_id"))
    if seal_id is None:
        raise ValidationFailed("choose one of your seals", field="seal_id")
    page = _int(data.get("page"), 0)
    x_mm, y_mm = _float(data.get("x_mm"), "x_mm"), _float(data.get("y_mm"), "y_mm")
    use_request = None
    if draft.meta.get("use_request_seal") == str(seal_id):
        use_request = _uuid(draft.meta.get("use_request_id"))
    # The key names this draft, seal and place: a resent form signs once.
    placed = json.dumps([token, str(seal_id), page, x_mm, y_mm]).encode()
    key = hashlib.sha256(placed).hexdigest()[:48]
    return SignDocumentRequest(
        data=draft.data,
        filename=draft.meta.get("filename") or "document",
        seal_id=seal_id,
        password=str(data.get("password", "")),
        idempotency_key="portal-" + key,
        page=page - 1,
        x_mm=x_mm,
        y_mm=y_mm,
        use_request_id=use_request,
    )


def _choose(seals: list[SealRecord], wanted: Any) -> SealRecord | None:
    for s in seals:
        if str(s.id) == str(wanted):
            return s
    return seals[0] if seals else None


async def _approval(
    signing: SigningService, user: PortalUser, draft: Stored, seal: SealRecord
) -> UseRequestRecord | None:
    if draft.meta.get("use_request_seal") != str(seal.id):
        return None
    rid = _uuid(draft.meta.get("use_request_id"))
    if rid is None:
        return None
    try:
        return await signing.get_use_request(user.principal, rid)
    except NotFound:
        return None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _float(value: Any, field: str) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise ValidationFailed(f"{field} must be a number", field="position") from None


class SignaturePages(Controller):
    path = "/signatures"
    include_in_schema = False

    @get("", name="portal:signatures")
    async def overview(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        seals: NamedDependency[SealService],
    ) -> Response[str]:
        docs = await documents.my_signed_documents(user.principal)
        by_id = {str(s.id): s for s in await seals.list_seals(user.principal)}
        return await render(request, "me/signatures.html", documents=docs, seals=by_id)

    @get("/{doc_id:uuid}", name="portal:signature")
    async def detail(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        seals: NamedDependency[SealService],
        doc_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return await self._detail(request, user, documents, seals, doc_id)

    async def _detail(
        self,
        request: deps.AnyRequest,
        user: PortalUser,
        documents: DocumentService,
        seals: SealService,
        doc_id: uuid.UUID,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        notice: str = "",
    ) -> Response[str]:
        _ = gettext_for(request)
        row = await documents.signed_document(user.principal, doc_id)
        seal = await seals.get(user.principal, row.seal_id)
        if request.query_params.get("signed") and not notice:
            notice = _("Signed. Download the signed file and keep its evidence package.")
        if request.query_params.get("rated") and not notice:
            notice = _("Thank you for your rating.")
        return await render(
            request,
            "me/signature.html",
            status_code=status_code,
            doc=row,
            seal=seal,
            errors=errors or {},
            notice=notice,
        )

    @get("/{doc_id:uuid}/document", name="portal:signature-document")
    async def document(
        self,
        user: LoggedIn,
        documents: NamedDependency[DocumentService],
        doc_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        row = await documents.signed_document(user.principal, doc_id)
        return Response(
            row.data,
            media_type=MEDIA_TYPES[row.kind],
            headers={"Content-Disposition": content_disposition(row.filename)},
        )

    @get("/{doc_id:uuid}/evidence", name="portal:signature-evidence")
    async def evidence(
        self,
        user: LoggedIn,
        signing: NamedDependency[SigningService],
        evidence: NamedDependency[EvidenceLog],
        doc_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        record = await signing.get_signature(user.principal, doc_id)
        package = await evidence.package(record.signature_der, bytes.fromhex(record.document_sm3))
        body = json.dumps(package, ensure_ascii=False, default=str).encode()
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": content_disposition(f"evidence-{doc_id}.json")},
        )

    @post("/{doc_id:uuid}/rating", name="portal:signature-rating")
    async def rate(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        quality: NamedDependency[QualityService],
        documents: NamedDependency[DocumentService],
        seals: NamedDependency[SealService],
        doc_id: FromPath[uuid.UUID],
        data: UrlForm,
    ) -> Response[Any]:
        try:
            await quality.ratings.rate(
                user.principal,
                "signature",
                doc_id,
                _int(data.get("stars"), 0),
                str(data.get("comment", "")),
            )
        except SealHubError as exc:
            return await self._detail(
                request,
                user,
                documents,
                seals,
                doc_id,
                status_code=exc.status,
                errors={"stars": problem_text(request, exc)},
            )
        return Redirect(f"/signatures/{doc_id}?rated=1", status_code=303)
