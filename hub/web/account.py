"""Log in, log out, register (a citizen; an enterprise by its agent)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from hub.auth.lockout import LoginGuard
from hub.auth.sessions import SessionRegistry
from hub.auth.throttle import LoginThrottle
from hub.db import Database
from hub.errors import SealHubError, ValidationFailed
from hub.web import deps
from hub.web.public import _safe_next
from hub.web.rendering import field_of, gettext_for, problem_text, render
from hub.web.session import LoggedIn, PortalUser, end_session, login
from tenants import services as tenant_services
from tenants.identity.services import IdentityService

_MAX_FACE_BYTES = 2 * 1024 * 1024
UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MultiForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


async def _bureaus() -> list[Any]:
    return [b for b in await tenant_services.list_tenants() if b.status == "active"]


class AccountPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", name="portal:login")
    async def login_form(self, request: deps.AnyRequest) -> Response[str]:
        return await render(
            request,
            "account/login.html",
            bureaus=await _bureaus(),
            errors={},
            form={"tenant": request.query_params.get("tenant", "")},
            next_page=_safe_next(request.query_params.get("next") or "/seals"),
        )

    @post("/login", name="portal:login-post")
    async def login_post(
        self,
        request: deps.AnyRequest,
        db: NamedDependency[Database],
        login_throttle: NamedDependency[LoginThrottle],
        login_guard: NamedDependency[LoginGuard],
        sessions: NamedDependency[SessionRegistry],
        data: UrlForm,
    ) -> Response[Any]:
        form = {k: _text(data, k) for k in ("tenant", "username")}
        nxt = _safe_next(_text(data, "next") or "/seals")
        try:
            await login(
                request,
                form["tenant"],
                form["username"],
                str(data.get("password", "")),
                db=db,
                throttle=login_throttle,
                guard=login_guard,
                sessions=sessions,
            )
        except SealHubError as exc:
            # One message for every wrong login, shown at the password (no account oracle).
            return await render(
                request,
                "account/login.html",
                status_code=exc.status,
                bureaus=await _bureaus(),
                form=form,
                next_page=nxt,
                errors={"password": problem_text(request, exc)},
            )
        return Redirect(nxt, status_code=303)

    @post("/logout", name="portal:logout")
    async def logout(
        self, request: deps.AnyRequest, sessions: NamedDependency[SessionRegistry]
    ) -> Redirect:
        await end_session(request, sessions)
        return Redirect("/", status_code=303)

    @get("/register", name="portal:register")
    async def register_form(self, request: deps.AnyRequest) -> Response[str]:
        return await render(
            request,
            "account/register.html",
            bureaus=await _bureaus(),
            errors={},
            form={"tenant": request.query_params.get("tenant", "")},
        )

    @post("/register", name="portal:register-post")
    async def register(
        self,
        request: deps.AnyRequest,
        identity: NamedDependency[IdentityService],
        db: NamedDependency[Database],
        login_throttle: NamedDependency[LoginThrottle],
        login_guard: NamedDependency[LoginGuard],
        sessions: NamedDependency[SessionRegistry],
        data: MultiForm,
    ) -> Response[Any]:
        _ = gettext_for(request)
        names = ("tenant", "name", "id_number", "mobile", "username")
        form = {k: _text(data, k) for k in names}
        password = str(data.get("password", ""))
        errors: dict[str, str] = {}
        face = data.get("face_image")
        face_bytes = await face.read() if face is not None and hasattr(face, "read") else b""
        if not face_bytes:
            errors["face_image"] = _("Take a photo of your face or choose a photo file.")
        elif len(face_bytes) > _MAX_FACE_BYTES:
            errors["face_image"] = _("The photo is larger than 2 MiB.")
        if password != str(data.get("password2", "")):
            errors["password2"] = _("The two passwords differ.")
        if not errors:
            try:
                tenant_id = await tenant_services.tenant_for_registration(form["tenant"])
                await identity.register_person(
                    tenant_id,
                    name=form["name"],
                    id_number=form["id_number"],
                    mobile=form["mobile"],
                    face_image=face_bytes,
                    username=form["username"],
                    password=password,
                )
                await login(
                    request,
                    form["tenant"],
                    form["username"],
                    password,
                    db=db,
                    throttle=login_throttle,
                    guard=login_guard,
                    sessions=sessions,
                )
            except SealHubError as exc:
                errors[field_of(exc) or "name"] = problem_text(request, exc)
            else:
                return Redirect("/seals?welcome=1", status_code=303)
        return await render(
            request,
            "account/register.html",
            status_code=422,
            bureaus=await _bureaus(),
            errors=errors,
            form=form,
        )

    @get("/enterprise/register", name="portal:enterprise")
    async def enterprise_form(
        self, request: deps.AnyRequest, user: LoggedIn, identity: NamedDependency[IdentityService]
    ) -> Response[str]:
        return await render(
            request, "account/enterprise.html", errors={}, form={}, me=await _me(identity, user)
        )

    @post("/enterprise/register", name="portal:enterprise-post")
    async def enterprise(
        self,
        request: deps.AnyRequest,
        user: LoggedIn,
        identity: NamedDependency[IdentityService],
        data: UrlForm,
    ) -> Response[Any]:
        p = user.principal
        names = ("name", "credit_code", "legal_rep_name", "legal_rep_id_number")
        form = {k: _text(data, k) for k in names}
        errors: dict[str, str] = {}
        me = await _me(identity, user)
        try:
            if me is None:
                raise ValidationFailed("no verified person for this account", field="agent")
            rep = await identity.find_person_by_id_number(
                p.tenant_id, form["legal_rep_id_number"] or "-"
            )
            if rep is None or rep.name != form["legal_rep_name"]:
                raise ValidationFailed(
                    "the legal representative must be a person registered here",
                    field="legal_representative",
                )
            await identity.register_enterprise(
                p.tenant_id,
                name=form["name"],
                credit_code=form["credit_code"],
                legal_representative_id=rep.id,
                agent_person_id=me.id,
            )
        except SealHubError as exc:
            field = field_of(exc)
            if field in ("id_number", "legal_representative_id"):
                field = "legal_representative"
            errors[field or "name"] = problem_text(request, exc)
            return await render(
                request, "account/enterprise.html", status_code=422, errors=errors, form=form, me=me
            )
        return Redirect("/seals?enterprise=1", status_code=303)


async def _me(identity: IdentityService, user: PortalUser) -> Any:
    try:
        return await identity.person_for_account(
            user.principal.tenant_id, user.principal.account_id
        )
    except SealHubError:
        return None
