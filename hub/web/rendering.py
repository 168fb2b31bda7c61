"""Templates, words and the page's problem messages.

`render(request, "area/page.html", **context)` answers a page in the visitor's language.
Every template gets `_` (gettext), `lang`, `user`, `bureau` (the tenant's name and
emblem), `csrf_input` and `static(path)`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Response
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from hub.errors import SealHubError
from hub.web import deps
from hub.web.i18n import HTML_LANG, LANGUAGES, negotiate, translations
from hub.web.session import LANG_COOKIE, PortalUser, current_user
from tenants import services as tenant_services

TEMPLATES = Path(__file__).parent / "templates"
STATIC_PREFIX = "/static/portal"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: deps.AnyRequest) -> str:
    return negotiate(request.headers.get("accept-language", ""), request.cookies.get(LANG_COOKIE))


def gettext_for(request: deps.AnyRequest) -> Any:
    return translations(language(request)).gettext


def static(path: str) -> str:
    return f"{STATIC_PREFIX}/{path}"


def _csrf_input(request: deps.AnyRequest) -> Markup:
    token = ScopeState.from_scope(request.scope).csrf_token
    if not isinstance(token, str):
        return Markup("")
    # The token is escaped here; nothing else goes into the markup.
    return Markup(  # noqa: S704
        f'<input type="hidden" name="_csrf_token" value="{html.escape(token)}">'
    )


async def bureau_of(request: deps.AnyRequest, user: PortalUser | None) -> dict[str, Any] | None:
    """The bureau whose pages these are: the logged-in person's tenant."""
    if user is None or user.principal.is_hub:
        return None

    tenant = await tenant_services.get_tenant(user.principal.tenant_id)
    # Part of every page's layout, outside the handler's signature (hub.web.deps).
    settings = deps.services_of(request.app).settings
    emblem = Path(settings.portal.branding_dir) / f"{tenant.slug}.png"
    return {
        "name": tenant.name,
        "slug": tenant.slug,
        "emblem": f"/branding/{tenant.slug}.png" if emblem.is_file() else None,
    }


async def render(
    request: deps.AnyRequest, template: str, *, status_code: int = 200, **context: Any
) -> Response[str]:
    user = await current_user(request)
    bureau = context.pop("bureau", None) or await bureau_of(request, user)
    return render_now(
        request, template, status_code=status_code, user=user, bureau=bureau, **context
    )


def render_now(
    request: deps.AnyRequest,
    template: str,
    *,
    status_code: int = 200,
    user: PortalUser | None = None,
    bureau: dict[str, Any] | None = None,
    **context: Any,
) -> Response[str]:
    """`render` without the database (exception handlers are synchronous)."""
    lang = language(request)
    page = _env.get_template(template).render(
        _=translations(lang).gettext,
        lang=lang,
        html_lang=HTML_LANG[lang],
        colon="：" if lang == "zh_CN" else ": ",  # full-width in Chinese text
        languages=LANGUAGES,
        user=user,
        bureau=bureau,
        csrf_input=_csrf_input(request),
        static=static,
        path=request.url.path,
        query=request.url.query,
        **context,
    )
    return Response(page, media_type="text/html", status_code=status_code)


# --------------------------------------------------------------------------- problems

# What a person reads for a problem on a field, when the service's own sentence is not in
# the catalog: one plain line per field.
FIELD_HINTS = {
    "name": "Enter the name as on the identity card.",
    "id_number": "Enter the 18-digit resident identity card number.",
    "mobile": "Enter an 11-digit mobile number.",
    "face_image": "Take a photo of your face or choose a photo file.",
    "username": "Choose a user name of 3 to 64 letters or digits.",
    "password": "The password does not meet the bureau's rules.",
    "new_password": "The new password does not meet the bureau's rules.",
    "old_password": "The old password is wrong.",
    "tenant": "Choose the bureau you register with.",
    "credit_code": "Enter the 18-character unified social credit code.",
    "legal_representative": "The legal representative must be a person registered here.",
    "seal_type": "Choose a seal type.",
    "seal_code": "The seal code is not in the bureau's seal-mold registry.",
    "file": "Choose a file.",
    "page": "Place the seal on a page of the document.",
    "position": "Place the whole seal inside the page.",
    "seal_id": "Choose one of your seals.",
    "stars": "Choose one to five stars.",
}


def problem_text(request: deps.AnyRequest, exc: SealHubError) -> str:
    """The problem in the visitor's language: the service's sentence from the catalog,
    else the field's hint, else a plain sentence for the kind of problem."""
    _ = gettext_for(request)
    detail = exc.detail if hasattr(exc, "detail") else str(exc)
    said = _(detail)
    if said != detail or language(request) == "en":
        return str(said)
    field = getattr(exc, "extra", {}).get("field") if hasattr(exc, "extra") else None
    if field in FIELD_HINTS:
        return str(_(FIELD_HINTS[field]))
    return str(_(_KIND_TEXT.get(exc.type_slug, "Something went wrong. Please try again.")))


_KIND_TEXT = {
    "validation": "Please check what you entered.",
    "format": "This file is not a document, signature or seal we can read.",
    "unauthorized": "Wrong bureau, user name or password.",
    "forbidden": "You may not do this.",
    "not-found": "Not found.",
    "conflict": "This was already done or conflicts with an earlier action.",
    "locked": "Too many wrong attempts; locked for a while.",
    "too-many-requests": "Too many attempts; please wait a while.",
    "too-large": "The file is too large.",
    "policy-denied": "The bureau's policy does not allow this.",
    "vendor": "The seal provider did not answer properly; please try again later.",
    "vendor-unavailable": "The seal provider is unavailable; please try again later.",
    "vendor-timeout": "The seal provider did not answer in time; please try again later.",
    "crypto": "A signature or certificate did not check out.",
}


def field_of(exc: SealHubError) -> str:
    extra = getattr(exc, "extra", {}) or {}
    return str(extra.get("field") or "")
