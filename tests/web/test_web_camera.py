"""Registration with the face photo taken by the camera (Chromium's fake camera: a test
pattern stands in for a face; the simulated identity verifier scores any photo)."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from portal_support import CHROMIUM, CHROMIUM_ARGS, MOBILE, Portal, resident_id


@pytest.fixture(scope="module")
def camera_browser() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
            ],
        )
        try:
            yield b
        finally:
            b.close()


def test_a_citizen_registers_with_a_photo_from_the_camera(
    camera_browser: Any, portal: Portal
) -> None:
    context = camera_browser.new_context(
        base_url=portal.url,
        viewport=MOBILE,
        locale="zh-CN",
        permissions=["camera"],
        extra_http_headers={"Accept-Language": "zh-CN"},
    )
    page = context.new_page()
    page.goto(f"/register?tenant={portal.tenant}")
    page.get_by_role("button", name="使用摄像头").click()
    page.get_by_role("button", name="拍照").click()
    page.get_by_role("img", name="已拍摄的照片").wait_for()
    # The frame became the form's photo file: an ordinary multipart upload follows.
    assert page.evaluate("document.getElementById('f-face_image').files[0].type") == "image/jpeg"
    page.get_by_label("姓名").fill("马丽")
    page.get_by_label("身份证号").fill(resident_id())
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("用户名").fill("cam-" + secrets.token_hex(3))
    page.get_by_label("密码", exact=True).fill("citizen-pass-1")
    page.get_by_label("再次输入密码").fill("citizen-pass-1")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(re.compile(r"/seals\?welcome=1$"))
    context.close()
