"""The one mapper from errors to RFC 9457 problem details (application/problem+json).

Domain errors keep their status and name the field or vendor at fault; Litestar's own
validation errors become 400/422 problems naming the field; anything else is a 500 with
no stack trace (the trace goes to the log, never to the client).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from hub.errors import SealHubError

log = logging.getLogger("sealhub")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://sealhub.dev/problems/"


def problem(
    status: int, slug: str, title: str, detail: str, **extra: Any
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {}
    if "retry_after" in extra and extra["retry_after"] is not None:
        headers["Retry-After"] = str(int(extra["retry_after"]))
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error_handler(
    request: Request[Any, Any, Any], exc: SealHubError
) -> Response[dict[str, Any]]:
    if exc.status >= 500 and not exc.type_slug.startswith("vendor"):
        log.error("internal error on %s: %s", request.scope.get("path"), exc.detail)
    return problem(
        exc.status, exc.type_slug, exc.title, exc.detail, instance=request.url.path, **exc.extra
    )


def http_error_handler(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, Any]]:
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else []
        fields = [e.get("key") for e in errors if isinstance(e, dict) and e.get("key")]
        if fields:
            extra["field"] = fields[0]
        extra["errors"] = [
            {"field": e.get("key"), "detail": e.get("message")}
            for e in errors
            if isinstance(e, dict)
        ] or None
        return problem(
            exc.status_code,
            "validation",
            "Invalid request",
            str(exc.detail),
            instance=request.url.path,
            **extra,
        )
    slug = {
        401: "unauthorized",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        413: "too-large",
        429: "rate-limited",
    }.get(exc.status_code, "http")
    return problem(
        exc.status_code,
        slug,
        slug.replace("-", " ").capitalize(),
        str(exc.detail),
        instance=request.url.path,
    )


def unexpected_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s", request.scope.get("path"))
    return problem(
        500,
        "internal",
        "Internal error",
        "The hub hit an unexpected error; it has been logged.",
        instance=request.url.path,
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    SealHubError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
