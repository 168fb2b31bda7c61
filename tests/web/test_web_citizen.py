"""A citizen in a real browser: registers, gets a personal seal, sets its 口令, signs a
PDF with the seal dragged onto page 1, downloads it and verifies it on the public page.
The stamp must sit in the signed PDF where it was dropped; a tampered copy fails with the
failing check named."""

from __future__ import annotations

import io
import json
import re
import secrets
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from portal_support import DESKTOP, SEAL_PASSWORD, Portal, new_page, resident_id

from hub.documents.pdf_writer import write_text_pdf

PT_PER_MM = 72 / 25.4


def register_citizen(page: Any, portal: Portal, name: str = "王小明") -> dict[str, str]:
    who = {"name": name, "id_number": resident_id(), "username": "c-" + secrets.token_hex(4)}
    page.goto("/")
    page.get_by_role("link", name=re.compile("注册")).first.click()
    page.get_by_label("办理机关").select_option(portal.tenant)
    page.get_by_label("姓名").fill(who["name"])
    page.get_by_label("身份证号").fill(who["id_number"])
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("照片文件").set_input_files(
        files=[
            {
                "name": "face.jpg",
                "mimeType": "image/jpeg",
                "buffer": b"\xff\xd8face-" + who["id_number"].encode(),
            }
        ]
    )
    page.get_by_label("用户名").fill(who["username"])
    page.get_by_label("密码", exact=True).fill("citizen-pass-1")
    page.get_by_label("再次输入密码").fill("citizen-pass-1")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url("**/seals?welcome=1")
    return who


def personal_seal_with_password(page: Any) -> str:
    page.get_by_role("button", name="申请我的个人印章").click()
    page.wait_for_url(re.compile(r"/seals/[0-9a-f-]{36}$"))
    assert "正常" in page.locator(".facts").inner_text()
    page.get_by_label("新印章口令", exact=True).fill(SEAL_PASSWORD)
    page.get_by_label("再次输入新印章口令").fill(SEAL_PASSWORD)
    page.get_by_role("button", name="保存印章口令").click()
    page.get_by_role("status").filter(has_text="印章口令已设置").wait_for()
    return page.url.rsplit("/", 1)[1]


