"""JSON shapes of the SealHub vendor API (adapters/http/vendor-api.yaml), both directions.

One module so the reference server and the http client cannot drift apart: binary
fields are standard base64, times are RFC 3339 with an offset.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from adapters.protocol import MakeSealRequest, SignerSubject

API_VERSION = "1"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class WireError(ValueError):
    """A JSON document does not have the shape the vendor API requires."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64d(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise WireError(f"{field} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WireError(f"{field} is not valid base64") from exc


def text(doc: dict[str, Any], field: str, *, optional: bool = False) -> Any:
    value = doc.get(field)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise WireError(f"{field} must be a non-empty string")
    return value


def integer(doc: dict[str, Any], field: str) -> int:
    value = doc.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise WireError(f"{field} must be an integer")
    return value


def when(doc: dict[str, Any], field: str) -> datetime:
    try:
        value = datetime.fromisoformat(text(doc, field))
    except ValueError as exc:
        raise WireError(f"{field} must be an RFC 3339 date-time") from exc
    if value.tzinfo is None:
        raise WireError(f"{field} must carry a UTC offset")
    return value


def seal_request_to_json(req: MakeSealRequest) -> dict[str, Any]:
    return {
        "tenant": req.tenant,
        "esid": req.esid,
        "seal_type": req.seal_type,
        "name": req.name,
        "picture": b64e(req.picture),
        "picture_type": req.picture_type,
        "width_mm": req.width_mm,
        "height_mm": req.height_mm,
        "valid_start": req.valid_start.isoformat(),
        "valid_end": req.valid_end.isoformat(),
        "signer": {
            "common_name": req.signer.common_name,
            "organization": req.signer.organization,
            "organizational_unit": req.signer.organizational_unit,
            "country": req.signer.country,
        },
    }


def seal_request_from_json(doc: dict[str, Any], idempotency_key: str) -> MakeSealRequest:
    signer = doc.get("signer")
    if not isinstance(signer, dict):
        raise WireError("signer must be an object")
    return MakeSealRequest(
        tenant=text(doc, "tenant"),
        esid=text(doc, "esid"),
        seal_type=integer(doc, "seal_type"),
        name=text(doc, "name"),
        picture=b64d(doc.get("picture"), "picture"),
        picture_type=doc.get("picture_type") or "png",
        width_mm=integer(doc, "width_mm"),
        height_mm=integer(doc, "height_mm"),
        valid_start=when(doc, "valid_start"),
        valid_end=when(doc, "valid_end"),
        signer=SignerSubject(
            common_name=text(signer, "common_name"),
            organization=text(signer, "organization", optional=True),
            organizational_unit=text(signer, "organizational_unit", optional=True),
            country=text(signer, "country", optional=True) or "CN",
        ),
        idempotency_key=idempotency_key,
    )
