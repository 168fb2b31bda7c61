"""Documented error responses for routes (problem+json), so the OpenAPI is a contract."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

_DESCRIPTIONS = {
    400: "Malformed request (problem+json)",
    401: "No, expired or invalid access token (problem+json)",
    403: "The caller's role may not do this (problem+json)",
    404: "Not found in the caller's tenant (problem+json)",
    409: "Conflicts with an existing record; `field` names it (problem+json)",
    422: "A field is invalid; `field` names it (problem+json)",
    423: "Locked after too many failed passwords; see Retry-After (problem+json)",
    429: "Too many failed logins from this address; see Retry-After (problem+json)",
}


def errors(*statuses: int, **overrides: str) -> dict[int, ResponseSpec]:
    """`responses=errors(401, 404)`; override a text with `e404="..."`."""
    out: dict[int, ResponseSpec] = {}
    for status in statuses:
        text = overrides.get(f"e{status}", _DESCRIPTIONS.get(status, "Error (problem+json)"))
        out[status] = ResponseSpec(None, description=text)
    return out
