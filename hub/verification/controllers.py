"""POST /api/v1/verify: anyone uploads one file and gets the verification report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromQuery

from hub.settings import Settings
from hub.trust.services import TrustService
from hub.verification.services import (
    verify_upload,
)


@dataclass
class VerifyUpload:
    file: UploadFile
    document: UploadFile | None = None  # the signed file of a detached signature


class VerificationController(Controller):
    path = "/api/v1/verify"
    tags = ["verification"]  # noqa: RUF012

    @post(
        "",
        operation_id="verifyObject",
        summary="Verify a seal, signature, signed OFD/PDF or evidence package",
        description=(
            "Multipart upload with the field `file` and, for a detached signature, "
            "`document` (the signed file; without it the digest is not checked and the "
            "verdict is at most INDETERMINATE). Returns the report: `indication` "
            "(TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE) and `sub_indication` (ETSI EN 319 "
            "102-1), `valid` (TOTAL_PASSED only), one line per check, variants seen, and "
            "per-signature and per-seal reports. Judged against the hub CA, the hub-wide "
            "trust store, the live provider status list and, with `?tenant=slug`, that "
            "tenant's trust store. No authentication."
        ),
        status_code=200,
        security=[],
        responses={
            400: ResponseSpec(
                None, description="No `file` field in the multipart body (problem+json)"
            ),
            404: ResponseSpec(None, description="`tenant` names no tenant (problem+json)"),
            413: ResponseSpec(
                None,
                description="Upload or OFD container past the size/entry limits (problem+json)",
            ),
            422: ResponseSpec(
                None, description="Not a seal, signature, OFD or evidence package (problem+json)"
            ),
        },
    )
    async def verify(
        self,
        trust: NamedDependency[TrustService],
        settings: NamedDependency[Settings],
        data: Annotated[VerifyUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        tenant: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        content = await data.file.read()
        document = await data.document.read() if data.document is not None else None
        report = await verify_upload(
            trust, settings.limits, content, document=document, tenant_slug=tenant
        )
        return report.to_dict()
