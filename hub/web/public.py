"""Pages anyone may open: the landing page, public verification, the language switch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import anyio
from litestar import Controller, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from hub.errors import NotFound, SealHubError, ValidationFailed
from hub.settings import Settings
from hub.trust.services import TrustService
from hub.verification.services import verify_upload
from hub.web import deps
from hub.web.i18n import LANGUAGES
from hub.web.rendering import field_of, gettext_for, problem_text, render
from hub.web.report_pdf import report_pdf
from hub.web.session import LANG_COOKIE
from hub.web.store import FileStore, stores
from hub.web.verdict import verdict_of
from tenants import services as tenant_services

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never an open redirect.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def report_store(settings: Settings) -> FileStore:
    return stores(settings.portal.draft_seconds)[1]


class PublicPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="portal:home")
    async def home(self, request: deps.AnyRequest) -> Response[str]:
        bureaus = await tenant_services.list_tenants()
        return await render(
            request, "public/home.html", bureaus=[b for b in bureaus if b.status == "active"]
        )

    @get("/lang/{code:str}", name="portal:lang")
    async def switch_language(
        self, request: deps.AnyRequest, settings: NamedDependency[Settings], code: FromPath[str]
    ) -> Redirect:
        if code not in LANGUAGES:
            raise NotFound("no such language")
        nxt = _safe_next(request.query_params.get("next"))
        return Redirect(
            nxt,
            status_code=303,
            cookies=[
                Cookie(
                    key=LANG_COOKIE,
                    value=code,
                    httponly=True,
                    samesite="lax",
                    path="/",
                    max_age=365 * 86400,
                    secure=settings.portal.secure_cookies,
                )
            ],
        )

    @get("/branding/{slug:str}", name="portal:emblem", media_type="image/png")
    async def emblem(
        self, settings: NamedDependency[Settings], slug: FromPath[str]
    ) -> Response[bytes]:
        name = slug.removesuffix(".png")
        if not name or not all(c.isalnum() or c == "-" for c in name):
            raise NotFound("no emblem")
        path = Path(settings.portal.branding_dir) / f"{name}.png"
        if not path.is_file():
            raise NotFound("no emblem")
        return Response(path.read_bytes(), media_type="image/png")

    @get("/verify", name="portal:verify")
    async def verify_form(self, request: deps.AnyRequest) -> Response[str]:
        return await render(request, "public/verify.html", errors={})

    @post("/verify", name="portal:verify-post")
    async def verify(
        self,
        request: deps.AnyRequest,
        trust: NamedDependency[TrustService],
        settings: NamedDependency[Settings],
        data: Form,
    ) -> Response[str]:
        upload = data.get("file")
        document = data.get("document")
        _ = gettext_for(request)
        if upload is None or not hasattr(upload, "read"):
            return await render(
                request, "public/verify.html", status_code=422, errors={"file": _("Choose a file.")}
            )
        content = await upload.read()
        doc_bytes = (
            await document.read() if document is not None and hasattr(document, "read") else b""
        )
        try:
            if doc_bytes and (
                content.lstrip()[:1] == b"{" or b"%PDF-" in content[:1024] or content[:2] == b"PK"
            ):
                raise ValidationFailed(
                    "a document goes with a detached signature only", field="document"
                )
            report = await verify_upload(
                trust,
                settings.limits,
                content,
                document=doc_bytes or None,
            )
        except SealHubError as exc:
            return await render(
                request,
                "public/verify.html",
                status_code=exc.status,
                errors={field_of(exc) or "file": problem_text(request, exc)},
            )
        body = report.to_dict()
        token = await report_store(settings).put(
            json.dumps(body, ensure_ascii=False, default=str).encode(),
            "",
            filename=getattr(upload, "filename", "") or "",
        )
        return await render(
            request,
            "public/result.html",
            verdict=verdict_of(body),
            report=body,
            token=token,
            filename=getattr(upload, "filename", "") or "",
        )

    @get("/verify/reports/{token:str}", name="portal:report")
    async def report(
        self, request: deps.AnyRequest, settings: NamedDependency[Settings], token: FromPath[str]
    ) -> Response[bytes]:
        name, _, fmt = token.rpartition(".")
        stored = await report_store(settings).get(name, "")
        if fmt == "json":
            return Response(
                stored.data,
                media_type="application/json",
                headers={"Content-Disposition": 'attachment; filename="verification-report.json"'},
            )
        if fmt == "pdf":
            text = _report_text(request, json.loads(stored.data), stored.meta.get("filename"))
            title = str(gettext_for(request)("Verification report"))
            pdf = await anyio.to_thread.run_sync(lambda: report_pdf(title, text))
            return Response(
                pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": 'attachment; filename="verification-report.pdf"'},
            )
        raise NotFound("no such report format")


def _report_text(request: deps.AnyRequest, report: dict[str, Any], filename: str | None) -> str:
    _ = gettext_for(request)
    v = verdict_of(report)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"{_('File')}: {filename or '-'}",
        f"{_('Checked at')}: {when}",
        f"{_('Verdict')}: {_(v.indication)}"
        + (f" / {v.sub_indication}" if v.sub_indication else ""),
        "",
    ]
    for c in v.checks:
        mark = _("passed") if c.ok else _("FAILED")
        where = f"[{c.where}] " if c.where else ""
        lines.append(f"{where}{c.name}: {mark}")
        lines.append(f"    {c.detail}")
    for w in v.warnings:
        lines.append(f"{_('Note')}: {w.name}: {w.detail}")
    return "\n".join(lines)
