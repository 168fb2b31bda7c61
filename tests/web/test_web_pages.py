"""Every page in a real browser: axe-core finds no serious or critical violation, nothing
scrolls sideways at 360x640 or 1280x800, and a screenshot of each lands in
docs/screenshots/. Also: the enterprise agent's official seal waits for approval;
verification and login work with JavaScript off; the page security (CSRF, cookie flags,
CSP) holds and the bearer-token API is untouched by it."""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

import httpx
import pytest
from portal_support import (
    DESKTOP,
    MOBILE,
    SCREENSHOTS,
    SEAL_PASSWORD,
    Portal,
    check_page,
    credit_code,
    new_page,
    resident_id,
)

from hub.documents.pdf_writer import write_text_pdf

CITIZEN_PASSWORD = "citizen-pass-1"


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


@pytest.fixture(scope="module")
def citizen(portal: Portal) -> dict[str, Any]:
    """A registered citizen (through the public API) with an active, passworded personal
    seal and one signed PDF."""
    who = {"name": "张秀英", "id_number": resident_id(), "username": "p-" + secrets.token_hex(4)}
    with portal.api() as api:
        _ok(
            api.post(
                "/api/v1/register/person",
                json={
                    "tenant": portal.tenant,
                    "name": who["name"],
                    "id_number": who["id_number"],
                    "mobile": "13800138000",
                    "face_image": base64.b64encode(b"face").decode(),
                    "username": who["username"],
                    "password": CITIZEN_PASSWORD,
                },
            )
        )
        tok = _ok(
            api.post(
                "/api/v1/auth/login",
                json={
                    "tenant": portal.tenant,
                    "username": who["username"],
                    "password": CITIZEN_PASSWORD,
                },
            )
        )
        headers = {"Authorization": "Bearer " + tok["access_token"]}
        seal = _ok(api.post("/api/v1/seals", headers=headers, json={"seal_type": "personal"}))
        _ok(
            api.put(
                f"/api/v1/seals/{seal['id']}/password",
                headers=headers,
                json={"password": SEAL_PASSWORD},
            )
        )
        doc = _ok(
            api.post(
                "/api/v1/documents/sign",
                headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
                files={"file": ("pledge.pdf", write_text_pdf("承诺书\n本人承诺所填信息真实。"))},
                data={
                    "seal_id": seal["id"],
                    "password": SEAL_PASSWORD,
                    "page": "0",
                    "x_mm": "120",
                    "y_mm": "200",
                },
            )
        )
    return {**who, "seal_id": seal["id"], "doc_id": doc["id"], "headers": headers}


def log_in(page: Any, portal: Portal, username: str, password: str = CITIZEN_PASSWORD) -> None:
    page.goto(f"/login?tenant={portal.tenant}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/seals")


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_every_page_is_accessible_fits_and_is_photographed(
    browser: Any, portal: Portal, citizen: dict[str, Any], viewport: str
) -> None:
    size = MOBILE if viewport == "mobile" else DESKTOP
    page = new_page(browser, portal, viewport=size)
    external: list[str] = []
    page.on(
        "request",
        lambda r: (
            external.append(r.url) if not r.url.startswith((portal.url, "data:", "blob:")) else None
        ),
    )
    for name, path in [
        ("home", "/"),
        ("verify", "/verify"),
        ("login", "/login"),
        ("register", "/register"),
    ]:
        page.goto(path)
        check_page(page, name, viewport)
    page.goto("/verify")
    signed = _signed_pdf(portal, citizen)
    page.get_by_label("要验证的文件").set_input_files(
        files=[{"name": "signed.pdf", "mimeType": "application/pdf", "buffer": signed}]
    )
    page.get_by_role("button", name="验证").last.click()
    page.locator(".verdict").wait_for()
    check_page(page, "verify-result", viewport)
    page.goto("/lang/en?next=/verify")
    check_page(page, "verify-en", viewport)
    page.goto("/lang/zh_CN?next=/")

    log_in(page, portal, citizen["username"])
    for name, path in [
        ("my-seals", "/seals"),
        ("seal", f"/seals/{citizen['seal_id']}"),
        ("enterprise-register", "/enterprise/register"),
        ("sign", "/sign"),
        ("my-signatures", "/signatures"),
        ("signature", f"/signatures/{citizen['doc_id']}"),
    ]:
        page.goto(path)
        check_page(page, name, viewport)
    page.goto("/sign")
    page.get_by_label("文件（PDF 或 OFD）").set_input_files(
        files=[
            {
                "name": "申请表.pdf",
                "mimeType": "application/pdf",
                "buffer": write_text_pdf("申请表\n申请人：张秀英\n" * 4),
            }
        ]
    )
    page.get_by_role("button", name="上传并放置印章").click()
    page.locator("[data-page-image]").wait_for()
    check_page(page, "sign-place", viewport)

    page.goto("/schema")  # the API documentation, from the hub's own assets
    page.locator(".swagger-ui").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / f"api-docs-{viewport}.png"))
    assert not external, f"requests left the hub: {external[:5]}"


