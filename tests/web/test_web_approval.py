"""An official seal's use needs a clerk's approval (tenant policy): the agent asks for it
on the signing page, sees it pending, and signs once the clerk approved that document.
Then the agent rates the service."""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

import httpx
from portal_support import DESKTOP, SEAL_PASSWORD, Portal, credit_code, new_page, resident_id

from hub.documents.pdf_writer import write_text_pdf

AGENT_PASSWORD = "agent-pass-2026"


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


def test_official_seal_use_is_approved_then_signed_and_rated(browser: Any, portal: Portal) -> None:
    username = "agent-" + secrets.token_hex(3)
    with portal.api() as api:
        person = _ok(
            api.post(
                "/api/v1/identity/persons",
                headers=portal.admin,
                json={
                    "name": "钱经理",
                    "id_number": resident_id(),
                    "mobile": "13600136000",
                    "face_image": base64.b64encode(b"face").decode(),
                    "username": username,
                    "password": AGENT_PASSWORD,
                },
            )
        )
        _ok(
            api.post(
                "/api/v1/identity/enterprises",
                headers=portal.admin,
                json={
                    "name": "内蒙古某某物流有限公司",
                    "credit_code": credit_code(),
                    "legal_representative_id": person["id"],
                    "agent_person_id": person["id"],
                },
            )
        )

    page = new_page(browser, portal, viewport=DESKTOP)
    page.goto(f"/login?tenant={portal.tenant}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("印章类型").select_option("official")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/seals/[0-9a-f-]{36}$"))
    seal_id = page.url.rsplit("/", 1)[1]
    assert "已申请，待审核" in page.locator(".facts").inner_text()

    with portal.api() as api:  # the clerk approves the application; the vendor makes it
        assert (
            _ok(api.post(f"/api/v1/seals/{seal_id}/approve", headers=portal.clerk, json={}))[
                "status"
            ]
            == "active"
        )
    page.reload()
    page.get_by_label("新印章口令", exact=True).fill(SEAL_PASSWORD)
    page.get_by_label("再次输入新印章口令").fill(SEAL_PASSWORD)
    page.get_by_role("button", name="保存印章口令").click()
    page.get_by_role("status").filter(has_text="印章口令已设置").wait_for()

    page.goto("/sign")
    page.get_by_label("文件（PDF 或 OFD）").set_input_files(
        files=[
            {
                "name": "contract.pdf",
                "mimeType": "application/pdf",
                "buffer": write_text_pdf("运输合同\n甲方：内蒙古某某物流有限公司\n" * 3),
            }
        ]
    )
    page.get_by_role("button", name="上传并放置印章").click()
    page.wait_for_url(re.compile(r"/sign/[A-Za-z0-9_-]+$"))
    digest = page.locator("input[name=document_sm3]").input_value()
    assert page.get_by_role("button", name="盖章签署").is_disabled()
    page.get_by_label("用印事由").fill("签订运输合同")
    page.get_by_role("button", name="提交用印申请").click()
    assert "待审批" in page.locator("#approval").inner_text()

    with portal.api() as api:  # the clerk approves this use, for this document only
        pending = [
            u
            for u in _ok(
                api.get("/api/v1/use-requests", headers=portal.clerk, params={"status": "pending"})
            )
            if u["seal_id"] == seal_id
        ]
        assert len(pending) == 1 and pending[0]["document_sm3"] == digest
        _ok(
            api.post(
                f"/api/v1/use-requests/{pending[0]['id']}/approve",
                headers=portal.clerk,
                json={"reason": "同意"},
            )
        )
    # The pending section polls (htmx) and shows the decision without a reload.
    page.locator("#approval").filter(has_text="已批准").wait_for(timeout=15_000)
    page.reload()
    # Placing without a mouse: tap the page, then the arrow keys on the seal (Shift: 10 mm).
    stage = page.locator("[data-stage]").bounding_box()
    page.evaluate("document.querySelector('[data-stage]').scrollIntoView({block: 'start'})")
    stage = page.locator("[data-stage]").bounding_box()
    page.mouse.click(stage["x"] + stage["width"] * 0.5, stage["y"] + 200)
    x_in, y_in = page.get_by_label("距左边（毫米）"), page.get_by_label("距上边（毫米）")
    tapped = float(x_in.input_value()), float(y_in.input_value())
    page.locator("[data-stamp]").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    assert abs(float(x_in.input_value()) - (tapped[0] + 2)) < 0.05
    assert abs(float(y_in.input_value()) - (tapped[1] + 10)) < 0.05
    page.get_by_label("本文件的印章口令").fill("wrong-pass-1")
    page.get_by_role("button", name="盖章签署").click()
    assert page.locator("#e-password").inner_text().strip()  # told beside the field
    page.get_by_label("本文件的印章口令").fill(SEAL_PASSWORD)
    page.get_by_role("button", name="盖章签署").click()
    page.wait_for_url(re.compile(r"/signatures/[0-9a-f-]{36}\?signed=1$"))

    page.get_by_text("非常满意").click()
    page.get_by_role("button", name="提交评价").click()
    page.get_by_role("status").filter(has_text="感谢您的评价").wait_for()
    page.goto("/signatures")
    assert "contract.pdf" in page.locator("main").inner_text()
