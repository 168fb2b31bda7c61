"""/api/v1/use-requests (用印审批) and /api/v1/signatures (cloud signing).

A signing needs the `Idempotency-Key` header: a retry with the same key and body returns
the first signature; the same key with another body is a 409.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.crypto import SM3, sm3
from hub.errors import ValidationFailed
from hub.forms import form_file, form_text, form_uuid
from hub.schemas_common import QueryKey
from hub.signing.records import SignatureBrief, UseRequestRecord
from hub.signing.schemas import (
    Decision,
    NewUseRequest,
    SignatureOut,
    SignatureSummary,
    SignDigest,
    UseRequestOut,
)
from hub.signing.services import SignCommand, SigningService, SignOutcome

_STAFF = (Role.CLERK, Role.TENANT_ADMIN)
_SIGNERS = (Role.PERSON, Role.ENTERPRISE_AGENT)
_ALL = (*_SIGNERS, *_STAFF)

IdempotencyKey = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        description="Client-chosen key (8-128 chars): retries return the first result",
    ),
]


def _use_out(use: UseRequestRecord) -> UseRequestOut:
    return UseRequestOut(
        id=use.id,
        seal_id=use.seal_id,
        requester_account_id=use.requester_account_id,
        document_sm3=use.document_sm3,
        purpose=use.purpose,
        status=use.status,
        decided_by=use.decided_by,
        decided_at=use.decided_at,
        reason=use.reason,
        evidence_leaf_hash=use.evidence_leaf_hash,
        created_at=use.created_at,
    )


def _summary(s: SignatureBrief) -> SignatureSummary:
    return SignatureSummary(
        id=s.id,
        seal_id=s.seal_id,
        vendor=s.vendor,
        document_sm3=s.document_sm3,
        signed_at=s.signed_at,
        use_request_id=s.use_request_id,
    )


def _sig_out(o: SignOutcome) -> SignatureOut:
    return SignatureOut(
        id=o.record_id,
        signature=base64.b64encode(o.signature_der).decode(),
        document_sm3=o.document_sm3.hex(),
        vendor=o.vendor,
        signed_at=o.signed_at,
        replayed=o.replayed,
        report=o.report,
    )


def _digest(hex_digest: str | None, document_b64: str | None) -> bytes:
    if (hex_digest is None) == (document_b64 is None):
        raise ValidationFailed("give exactly one of document_sm3 or document", field="document_sm3")
    if document_b64 is not None:
        try:
            return sm3(base64.b64decode(document_b64, validate=True))
        except binascii.Error:
            raise ValidationFailed("document is not valid base64", field="document") from None
    try:
        digest = bytes.fromhex(hex_digest or "")
    except ValueError:
        raise ValidationFailed("document_sm3 must be 64 hex digits", field="document_sm3") from None
    if len(digest) != 32:
        raise ValidationFailed("document_sm3 must be 64 hex digits", field="document_sm3")
    return digest


class UseRequestController(Controller):
    path = "/api/v1/use-requests"
    tags = ["use requests"]  # noqa: RUF012

    @post(
        "",
        operation_id="requestSealUse",
        summary="Ask a clerk to approve one use of a seal on one document (用印申请)",
        status_code=HTTP_201_CREATED,
        guards=[requires(*_SIGNERS)],
        responses=errors(401, 403, 404, 422),
    )
    async def create(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        data: JSONBody[NewUseRequest],
    ) -> UseRequestOut:
        row = await signing.request_use(
            principal, data.seal_id, _digest(data.document_sm3, None), data.purpose
        )
        return _use_out(row)

    @get(
        "",
        operation_id="listUseRequests",
        summary="Use requests: mine, or the tenant's for clerks",
        guards=[requires(*_ALL)],
        responses=errors(401, 403),
    )
    async def list_all(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        status: QueryKey = None,
    ) -> list[UseRequestOut]:
        rows = await signing.list_use_requests(principal, status)
        return [_use_out(r) for r in rows]

    @get(
        "/{request_id:uuid}",
        operation_id="getUseRequest",
        summary="One use request",
        guards=[requires(*_ALL)],
        responses=errors(401, 403, 404),
    )
    async def get_one(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        request_id: FromPath[uuid.UUID],
    ) -> UseRequestOut:
        return _use_out(await signing.get_use_request(principal, request_id))

    @post(
        "/{request_id:uuid}/approve",
        operation_id="approveUseRequest",
        summary="Clerk approves a use request (recorded in the evidence log)",
        status_code=200,
        guards=[requires(*_STAFF)],
        responses=errors(401, 403, 404, 409),
    )
    async def approve(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[Decision],
    ) -> UseRequestOut:
        row = await signing.decide_use(principal, request_id, approve=True, reason=data.reason)
        return _use_out(row)

    @post(
        "/{request_id:uuid}/reject",
        operation_id="rejectUseRequest",
        summary="Clerk rejects a use request",
        status_code=200,
        guards=[requires(*_STAFF)],
        responses=errors(401, 403, 404, 409),
    )
    async def reject(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[Decision],
    ) -> UseRequestOut:
        row = await signing.decide_use(principal, request_id, approve=False, reason=data.reason)
        return _use_out(row)


class SignatureController(Controller):
    path = "/api/v1/signatures"
    tags = ["signatures"]  # noqa: RUF012

    @post(
        "",
        operation_id="signDigest",
        summary="Sign a document's SM3 digest (or a small base64 document) with a seal",
        status_code=HTTP_201_CREATED,
        guards=[requires(*_SIGNERS)],
        responses=errors(401, 403, 404, 409, 422, 423, 502, 503, 504),
    )
    async def sign(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        data: JSONBody[SignDigest],
        idempotency_key: IdempotencyKey,
    ) -> SignatureOut:
        outcome = await signing.sign(
            principal,
            SignCommand(
                seal_id=data.seal_id,
                password=data.password,
                document_sm3=_digest(data.document_sm3, data.document),
                idempotency_key=idempotency_key,
                property_info=data.property_info,
                use_request_id=data.use_request_id,
                intent_challenge_id=data.intent_challenge_id,
                intent_code=data.intent_code,
            ),
        )
        return _sig_out(outcome)

    @post(
        "/document",
        operation_id="signDocument",
        summary="Upload a document (multipart: file, seal_id, password, ...) and sign it",
        status_code=HTTP_201_CREATED,
        guards=[requires(*_SIGNERS)],
        responses=errors(401, 403, 404, 409, 413, 422, 423, 502, 503, 504),
    )
    async def sign_document(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
        idempotency_key: IdempotencyKey,
    ) -> SignatureOut:
        upload = form_file(data)
        digest = SM3()
        while chunk := await upload.read(1 << 20):
            digest.update(chunk)
        seal_id = form_uuid(data, "seal_id", required=True)
        assert seal_id is not None
        use_request_id = form_uuid(data, "use_request_id", required=False)
        outcome = await signing.sign(
            principal,
            SignCommand(
                seal_id=seal_id,
                password=form_text(data, "password"),
                document_sm3=digest.digest(),
                idempotency_key=idempotency_key,
                property_info=str(
                    data.get("property_info") or upload.filename or "sealhub:document"
                )[:255],
                use_request_id=use_request_id,
            ),
        )
        return _sig_out(outcome)

    @get(
        "",
        operation_id="listSignatures",
        summary="Signatures I made (clerks: the tenant's)",
        guards=[requires(*_ALL)],
        responses=errors(401, 403),
    )
    async def list_all(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        seal_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[SignatureSummary]:
        return [_summary(s) for s in await signing.list_signatures(principal, seal_id)]

    @get(
        "/{signature_id:uuid}/ses",
        operation_id="downloadSignature",
        summary="The detached SES_Signature (DER) of a signing",
        guards=[requires(*_ALL)],
        responses=errors(401, 403, 404),
        media_type="application/octet-stream",
    )
    async def download(
        self,
        signing: NamedDependency[SigningService],
        principal: CurrentPrincipal,
        signature_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        signature = await signing.get_signature(principal, signature_id)
        return Response(
            signature.signature_der,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="signature-{signature_id}.dat"'},
        )
