"""The portal's parts without a browser: catalogs, the verdict adapter, the draft store,
and the 口令 bound to the document digest (in-process hub, real services)."""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.errors import NotFound
from hub.web.i18n import catalog_ids, negotiate, translations
from hub.web.store import FileStore
from hub.web.verdict import verdict_of

TEMPLATES = Path(__file__).resolve().parents[2] / "hub" / "web"
_CALL = re.compile(r"""_\((["'])((?:(?!\1).)+)\1\)""")


def test_every_word_a_page_shows_has_its_chinese() -> None:
    used: set[str] = set()
    for path in [*TEMPLATES.glob("templates/**/*.html"), *TEMPLATES.glob("*.py")]:
        used |= {m.group(2) for m in _CALL.finditer(path.read_text())}
    assert len(used) > 100
    missing = sorted(used - catalog_ids("zh_CN"))
    assert not missing, missing
    zh = translations("zh_CN").gettext
    assert zh("My seals") == "我的签章" and translations("en").gettext("My seals") == "My seals"
    assert zh("status:applied") != "status:applied"


def test_language_from_the_switch_then_the_browser() -> None:
    assert negotiate("en-US,en;q=0.9", None) == "en"
    assert negotiate("en;q=0.5,zh-CN;q=0.9", None) == "zh_CN"
    assert negotiate("fr-FR", None) == "zh_CN"  # zh-CN first
    assert negotiate("zh-CN", "en") == "en"
    assert negotiate("en", "xx") == "en"  # an unknown cookie is ignored


def test_verdict_uses_the_indication_when_the_report_has_one() -> None:
    old = {
        "kind": "pdf",
        "valid": False,
        "checks": [{"name": "a", "ok": True, "detail": ""}],
        "signatures": [
            {
                "kind": "signature",
                "valid": False,
                "info": {"field": "SealHub1"},
                "checks": [{"name": "document digest", "ok": False, "detail": "differs"}],
            }
        ],
    }
    v = verdict_of(old)
    assert v.indication == "TOTAL_FAILED" and v.sub_indication is None
    assert [(c.where, c.name) for c in v.failed] == [("SealHub1", "document digest")]
    assert verdict_of({**old, "valid": True}).indication == "TOTAL_PASSED"
    new = {**old, "indication": "INDETERMINATE", "sub_indication": "NO_POE"}
    v = verdict_of(new)
    assert (v.indication, v.sub_indication) == ("INDETERMINATE", "NO_POE")


async def test_draft_store_binds_owner_and_expires(client: Any) -> None:
    store = FileStore("drafts", ttl_seconds=60)
    token = await store.put(b"doc", "tenant/alice", sm3="00")
    assert (await store.get(token, "tenant/alice")).data == b"doc"
    await store.update(token, "tenant/alice", use_request_id="u1")
    assert (await store.get(token, "tenant/alice")).meta == {"sm3": "00", "use_request_id": "u1"}
    for owner, tok in [
        ("tenant/bob", token),
        ("tenant/alice", "../../etc/passwd"),
        ("tenant/alice", "nope"),
        ("tenant/alice", "x" * 100),
    ]:
        with pytest.raises(NotFound):
            await store.get(tok, owner)
    with pytest.raises(NotFound):  # a report token is not a draft
        await FileStore("reports", 60).get(token, "tenant/alice")
    await asyncio.sleep(1.1)
    with pytest.raises(NotFound):
        await FileStore("drafts", ttl_seconds=1).get(token, "tenant/alice")


def _csrf(html: str) -> str:
    m = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert m is not None
    return m.group(1)


async def _portal_login(client: httpx.AsyncClient, t: Any, username: str, password: str) -> None:
    page = await client.get("/login")
    r = await client.post(
        "/login",
        data={
            "tenant": t.slug,
            "username": username,
            "password": password,
            "_csrf_token": _csrf(page.text),
            "next": "/seals",
        },
    )
    assert r.status_code == 303, r.text


async def test_the_seal_password_is_bound_to_the_document_digest(
    app: Any, make_tenant: Any
) -> None:
    from hub.documents.pdf_writer import write_text_pdf

    t = await make_tenant()
    person = await t.add_person("孙丽")
    r = await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    seal = r.json()
    await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": "seal-pass-2026"},
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://sealhub.test") as c,
        httpx.AsyncClient(transport=transport, base_url="http://sealhub.test") as other,
    ):
        await _portal_login(c, t, person.username, "person-password-1")
        page = await c.get("/sign")
        r = await c.post(
            "/sign",
            data={"_csrf_token": _csrf(page.text)},
            files={"file": ("a.pdf", write_text_pdf("第一份"), "application/pdf")},
        )
        assert r.status_code == 303
        draft = r.headers["location"]
        page = await c.get(draft)
        digest = re.search(r'name="document_sm3" value="([0-9a-f]{64})"', page.text)
        assert digest is not None
        form = {
            "_csrf_token": _csrf(page.text),
            "seal_id": seal["id"],
            "page": "1",
            "x_mm": "20",
            "y_mm": "30",
            "password": "seal-pass-2026",
        }
        # A 口令 given for another digest does not sign this draft.
        r = await c.post(draft, data={**form, "document_sm3": "0" * 64})
        assert r.status_code == 422 and ("重新上传" in r.text or "upload it again" in r.text)
        listed = await t.client.get("/api/v1/signatures", headers=person.headers)
        assert listed.json() == []
        # Another person's session cannot open or sign the draft.
        other_person = await t.add_person("周强")
        await _portal_login(other, t, other_person.username, "person-password-1")
        assert (await other.get(draft)).status_code == 404
        r = await c.post(draft, data={**form, "document_sm3": digest.group(1)})
        assert r.status_code == 303 and r.headers["location"].startswith("/signatures/")
        # The same form sent twice signs once (the idempotency key is the placement).
        r = await c.post(draft, data={**form, "document_sm3": digest.group(1)})
        assert r.status_code == 303
        listed = await t.client.get("/api/v1/signatures", headers=person.headers)
        assert len(listed.json()) == 1


