"""POST /api/v1/verify: anyone uploads one file and gets the verification report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body

from hub.settings import Settings
from hub.verification.services import add_hub_record, verify_document


@dataclass
class VerifyUpload:
    file: UploadFile


class VerificationController(Controller):
    path = "/api/v1/verify"
    tags = ["verification"]  # noqa: RUF012

    @post(
        "",
        operation_id="verifyObject",
        summary="Verify a seal, signature, signed OFD or evidence package",
        description=(
            "Multipart upload with one field `file`. Returns the report: kind, version, "
            "valid, one line per check, non-standard variants seen, and per-signature "
            "reports for an OFD. No authentication."
        ),
        status_code=200,
        security=[],
        responses={
            400: ResponseSpec(
                None, description="No `file` field in the multipart body (problem+json)"
            ),
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
        request: Request[Any, Any, Any],
        data: Annotated[VerifyUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> dict[str, Any]:
        settings: Settings = request.app.state.settings
        content = await data.file.read()
        # Verification is CPU work (SM2, SM3, inflating the zip): keep it off the event loop.
        report = await anyio.to_thread.run_sync(
            lambda: verify_document(content, limits=settings.limits)
        )
        if getattr(request.app.state, "db", None) is not None:
            report = await add_hub_record(report, content)
        return report.to_dict()
