"""应用中心 in a real browser: a citizen fills the bureau's 疫情防控承诺书, signs the first
step; the employer's agent asks for approval, is approved, signs second; the document is
completed and verifies."""

from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path
from typing import Any

import httpx
from portal_support import (
    DESKTOP,
    SEAL_PASSWORD,
    Portal,
    _ok,
    check_page,
    credit_code,
    new_page,
    resident_id,
)

PASSWORD = "center-pass-2026"


def _person(api: httpx.Client, portal: Portal, name: str) -> dict[str, Any]:
    username = "p-" + secrets.token_hex(4)
    person = _ok(
        api.post(
            "/api/v1/identity/persons",
            headers=portal.admin,
            json={
                "name": name,
                "id_number": resident_id(),
                "mobile": "13500135000",
                "face_image": base64.b64encode(b"face").decode(),
                "username": username,
                "password": PASSWORD,
            },
        )
    )
    return {**person, "username": username}


def _headers(api: httpx.Client, portal: Portal, username: str) -> dict[str, str]:
    tok = _ok(
        api.post(
            "/api/v1/auth/login",
            json={"tenant": portal.tenant, "username": username, "password": PASSWORD},
        )
    )
    return {"Authorization": "Bearer " + tok["access_token"]}


def _log_in(page: Any, portal: Portal, username: str) -> None:
    page.goto(f"/login?tenant={portal.tenant}&next=/center")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/center")


def test_citizen_and_employer_sign_a_published_form_in_order(browser: Any, portal: Portal) -> None:
    with portal.api() as api:
        _ok(api.post("/api/v1/applications/templates/builtin", headers=portal.admin))
        citizen = _person(api, portal, "冯敏")
        agent = _person(api, portal, "陈总")
        ent = _ok(
            api.post(
                "/api/v1/identity/enterprises",
                headers=portal.admin,
                json={
                    "name": "呼和浩特某某餐饮有限公司",
                    "credit_code": credit_code(),
                    "legal_representative_id": agent["id"],
                    "agent_person_id": agent["id"],
                },
            )
        )
        for who, body in [
            (citizen, {"seal_type": "personal"}),
            (agent, {"seal_type": "official", "enterprise_id": ent["id"]}),
        ]:
            h = _headers(api, portal, who["username"])
            seal = _ok(api.post("/api/v1/seals", headers=h, json=body))
            if seal["status"] != "active":
                _ok(api.post(f"/api/v1/seals/{seal['id']}/approve", headers=portal.clerk, json={}))
            _ok(
                api.put(
                    f"/api/v1/seals/{seal['id']}/password",
                    headers=h,
                    json={"password": SEAL_PASSWORD},
                )
            )

    page = new_page(browser, portal, viewport=DESKTOP)
    _log_in(page, portal, citizen["username"])
    check_page(page, "center", "desktop")
    page.get_by_role("link", name="疫情防控承诺书").click()
    check_page(page, "center-fill", "desktop")
    page.get_by_label("姓名").fill(citizen["name"])
    page.get_by_label("身份证号").fill(resident_id())
    page.get_by_label("联系电话").fill("13500135000")
    page.get_by_label("所在单位", exact=True).fill("呼和浩特某某餐饮有限公司")
    page.get_by_label("日期").fill("2026-12-04")
    page.get_by_label(re.compile("^所在单位 ")).fill(agent["username"])
    page.get_by_role("button", name="生成文件").click()
    page.wait_for_url(re.compile(r"/center/documents/[0-9a-f-]{36}$"))
    doc_url = page.url
    steps = page.locator("#steps-h + ol")
    assert "可以签署" in steps.inner_text() and "等待前序签署" in steps.inner_text()
    page.get_by_label("本文件的印章口令").fill(SEAL_PASSWORD)
    page.get_by_role("button", name="盖章签署").click()
    page.locator("#step-applicant").filter(has_text="已签署").wait_for()
    check_page(page, "center-document", "desktop")

    boss = new_page(browser, portal, viewport=DESKTOP)
    _log_in(boss, portal, agent["username"])
    boss.goto(doc_url)
    boss.get_by_label("用印事由").fill("单位承诺")
    boss.get_by_role("button", name="提交用印申请").click()
    assert "待审批" in boss.locator("#step-employer").inner_text()
    with portal.api() as api:
        pending = [
            u
            for u in _ok(
                api.get("/api/v1/use-requests", headers=portal.clerk, params={"status": "pending"})
            )
            if u["purpose"] == "单位承诺"
        ]
        assert len(pending) == 1
        _ok(
            api.post(
                f"/api/v1/use-requests/{pending[0]['id']}/approve", headers=portal.clerk, json={}
            )
        )
    boss.reload()
    boss.get_by_label("本文件的印章口令").fill(SEAL_PASSWORD)
    boss.get_by_role("button", name="盖章签署").click()
    boss.locator("#step-employer").filter(has_text="已签署").wait_for()
    assert "已完成" in boss.locator("main").inner_text()
    with boss.expect_download() as dl:
        boss.get_by_role("link", name="下载文件").click()
    signed = Path(dl.value.path()).read_bytes()
    with portal.api() as api:
        report = api.post("/api/v1/verify", files={"file": ("c.ofd", signed)}).json()
    assert report["valid"] is True and len(report["signatures"]) == 2