async def test_pages_ask_for_a_login_and_keep_tenants_apart(app: Any, make_tenant: Any) -> None:
    a, b = await make_tenant(), await make_tenant()
    alice = await a.add_person("吴敏")
    r = await a.client.post("/api/v1/seals", headers=alice.headers, json={"seal_type": "personal"})
    seal_id = r.json()["id"]
    bob = await b.add_person("郑华")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sealhub.test") as c:
        r = await c.get(f"/seals/{seal_id}")
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        await _portal_login(c, b, bob.username, "person-password-1")
        for path in (f"/seals/{seal_id}", f"/seals/{seal_id}/picture"):
            assert (await c.get(path)).status_code == 404
        token = secrets.token_urlsafe(16)
        assert (await c.get(f"/sign/{token}")).status_code == 404


async def test_public_page_checks_a_detached_signature_against_its_document(
    app: Any, make_tenant: Any
) -> None:
    t = await make_tenant()
    person = await t.add_person("何静")
    seal = (
        await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    ).json()
    await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": "seal-pass-2026"},
    )
    document = "租赁合同 第一版".encode()
    r = await t.client.post(
        "/api/v1/signatures",
        headers={**person.headers, "Idempotency-Key": secrets.token_hex(8)},
        json={
            "seal_id": seal["id"],
            "password": "seal-pass-2026",
            "document": base64.b64encode(document).decode(),
        },
    )
    assert r.status_code == 201, r.text
    ses = base64.b64decode(r.json()["signature"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sealhub.test") as c:

        async def verify(doc: bytes) -> str:
            page = await c.get("/verify")
            r = await c.post(
                "/verify",
                data={"_csrf_token": _csrf(page.text)},
                files={"file": ("SignedValue.dat", ses), "document": ("contract.txt", doc)},
            )
            assert r.status_code == 200, r.text
            return r.text

        assert "TOTAL_PASSED" in await verify(document)
        changed = await verify("租赁合同 第二版".encode())
        assert "TOTAL_FAILED" in changed and "document digest" in changed


async def test_an_ofd_is_previewed_and_signed_through_the_pages(app: Any, make_tenant: Any) -> None:
    import io

    from PIL import Image

    from hub.documents.ofd_writer import write_text_ofd
    from hub.formats import verify_ofd

    t = await make_tenant()
    person = await t.add_person("林芳")
    seal = (
        await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    ).json()
    await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": "seal-pass-2026"},
    )
    ofd = write_text_ofd("第一页\n" * 70, title="情况说明")  # two A4 pages
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sealhub.test") as c:
        await _portal_login(c, t, person.username, "person-password-1")
        page = await c.get("/sign")
        r = await c.post(
            "/sign",
            data={"_csrf_token": _csrf(page.text)},
            files={"file": ("情况说明.ofd", ofd, "application/ofd")},
        )
        assert r.status_code == 303, r.text
        draft = r.headers["location"]
        page = await c.get(draft + "?page=2")
        assert "(OFD, 2" in page.text
        png = await c.get(draft + "/pages/2")
        assert png.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(png.content))
        assert image.width == 900 and abs(image.height / image.width - 297 / 210) < 0.01
        # The preview draws the page's text: not a blank picture.
        assert image.convert("L").getextrema()[0] < 128
        digest = re.search(r'name="document_sm3" value="([0-9a-f]{64})"', page.text)
        assert digest is not None
        r = await c.post(
            draft,
            data={
                "_csrf_token": _csrf(page.text),
                "seal_id": seal["id"],
                "page": "2",
                "x_mm": "150",
                "y_mm": "240",
                "password": "seal-pass-2026",
                "document_sm3": digest.group(1),
            },
        )
        assert r.status_code == 303, r.text
        signed = await c.get(r.headers["location"].split("?")[0] + "/document")
    assert "filename*=UTF-8''signed-%E6%83%85" in signed.headers["content-disposition"]
    context = await app.state.services.trust.context()  # the hub's CA and TSA CA trusted
    report = verify_ofd(
        signed.content, max_uncompressed=50 * 1024 * 1024, max_entries=1000, context=context
    )
    assert report.valid, report.to_text()


def test_cookies_are_secure_behind_https() -> None:
    from hub.settings import PortalSettings, Settings
    from hub.web.session import csrf_config, session_config

    plain = Settings(security=Settings().security)
    tls = Settings(portal=PortalSettings(public_url="https://seal.example.gov.cn/"))
    assert not session_config(plain).secure and not csrf_config(plain).cookie_secure
    assert session_config(tls).secure and csrf_config(tls).cookie_secure
    assert session_config(tls).httponly and session_config(tls).samesite == "lax"


async def test_a_password_change_ends_the_portal_sessions(app: Any, make_tenant: Any) -> None:
    t = await make_tenant()
    person = await t.add_person("高峰")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sealhub.test") as c:
        await _portal_login(c, t, person.username, "person-password-1")
        assert (await c.get("/seals")).status_code == 200
        await asyncio.sleep(2.1)  # the session's login time has a one-second grain
        r = await t.client.post(
            "/api/v1/auth/password",
            headers=person.headers,
            json={"old_password": "person-password-1", "new_password": "person-password-2"},
        )
        assert r.status_code == 204, r.text
        assert (await c.get("/seals")).status_code == 303  # back to the login page