def _signed_pdf(portal: Portal, citizen: dict[str, Any]) -> bytes:
    with portal.api() as api:
        r = api.get(f"/api/v1/documents/{citizen['doc_id']}", headers=citizen["headers"])
        assert r.status_code == 200
        return r.content


def test_enterprise_agent_applies_for_an_official_seal_and_sees_it_pending(
    browser: Any, portal: Portal
) -> None:
    who = {"name": "赵建国", "id_number": resident_id(), "username": "e-" + secrets.token_hex(4)}
    with portal.api() as api:
        _ok(
            api.post(
                "/api/v1/register/person",
                json={
                    "tenant": portal.tenant,
                    "name": who["name"],
                    "id_number": who["id_number"],
                    "mobile": "13700137000",
                    "face_image": base64.b64encode(b"face").decode(),
                    "username": who["username"],
                    "password": CITIZEN_PASSWORD,
                },
            )
        )
    page = new_page(browser, portal, viewport=MOBILE)
    log_in(page, portal, who["username"])
    page.get_by_role("link", name="注册单位").click() if page.get_by_role(
        "link", name="注册单位"
    ).count() else page.get_by_role("link", name="单位注册").click()
    page.get_by_label("单位名称").fill("呼和浩特市某某科技有限公司")
    # A wrong credit code first: the message is beside the field, in Chinese.
    page.get_by_label("统一社会信用代码").fill("91150102MA0000000X")
    page.get_by_label("姓名").fill(who["name"])
    page.get_by_label("身份证号").fill(who["id_number"])
    page.get_by_role("button", name="注册单位").click()
    assert re.search(r"[\u4e00-\u9fff]", page.locator("#e-credit_code").inner_text())
    page.get_by_label("统一社会信用代码").fill(credit_code())
    page.get_by_role("button", name="注册单位").click()
    page.wait_for_url("**/seals?enterprise=1")
    page.get_by_label("印章类型").select_option("official")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/seals/[0-9a-f-]{36}$"))
    assert "已申请，待审核" in page.locator(".facts").inner_text()
    assert "等待工作人员审核" in page.get_by_role("status").inner_text()
    check_page(page, "seal-pending", "mobile")


def test_verification_and_login_work_without_javascript(
    browser: Any, portal: Portal, citizen: dict[str, Any]
) -> None:
    page = new_page(browser, portal, javascript=False)
    page.goto("/verify")
    page.get_by_label("要验证的文件").set_input_files(
        files=[
            {
                "name": "signed.pdf",
                "mimeType": "application/pdf",
                "buffer": _signed_pdf(portal, citizen),
            }
        ]
    )
    page.get_by_role("button", name="验证").last.click()
    assert "验证通过" in page.locator(".verdict").inner_text()
    # A wrong password: one message at the password field, nothing said about the account.
    page.goto(f"/login?tenant={portal.tenant}")
    page.get_by_label("用户名").fill(citizen["username"])
    page.get_by_label("密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录").click()
    assert "不正确" in page.locator("#e-password").inner_text()
    log_in(page, portal, citizen["username"])
    assert citizen["name"] in page.content() or page.get_by_role("heading", name="我的签章")


