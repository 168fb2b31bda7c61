"""`POST /tsa`: the hub's RFC 3161 time-stamping authority over HTTP (RFC 3161 3.4).

The body is a DER TimeStampReq, the answer a DER TimeStampResp. A request the TSA cannot
grant (junk, an unknown hash or policy, extensions) is answered 200 with a rejection
PKIStatusInfo naming the failInfo, as RFC 3161 clients expect; only a wrong media type
is an HTTP error (415, problem+json).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from hub.errors import UnsupportedMediaType
from hub.tsa.authority import HubTimeStampAuthority

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_QUERY = 16 * 1024  # a TimeStampReq is ~100 bytes; anything near this is not one


class TimeStampController(Controller):
    path = "/tsa"
    tags = ["time-stamping"]  # noqa: RUF012
    security = []  # noqa: RUF012  (RFC 3161 over HTTP has no authentication of its own)

    @post(
        "",
        operation_id="timeStamp",
        summary="RFC 3161 / GB/T 20520 time-stamp (SM2, SM3)",
        description=(
            "Body: DER TimeStampReq (`application/timestamp-query`), SM3 or SHA-256 imprint. "
            "Answer: DER TimeStampResp (`application/timestamp-reply`): granted with an SM2 "
            "token (ESS signing-certificate-v2, nonce echoed, accuracy 1 s), or a rejection "
            "with its failInfo."
        ),
        status_code=200,
        request_max_body_size=MAX_QUERY,
        responses={
            413: ResponseSpec(None, description="Body larger than 16 KiB"),
            415: ResponseSpec(
                None, description="Content-Type is not application/timestamp-query (problem+json)"
            ),
        },
    )
    async def time_stamp(
        self, tsa: NamedDependency[HubTimeStampAuthority], request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != QUERY_TYPE:
            raise UnsupportedMediaType(f"Content-Type must be {QUERY_TYPE}", field="Content-Type")
        reply = tsa.respond(await request.body())
        return Response(reply, media_type=REPLY_TYPE)

    @get(
        "/certificate",
        operation_id="getTimeStampCertificate",
        summary="The TSA certificate and the hub CA certificate (PEM)",
    )
    async def certificate(self, tsa: NamedDependency[HubTimeStampAuthority]) -> dict[str, str]:
        tsa = tsa
        return {
            "tsa_certificate_pem": tsa.keys.tsa_cert.to_pem().decode(),
            "ca_certificate_pem": tsa.keys.ca_cert.to_pem().decode(),
            "policy": tsa.default_policy,
        }