def stamp_rect(pdf: bytes) -> tuple[list[float], list[float]]:
    """(widget /Rect of the seal on page 1, page MediaBox) from the signed PDF."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        for annot in page.obj.get("/Annots", []):
            field = annot.get("/Parent", annot)
            if str(annot.get("/FT", "")) == "/Sig" or str(field.get("/FT", "")) == "/Sig":
                return [float(v) for v in annot["/Rect"]], [float(v) for v in page.mediabox]
    raise AssertionError("no signature widget on page 1")


def test_citizen_registers_signs_a_pdf_by_dragging_and_verifies_it(
    browser: Any, portal: Portal
) -> None:
    page = new_page(browser, portal, viewport=DESKTOP)
    register_citizen(page, portal)
    assert portal.tenant_name in page.locator("header").inner_text()  # the bureau's name
    emblem = page.locator("header img.emblem")  # ... and emblem
    assert emblem.evaluate("img => img.complete && img.naturalWidth > 0")
    seal_id = personal_seal_with_password(page)

    page.get_by_role("link", name="签署文件").first.click()
    pdf = write_text_pdf("居住证明\n兹证明王小明在本辖区居住。\n" * 3, title="居住证明")
    page.get_by_label("文件（PDF 或 OFD）").set_input_files(
        files=[{"name": "居住证明.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.get_by_role("button", name="上传并放置印章").click()
    page.wait_for_url(re.compile(r"/sign/[A-Za-z0-9_-]+$"))
    page.locator("[data-page-image]").wait_for()
    page.wait_for_function("document.querySelector('[data-page-image]').complete")

    # Drag the seal from where it starts to a point on page 1 (both on screen).
    page.evaluate("document.querySelector('[data-stamp]').scrollIntoView({block: 'end'})")
    stage = page.locator("[data-stage]").bounding_box()
    stamp = page.locator("[data-stamp]").bounding_box()
    page_w = float(page.locator("[data-stage]").get_attribute("data-page-w"))
    px_per_mm = stage["width"] / page_w
    x0, y0 = (
        float(page.get_by_label("距左边（毫米）").input_value()),
        float(page.get_by_label("距上边（毫米）").input_value()),
    )
    grab = (stamp["x"] + stamp["width"] / 2, stamp["y"] + stamp["height"] / 2)
    drop = (stage["x"] + stage["width"] * 0.25, stage["y"] + stage["height"] * 0.45)
    page.mouse.move(*grab)
    page.mouse.down()
    page.mouse.move((grab[0] + drop[0]) / 2, (grab[1] + drop[1]) / 2, steps=5)
    page.mouse.move(*drop, steps=5)
    page.mouse.up()
    x_mm = float(page.get_by_label("距左边（毫米）").input_value())
    y_mm = float(page.get_by_label("距上边（毫米）").input_value())
    expected_x = x0 + (drop[0] - grab[0]) / px_per_mm
    expected_y = y0 + (drop[1] - grab[1]) / px_per_mm
    assert abs(x_mm - expected_x) < 0.6 and abs(y_mm - expected_y) < 0.6, (x_mm, y_mm)

    page.get_by_label("本文件的印章口令").fill(SEAL_PASSWORD)
    page.get_by_role("button", name="盖章签署").click()
    page.wait_for_url(re.compile(r"/signatures/[0-9a-f-]{36}\?signed=1$"))
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载已签署文件").click()
    signed = Path(dl.value.path()).read_bytes()
    assert dl.value.suggested_filename.endswith("居住证明.pdf")  # the name survives, in UTF-8
    assert signed.startswith(b"%PDF-") and len(signed) > len(pdf)
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载存证包").click()
    assert b'"checkpoint"' in Path(dl.value.path()).read_bytes()

    # The stamp is where it was dropped: its box starts x_mm from the left and y_mm from
    # the top of page 1.
    rect, box = stamp_rect(signed)
    assert abs(rect[0] - (box[0] + x_mm * PT_PER_MM)) < 0.5
    assert abs(rect[3] - (box[3] - y_mm * PT_PER_MM)) < 0.5

    # The seal page lists the use, with its evidence-log entry.
    response = page.goto(f"/seals/{seal_id}")
    assert response is not None and response.status == 200, page.content()[:3000]
    assert "存证记录" in page.locator("section[aria-labelledby=uses-h]").inner_text()
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载用印记录及其存证证明（JSON）").click()
    uses = json.loads(Path(dl.value.path()).read_bytes())
    assert uses["total"] == 1 and uses["uses"][0]["evidence"]["inclusion_proof"] is not None
    assert uses["checkpoint"]

    # Anyone verifies it on the public page: the verdict in words, then each check.
    verifier = new_page(browser, portal, viewport=DESKTOP)
    verifier.goto("/verify")
    verifier.get_by_label("要验证的文件").set_input_files(
        files=[{"name": "proof-signed.pdf", "mimeType": "application/pdf", "buffer": signed}]
    )
    verifier.get_by_role("button", name="验证").last.click()
    verdict = verifier.locator(".verdict")
    assert "验证通过" in verdict.inner_text() and "TOTAL_PASSED" in verdict.inner_text()
    assert verifier.locator(".check.good").count() >= 3
    with verifier.expect_download() as dl:
        verifier.get_by_role("link", name="下载验证报告（JSON）").click()
    assert b'"checks"' in Path(dl.value.path()).read_bytes()
    with verifier.expect_download() as dl:
        verifier.get_by_role("link", name="下载验证报告（PDF）").click()
    assert Path(dl.value.path()).read_bytes().startswith(b"%PDF-")

    # A tampered copy (one byte of the signed range changed) fails, the check named.
    at = signed.index(b"/Title") + 1
    tampered = signed[:at] + (b"X" if signed[at : at + 1] != b"X" else b"Y") + signed[at + 1 :]
    with portal.api() as api:
        failing = [
            c["name"]
            for c in _all_checks(
                api.post("/api/v1/verify", files={"file": ("t.pdf", tampered)}).json()
            )
            if not c["ok"]
        ]
    assert failing
    verifier.goto("/verify")
    verifier.get_by_label("要验证的文件").set_input_files(
        files=[{"name": "tampered.pdf", "mimeType": "application/pdf", "buffer": tampered}]
    )
    verifier.get_by_role("button", name="验证").last.click()
    assert "验证未通过" in verifier.locator(".verdict").inner_text()
    named = verifier.locator("#failed-h + ul").inner_text()
    assert all(name in named for name in failing), (failing, named)


def _all_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(report.get("checks", []))
    if isinstance(report.get("seal"), dict):
        out += _all_checks(report["seal"])
    for child in report.get("signatures", []) or []:
        out += _all_checks(child)
    return out


@pytest.mark.parametrize("lang", ["en"])
def test_english_switch_and_field_errors_beside_the_field(
    browser: Any, portal: Portal, lang: str
) -> None:
    page = new_page(browser, portal)
    page.goto("/register")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    # A wrong ID number: the message, in Chinese, sits beside the field.
    page.get_by_label("办理机关").select_option(portal.tenant)
    page.get_by_label("姓名").fill("李四")
    page.get_by_label("身份证号").fill("150102199001011234")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("照片文件").set_input_files(
        files=[{"name": "f.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8face"}]
    )
    page.get_by_label("用户名").fill("u-" + secrets.token_hex(3))
    page.get_by_label("密码", exact=True).fill("citizen-pass-1")
    page.get_by_label("再次输入密码").fill("citizen-pass-1")
    page.get_by_role("button", name="注册").click()
    field = page.get_by_label("身份证号")
    assert field.get_attribute("aria-invalid") == "true"
    message = page.locator("#e-id_number").inner_text()
    assert re.search(r"[\u4e00-\u9fff]", message), message