def test_page_security_csrf_cookies_csp_and_the_api_untouched(
    portal: Portal, citizen: dict[str, Any]
) -> None:
    with httpx.Client(base_url=portal.url, timeout=60) as c:
        page = c.get("/login")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # no inline script
        assert " style=" not in page.text  # no inline style
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {
            "tenant": portal.tenant,
            "username": citizen["username"],
            "password": CITIZEN_PASSWORD,
            "next": "/seals",
        }
        # Without the token (a forged cross-site form): refused, no session.
        with httpx.Client(base_url=portal.url, timeout=60) as stranger:
            r = stranger.post("/login", data=form)
            assert r.status_code == 403 and "sealhub_session" not in r.headers.get("set-cookie", "")
        r = c.post("/login", data={**form, "_csrf_token": token.group(1)})
        assert r.status_code == 303 and r.headers["location"] == "/seals"
        cookie = next(
            h for h in r.headers.get_list("set-cookie") if h.startswith("sealhub_session=")
        )
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie  # http://127.0.0.1; an https SEALHUB_PUBLIC_URL adds it
        assert c.get("/seals").status_code == 200
        # An open redirect is not possible through ?next=.
        r = c.post(
            "/login", data={**form, "next": "//evil.example/", "_csrf_token": token.group(1)}
        )
        assert r.headers["location"] == "/"
        # Logout ends the session.
        page = c.get("/seals")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        assert c.post("/logout", data={"_csrf_token": token.group(1)}).status_code == 303
        assert c.get("/seals").status_code == 303
    # Bearer-token API clients need no CSRF token and get problem+json as before.
    with portal.api() as api:
        r = api.post(
            "/api/v1/auth/login",
            json={
                "tenant": portal.tenant,
                "username": citizen["username"],
                "password": CITIZEN_PASSWORD,
            },
        )
        assert r.status_code == 200 and "access_token" in r.json()
        r = api.post("/api/v1/verify", files={"file": ("x", b"not a thing")})
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_a_draft_uploaded_on_one_replica_is_signed_on_another(
    portal: Portal, citizen: dict[str, Any]
) -> None:
    from hub.process import HubProcess

    other = HubProcess(portal.hub.env, log=portal.hub.log).start()  # same database and keys
    try:
        with httpx.Client(base_url=portal.url, timeout=60) as a:
            page = a.get("/login")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            a.post(
                "/login",
                data={
                    "tenant": portal.tenant,
                    "username": citizen["username"],
                    "password": CITIZEN_PASSWORD,
                    "_csrf_token": token.group(1),
                },
            )
            page = a.get("/sign")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            r = a.post(
                "/sign",
                data={"_csrf_token": token.group(1)},
                files={"file": ("a.pdf", write_text_pdf("两个副本"), "application/pdf")},
            )
            assert r.status_code == 303
            draft = r.headers["location"]
            cookies = a.cookies
        with httpx.Client(base_url=other.url, timeout=60, cookies=cookies) as b:
            page = b.get(draft)  # the session cookie and the draft are good on replica B
            assert page.status_code == 200, page.text
            digest = re.search(r'name="document_sm3" value="([0-9a-f]{64})"', page.text)
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
            assert digest is not None and token is not None
            r = b.post(
                draft,
                data={
                    "_csrf_token": token.group(1),
                    "seal_id": citizen["seal_id"],
                    "page": "1",
                    "x_mm": "30",
                    "y_mm": "40",
                    "password": SEAL_PASSWORD,
                    "document_sm3": digest.group(1),
                },
            )
            assert r.status_code == 303 and r.headers["location"].startswith("/signatures/")
    finally:
        other.stop()
