"""/api/v1/use-requests (用印审批) and /api/v1/signatures (cloud signing).

A signing needs the `Idempotency-Key` header: a retry with the same key and body returns
the first signature; the same key with another body is a 409.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.crypto import SM3, sm3
from hub.errors import ValidationFailed
from hub.forms import form_file, form_text, form_uuid
from hub.schemas_common import Base64Blob, Hex32, Label, Password, QueryKey, Reason
from hub.signing.lifespan import Signing
from hub.signing.services import SignCommand, SignOutcome

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


class NewUseRequest(msgspec.Struct, forbid_unknown_fields=True):
    seal_id: uuid.UUID
    document_sm3: Hex32  # hex SM3 of the document to be sealed
    purpose: Reason


class Decision(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class UseRequestOut(msgspec.Struct):
    id: uuid.UUID
    seal_id: uuid.UUID
    requester_account_id: uuid.UUID
    document_sm3: str
    purpose: str
    status: str
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    reason: str
    evidence_leaf_hash: str | None
    created_at: datetime


class SignDigest(msgspec.Struct, forbid_unknown_fields=True):
    seal_id: uuid.UUID
    password: Password
    document_sm3: Hex32 | None = None  # hex; or `document` (base64 of the file)
    document: Base64Blob | None = None
    property_info: Label = "sealhub:document"
    use_request_id: uuid.UUID | None = None
    # 意愿认证 (when the tenant's policy asks): the challenge and the SMS code.
    intent_challenge_id: uuid.UUID | None = None
    intent_code: str | None = None


class SignatureOut(msgspec.Struct):
    id: uuid.UUID
    signature: str  # base64 DER SES_Signature (GB/T 38540 V4), detached
    document_sm3: str
    vendor: str
    signed_at: datetime
    replayed: bool
    report: dict[str, Any]


class SignatureSummary(msgspec.Struct):
    id: uuid.UUID
    seal_id: uuid.UUID
    vendor: str | None
    document_sm3: str
    signed_at: datetime | None
    use_request_id: uuid.UUID | None


def _use_out(row: dict[str, Any]) -> UseRequestOut:
    return UseRequestOut(**{f: row[f] for f in UseRequestOut.__struct_fields__})


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
        signing: Signing,
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
        signing: Signing,
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
        signing: Signing,
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
        signing: Signing,
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
        signing: Signing,
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
        signing: Signing,
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
        signing: Signing,
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
        signing: Signing,
        principal: CurrentPrincipal,
        seal_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[SignatureSummary]:
        rows = await signing.list_signatures(principal, seal_id)
        return [
            SignatureSummary(**{f: r[f] for f in SignatureSummary.__struct_fields__}) for r in rows
        ]

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
        signing: Signing,
        principal: CurrentPrincipal,
        signature_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        row = await signing.get_signature(principal, signature_id)
        return Response(
            bytes(row["signature_der"]),
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="signature-{signature_id}.dat"'},
        )
