"""The one mapper from errors to RFC 9457 problem details (application/problem+json).

Domain errors keep their status and name the field or vendor at fault; Litestar's own
validation errors become 400/422 problems naming the field; anything else is a 500 with
no stack trace (the trace goes to the log, never to the client).
"""

from __future__ import annotations

import logging
import re
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
    challenge = extra.pop("www_authenticate", None)
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": challenge} if challenge else {}
    if "retry_after" in extra and extra["retry_after"] is not None:
        headers["Retry-After"] = str(int(extra["retry_after"]))
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_INDEX = re.compile(r"\[(\d+)\]")
# Names Litestar gives the whole request body or the parameter set, not a field in it.
_WHOLE_BODY = {"data", "body", "$", ""}


def json_pointer(field: str | None) -> str | None:
    """`items[0].name` (Litestar/msgspec) or `seal_id` (a service) -> `/items/0/name`,
    `/seal_id` (RFC 6901). The body as a whole (Litestar's `data`) is the root pointer ``."""
    if field is None:
        return None
    if field.startswith("/"):
        return field
    field = field.removeprefix("$.").removeprefix("data.")
    if field in _WHOLE_BODY:
        return ""
    parts = _INDEX.sub(r".\1", field).split(".")
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts if p)


def domain_error_handler(
    request: Request[Any, Any, Any], exc: SealHubError
) -> Response[dict[str, Any]]:
    if exc.status >= 500 and not exc.type_slug.startswith("vendor"):
        log.error("internal error on %s: %s", request.scope.get("path"), exc.detail)
    extra = dict(exc.extra)
    if "field" in extra:
        extra["field"] = json_pointer(extra["field"])
    return problem(
        exc.status, exc.type_slug, exc.title, exc.detail, instance=request.url.path, **extra
    )


def http_error_handler(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, Any]]:
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else []
        found = [
            {"field": json_pointer(str(e.get("key") or "")), "detail": str(e.get("message"))}
            for e in errors
            if isinstance(e, dict)
        ]
        # A body that is not JSON at all (Litestar: "JSON is malformed") names the root.
        extra["field"] = found[0]["field"] if found else ""
        extra["errors"] = found or None
        return problem(
            exc.status_code,
            "validation",
            "Invalid request",
            str(exc.detail),
            instance=request.url.path,
            **extra,
        )
    if exc.status_code == 400 and str(exc.detail).startswith("JSON is malformed"):
        return problem(
            400,
            "validation",
            "Invalid request",
            str(exc.detail),
            instance=request.url.path,
            field="",
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


def recursion_error_handler(
    request: Request[Any, Any, Any], exc: RecursionError
) -> Response[dict[str, Any]]:
    """msgspec stops decoding at its nesting limit with RecursionError (a 100,000-deep
    `[[[...]]]` body): a client's fault, not the hub's. Any other RecursionError is a bug."""
    if "deserializ" not in str(exc):
        return unexpected_error_handler(request, exc)
    return problem(
        400,
        "validation",
        "Invalid request",
        "the JSON body is nested too deeply",
        instance=request.url.path,
        field="",
    )


def unicode_error_handler(
    request: Request[Any, Any, Any], exc: UnicodeDecodeError
) -> Response[dict[str, Any]]:
    """Litestar decodes a multipart form value (a part without a file name) as UTF-8
    before any handler runs: bytes that are not UTF-8 there are the client's fault (seen
    by Schemathesis: a picture sent as the value of `document`). Anywhere else it is a
    bug, and stays a logged 500."""
    if not _in_multipart(exc):
        return unexpected_error_handler(request, exc)
    return problem(
        400,
        "validation",
        "Invalid request",
        "a form field that is not a file must be UTF-8 text; send binary data "
        "as a file part (with a filename)",
        instance=request.url.path,
        field="",
    )


def _in_multipart(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith("litestar/_multipart.py"):
            return True
        tb = tb.tb_next
    return False


def unexpected_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    log.error("unhandled error on %s", request.scope.get("path"), exc_info=exc)
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
    RecursionError: recursion_error_handler,
    UnicodeDecodeError: unicode_error_handler,
    Exception: unexpected_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
