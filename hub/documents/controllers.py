"""/api/v1/documents (sign an OFD or PDF with a visible seal) and /api/v1/applications
(the application center: templates, filled documents, multi-party signing).

Thin: parse the edge, call one `DocumentService` method, shape the answer. Signing needs
the `Idempotency-Key` header; a retry returns the first signed document.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.documents.records import InstanceView
from hub.documents.schemas import (
    FillIn,
    InstanceOut,
    InstanceSummary,
    SignedDocumentOut,
    SignStepIn,
    TemplateIn,
    TemplateOut,
)
from hub.documents.service import MEDIA_TYPES, DocumentService, SignDocumentRequest
from hub.downloads import content_disposition, safe_filename
from hub.forms import form_file, form_number, form_text, form_uuid
from hub.signing.controllers import IdempotencyKey

_STAFF = (Role.CLERK, Role.TENANT_ADMIN)
_SIGNERS = (Role.PERSON, Role.ENTERPRISE_AGENT)
_ALL = (*_SIGNERS, *_STAFF)
_SIGN_ERRORS = (401, 403, 404, 409, 413, 422, 423, 502, 503, 504)


def _instance_out(view: InstanceView) -> InstanceOut:
    return msgspec.convert(view, InstanceOut, from_attributes=True)


def _file(data: bytes, kind: str, filename: str) -> Response[bytes]:
    return Response(
        data,
        media_type=MEDIA_TYPES[kind],
        headers={"Content-Disposition": content_disposition(filename)},
    )


class DocumentController(Controller):
    path = "/api/v1/documents"
    tags = ["documents"]  # noqa: RUF012

    @post(
        "/sign",
        operation_id="signOfdOrPdf",
        summary="Sign an uploaded OFD or PDF with a visible seal (multipart: file, seal_id, "
        "password, page, x_mm, y_mm or riding=true, use_request_id)",
        status_code=HTTP_201_CREATED,
        guards=[requires(*_SIGNERS)],
        responses=errors(*_SIGN_ERRORS),
    )
    async def sign(
        self,
        documents: NamedDependency[DocumentService],
        principal: CurrentPrincipal,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
        idempotency_key: IdempotencyKey,
    ) -> SignedDocumentOut:
        upload = form_file(data)
        riding = str(data.get("riding", "")).lower() in ("1", "true", "yes", "on")
        seal_id = form_uuid(data, "seal_id", required=True)
        assert seal_id is not None
        view = await documents.sign_document(
            principal,
            SignDocumentRequest(
                data=await upload.read(),
                filename=safe_filename(upload.filename or ""),
                seal_id=seal_id,
                password=form_text(data, "password"),
                idempotency_key=idempotency_key,
                page=form_number(data, "page", int, high=100_000),
                x_mm=form_number(data, "x_mm", float, low=0),
                y_mm=form_number(data, "y_mm", float, low=0),
                width_mm=form_number(data, "width_mm", float, low=0),
                height_mm=form_number(data, "height_mm", float, low=0),
                riding=riding,
                use_request_id=form_uuid(data, "use_request_id", required=False),
            ),
        )
        return msgspec.convert(view, SignedDocumentOut, from_attributes=True)

    @get(
        "/{document_id:uuid}",
        operation_id="downloadSignedDocument",
        summary="Download a signed OFD or PDF (the signer's own; staff: the tenant's)",
        guards=[requires(*_ALL)],
        responses=errors(401, 403, 404),
        media_type="application/octet-stream",
    )
    async def download(
        self,
        documents: NamedDependency[DocumentService],
        principal: CurrentPrincipal,
        document_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        row = await documents.signed_document(principal, document_id)
        return _file(row.data, row.kind, row.filename)


class ApplicationController(Controller):
    path = "/api/v1/applications"
    tags = ["application center"]  # noqa: RUF012

    @post(
        "/templates",
        operation_id="defineDocumentTemplate",
        summary="Tenant admin defines a document template (fields, body, signing order)",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.TENANT_ADMIN)],
        responses=errors(401, 403, 409, 422),
    )
    async def define(
        self,
        documents: NamedDependency[DocumentService],
        principal: CurrentPrincipal,
        data: JSONBody[TemplateIn],
    ) -> TemplateOut:
        view = await documents.define_template(principal, msgspec.to_builtins(data))
        return msgspec.convert(view, TemplateOut, from_attributes=True)

    @post(
        "/templates/builtin",
        operation_id="seedBuiltinTemplates",
        summary="Tenant admin adds the four starter templates (承诺书, 居住证明, 隔离通知, 复工)",
        status_code=HTTP_200_OK,
        guards=[requires(Role.TENANT_ADMIN)],
        responses=errors(401, 403),
    )
    async def seed(
        self, documents: NamedDependency[DocumentService], principal: CurrentPrincipal
    ) -> list[TemplateOut]:
        views = await documents.seed_builtin(principal)
        return [msgspec.convert(v, TemplateOut, from_attributes=True) for v in views]

    @get(
        "/templates",
        operation_id="listDocumentTemplates",
        summary="The tenant's document templates",
        guards=[requires(*_ALL)],
        responses=errors(401, 403),
    )
    async def templates(
        self, documents: NamedDependency[DocumentService], principal: CurrentPrincipal
    ) -> list[TemplateOut]:
        views = await documents.list_templates(principal)
        return [msgspec.convert(v, TemplateOut, from_attributes=True) for v in views]

    @get(
        "/templates/{template_id:uuid}",
        operation_id="getDocumentTemplate",
        summary="One document template",
        guards=[requires(*_ALL)],
        responses=errors(401, 403, 404),
    )
    async def template(
        self,
        documents: NamedDependency[DocumentService],
        principal: CurrentPrincipal,
        template_id: FromPath[uuid.UUID],
    ) -> TemplateOut:
        view = await documents.get_template(principal, template_id)
        return msgspec.convert(view, TemplateOut, from_attributes=True)

    @post(
        "/documents",
        operation_id="fillDocumentTemplate",
        summary="Fill a template into an OFD or PDF document and assign its signers",
        status_code=HTTP_201_CREATED,
        guards=[requires(*_ALL)],
        responses=errors(401, 403, 404, 422),
    )
    async def fill(
        self,
        documents: NamedDependency[DocumentService],
        principal: CurrentPrincipal,
        data: JSONBody[FillIn],
    ) -> InstanceOut:
        view = await documents.fill(
            principal, data.template_id, data.values, data.parties, data.output
        )
        return _instance_out(view)

    @get(
        "/documents",
        operation_id="listApplicationDocuments",
        summary="Documents I filled or sign (staff: the tenant's)",
        guards=[requires(*_ALL)],
        responses=errors(401, 403),
    )
    async def documents(
        self, documents: NamedDependency[DocumentService], principal: CurrentPrincipal
    ) -> list[InstanceSummary]:
        rows = await documents.list_instances(principal)
        return [msgspec.convert(r, InstanceSummary, from_attributes=True) for r in rows]

    @get(
        "/documents/{instance_id:uuid}",
        operation_id="getApplicationDocument",
        summary="A filled document and every party's signing status",
        guards=[requires(*_ALL)],
        responses=errors(401, 403, 404),
    )
    async def document(
        self,
        documents: NamedDependency[DocumentService],
        principal: CurrentPrincipal,
        instance_id: FromPath[uuid.UUID],
    ) -> InstanceOut:
        return _instance_out(await documents.instance(principal, instance_id))

    @get(
        "/documents/{instance_id:uuid}/file",
        operation_id="downloadApplicationDocument",
        summary="Download the document as it is now (completed: with every signature)",
        guards=[requires(*_ALL)],
        responses=errors(401, 403, 404),
        media_type="application/octet-stream",
    )
    async def file(
        self,
        documents: NamedDependency[DocumentService],
        principal: CurrentPrincipal,
        instance_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        got = await documents.download(principal, instance_id)
        return _file(got.data, got.kind, got.filename)

    @post(
        "/documents/{instance_id:uuid}/sign",
        operation_id="signApplicationDocument",
        summary="Sign my step of a filled document, in the template's order",
        status_code=HTTP_200_OK,
        guards=[requires(*_SIGNERS)],
        responses=errors(*_SIGN_ERRORS),
    )
    async def sign(
        self,
        documents: NamedDependency[DocumentService],
        principal: CurrentPrincipal,
        instance_id: FromPath[uuid.UUID],
        data: JSONBody[SignStepIn],
        idempotency_key: IdempotencyKey,
    ) -> InstanceOut:
        view = await documents.sign_instance(
            principal,
            instance_id,
            step_key=data.step,
            seal_id=data.seal_id,
            password=data.password,
            idempotency_key=idempotency_key,
            use_request_id=data.use_request_id,
        )
        return _instance_out(view)


CONTROLLERS = [DocumentController, ApplicationController]
