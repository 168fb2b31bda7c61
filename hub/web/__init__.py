"""The web portal: server-rendered pages over the hub's services.

`portal_routes(settings)` gives the routers `hub.app.create_app` mounts: the pages (with
their session cookie, CSRF check and security headers, none of which touch /api) and the
static assets. Areas: public.py (landing, verification), account.py (login,
registration), seals.py (我的签章), sign.py (signing, 我的签署), center.py (应用中心).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from hub.errors import SealHubError
from hub.settings import Settings
from hub.web.account import AccountPages
from hub.web.apidocs import LocalSwaggerUI
from hub.web.center import CenterPages
from hub.web.public import PublicPages
from hub.web.rendering import gettext_for, problem_text, render_now
from hub.web.seals import SealPages
from hub.web.session import LoginRequired, PortalSessionMiddleware, csrf_config, require_user
from hub.web.sign import SignaturePages, SignPages

STATIC_DIR = Path(__file__).parent / "static"

# No inline script or style anywhere; images may be data: (the camera preview's frame).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CSP),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    # The camera is used by the registration page of this site only.
    ResponseHeader(name="Permissions-Policy", value="camera=(self), microphone=()"),
]


def _page_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A problem on a page answers a page (not problem+json), in the visitor's language."""
    if isinstance(exc, LoginRequired):
        nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")

        return Redirect(f"/login?next={quote(nxt, safe='/')}", status_code=303)
    if isinstance(exc, SealHubError):
        status, message = exc.status, problem_text(request, exc)
    elif isinstance(exc, HTTPException):
        _ = gettext_for(request)
        status = exc.status_code
        message = _(
            {
                403: "The form expired or came from elsewhere. Go back, reload and try again.",
                404: "Not found.",
                413: "The file is too large.",
            }.get(status, "Please check what you entered.")
        )
        if isinstance(exc, NotAuthorizedException):
            message = _("Please log in.")
        elif isinstance(exc, PermissionDeniedException):
            message = _("The form expired or came from elsewhere. Go back, reload and try again.")
    else:
        raise exc
    return render_now(request, "error.html", status_code=status, message=message)


def portal_routes(settings: Settings) -> list[Any]:
    pages = Router(
        path="/",
        route_handlers=[
            PublicPages,
            AccountPages,
            SealPages,
            SignPages,
            SignaturePages,
            CenterPages,
        ],
        middleware=[
            DefineMiddleware(PortalSessionMiddleware, settings=settings),
            DefineMiddleware(CSRFMiddleware, config=csrf_config(settings)),
        ],
        # `user: LoggedIn` in a page handler = a logged-in person is required; the services
        # a page calls are the app's dependencies (hub.services.DEPENDENCIES).
        dependencies={"user": Provide(require_user)},
        response_headers=SECURITY_HEADERS,
        exception_handlers={SealHubError: _page_error, HTTPException: _page_error},
        include_in_schema=False,
    )
    assets = create_static_files_router(
        path="/static/portal",
        directories=[STATIC_DIR],
        include_in_schema=False,
        name="portal:static",
        cache_control=None,
    )
    return [pages, assets]


def api_docs_plugins() -> list[Any]:
    return [LocalSwaggerUI(path=["/", "/swagger"])]
