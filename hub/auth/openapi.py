"""Documented error responses for routes (problem+json), so the OpenAPI is a contract."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    Schema,
    SecurityScheme,
)

PROBLEM_JSON = "application/problem+json"

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


# --- the finished document: security schemes and problem+json error bodies --------------

BEARER = "bearerAuth"
METRICS_SCHEME = "metricsToken"
_PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details (application/problem+json)",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "Stable problem type URI"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path"},
        "field": {
            "type": "string",
            "description": "JSON pointer (RFC 6901) of the field at fault; '' = body",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "detail"],
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
        "vendor": {"type": "string", "description": "The vendor at fault (5xx)"},
        "retry_after": {"type": "number"},
    },
    "additionalProperties": True,
}


def _needs_token(handler: Any) -> bool:
    """A handler that takes `principal` (hub.auth.guards.provide_principal) or sits behind
    a `requires(...)` guard (its own or its controller's) demands a verified access token;
    nothing else does."""
    return "principal" in handler.parsed_fn_signature.parameters or any(
        getattr(g, "__qualname__", "").startswith("requires.") for g in handler.resolve_guards()
    )


def finish_openapi(app: Litestar) -> None:
    """Declare the bearer-JWT scheme on every operation that needs a token (and none on
    public ones), and document every 4xx/5xx answer as application/problem+json with the
    Problem schema, so standard clients and fuzzers can authenticate and check errors.

    Runs once at startup over Litestar's cached document (it is served from that object).
    """
    doc = app.openapi_schema
    components = doc.components
    components.security_schemes = {
        **(components.security_schemes or {}),
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="JWT",
            description="Access token from POST /api/v1/auth/login",
        ),
        METRICS_SCHEME: SecurityScheme(
            type="http", scheme="bearer", description="The scraper's SEALHUB_METRICS_SCHEME"
        ),
    }
    components.schemas["Problem"] = Schema(**_schema_kwargs(PROBLEM_SCHEMA))
    problem = {PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref=_PROBLEM_REF))}
    for route in app.routes:
        item = (doc.paths or {}).get(route.path_format or "/")
        if item is None or not hasattr(route, "route_handlers"):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                op: Operation | None = getattr(item, method.lower(), None)
                if op is None:
                    continue
                protected = _needs_token(handler)
                if handler.security is None:
                    op.security = [{BEARER: []}] if protected else None
                responses = op.responses = op.responses or {}
                # Every operation may meet malformed input (400); one that takes input may
                # have a service refuse a field (422); one with path ids may find nothing.
                codes = {"400"} | ({"401", "403"} if protected or handler.security else set())
                if op.parameters or op.request_body:
                    codes.add("422")
                if "{" in (route.path_format or ""):
                    codes.add("404")
                for code in codes:
                    responses.setdefault(
                        code,
                        OpenAPIResponse(
                            description=_DESCRIPTIONS.get(int(code), "Error (problem+json)")
                        ),
                    )
                for code, response in responses.items():
                    if code[0] in "45" and isinstance(response, OpenAPIResponse):
                        response.content = dict(problem)


def _schema_kwargs(raw: dict[str, Any]) -> dict[str, Any]:
    """The plain JSON-Schema dict above as litestar Schema keyword arguments."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "properties":
            out["properties"] = {k: Schema(**_schema_kwargs(v)) for k, v in value.items()}
        elif key == "items":
            out["items"] = Schema(**_schema_kwargs(value))
        elif key == "additionalProperties":
            out["additional_properties"] = value
        else:
            out[key] = value
    return out
