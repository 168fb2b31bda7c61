"""No input gets a 500, and what should never be stored is refused at the edge: each
answer is a problem (application/problem+json) whose `field` is a JSON pointer."""

from __future__ import annotations

import io
import secrets
import uuid
import zipfile
from typing import Any
from urllib.parse import unquote

import pytest

from hub.documents.ofd_writer import write_text_ofd

SEAL_PASSWORD = "seal-pass-2026"


def _problem(r: Any, status: int, field: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["field"] == field, body
    return body


async def _person_with_seal(t: Any) -> tuple[Any, dict[str, Any]]:
    person = await t.add_person()
    r = await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    assert r.status_code == 201, r.text
    seal = r.json()
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": SEAL_PASSWORD},
    )
    assert r.status_code == 204, r.text
    return person, seal


async def _sign_upload(
    t: Any, person: Any, seal: dict[str, Any], data: bytes, name: str = "doc.ofd", **form: str
) -> Any:
    fields = {
        "seal_id": seal["id"],
        "password": SEAL_PASSWORD,
        "page": "0",
        "x_mm": "20",
        "y_mm": "30",
        **form,
    }
    return await t.client.post(
        "/api/v1/documents/sign",
        headers={**person.headers, "Idempotency-Key": secrets.token_hex(8)},
        files={"file": (name, data, "application/octet-stream")},
        data=fields,
    )


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/accounts", {"offset": 10**30}, "/offset"),
        ("/api/v1/accounts", {"offset": 2**63}, "/offset"),
        ("/api/v1/accounts", {"limit": 10**19}, "/limit"),
        ("/api/v1/accounts", {"limit": -1}, "/limit"),
        ("/api/v1/identity/persons", {"offset": 2**63}, "/offset"),
        ("/api/v1/identity/enterprises", {"limit": 0}, "/limit"),
        ("/api/v1/molds", {"offset": 10**30}, "/offset"),
        ("/api/v1/evidence/log/entries", {"start": 10**30}, "/start"),
        ("/api/v1/evidence/log/entries", {"start": -1}, "/start"),
        ("/api/v1/evidence/log/proof/inclusion", {"tree_size": 10**30, "index": 0}, "/tree_size"),
        ("/api/v1/evidence/log/proof/consistency", {"first": 0, "second": 10**30}, "/second"),
    ],
)
async def test_unbounded_numbers_in_queries_are_400_naming_the_field(
    make_tenant: Any, path: str, params: dict[str, int], field: str
) -> None:
    t = await make_tenant()
    r = await t.client.get(path, params=params, headers=t.admin_headers)
    _problem(r, 400, field)


async def test_a_100000_deep_json_body_is_a_400_not_a_500(make_tenant: Any) -> None:
    t = await make_tenant()
    deep = "[" * 100_000 + "]" * 100_000
    for path, headers in (("/api/v1/auth/login", {}), ("/api/v1/accounts", t.admin_headers)):
        r = await t.client.post(
            path, content=deep, headers={**headers, "content-type": "application/json"}
        )
        body = _problem(r, 400, "")  # the body as a whole: the root pointer
        assert "nested too deeply" in body["detail"]
    r = await t.client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    _problem(r, 400, "")


@pytest.mark.parametrize(
    "digest",
    [
        "é" * 64,
        "٣" * 64,  # Arabic-Indic digits: int(x, 16) and str.isdigit() take them
        "０" * 64,  # fullwidth zeros
        "ab" * 31 + "\u200b\u200b",
        "00" * 33,
    ],
)
async def test_digest_fields_take_64_ascii_hex_digits_only(make_tenant: Any, digest: str) -> None:
    t = await make_tenant()
    person, seal = await _person_with_seal(t)
    r = await t.client.post(
        "/api/v1/signatures",
        json={"seal_id": seal["id"], "password": SEAL_PASSWORD, "document_sm3": digest},
        headers={**person.headers, "Idempotency-Key": secrets.token_hex(8)},
    )
    _problem(r, 400, "/document_sm3")
    r = await t.client.post(
        "/api/v1/use-requests",
        headers=person.headers,
        json={"seal_id": seal["id"], "document_sm3": digest, "purpose": "合同"},
    )
    _problem(r, 400, "/document_sm3")


@pytest.mark.parametrize(
    "bad",
    [
        "张\u200b三",  # zero-width space: a second "张三" on screen
        "张\u202e三",  # right-to-left override
        "张\u2066三",  # bidi isolate
        "张\x07三",  # a control character
        "张\ufeff三",  # BOM / zero-width no-break space
        "张" * 201,  # over the documented 200
    ],
)
async def test_names_that_should_never_be_stored_are_refused(
    make_tenant: Any, bad: str, operator_headers: Any
) -> None:
    t = await make_tenant()
    r = await t.client.post(
        "/api/v1/identity/persons",
        headers=t.admin_headers,
        json={
            "name": bad,
            "id_number": "11010519491231002X",
            "mobile": "13800138000",
            "face_image": "",
            "username": "u-" + secrets.token_hex(3),
            "password": "x" * 12,
        },
    )
    _problem(r, 400, "/name")
    r = await t.client.post(
        "/api/v1/tenants",
        headers=operator_headers,
        json={
            "name": bad,
            "slug": "t-" + secrets.token_hex(4),
            "region_code": "150102",
            "admin": {"username": "a-" + secrets.token_hex(3), "password": "x" * 12},
        },
    )
    _problem(r, 400, "/name")
    r = await t.client.post(
        "/api/v1/accounts",
        headers=t.admin_headers,
        json={
            "username": "c-" + secrets.token_hex(3),
            "password": "x" * 12,
            "roles": ["clerk"],
            "display_name": bad,
        },
    )
    _problem(r, 400, "/display_name")


async def test_every_text_field_has_its_maximum(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await _person_with_seal(t)
    r = await t.client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "username": t.admin_username, "password": "p" * 257},
    )
    _problem(r, 400, "/password")
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": "p" * 257, "old_password": SEAL_PASSWORD},
    )
    _problem(r, 400, "/password")
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/suspend", headers=person.headers, json={"reason": "r" * 1001}
    )
    _problem(r, 400, "/reason")
    r = await t.client.post(
        f"/api/v1/seals/{seal['id']}/suspend",
        headers=person.headers,
        json={"reason": "because\u202egnirts"},
    )
    _problem(r, 400, "/reason")
    r = await _sign_upload(
        t, person, seal, write_text_ofd("合同正文", title="合同"), password="p" * 257
    )  # a multipart form's password too
    _problem(r, 422, "/password")
    # A nested field is named by its full pointer.
    r = await t.client.post(
        "/api/v1/applications/templates",
        headers=t.admin_headers,
        json={
            "key": "k",
            "title": "T",
            "body": "{x}",
            "fields": [{"name": "x" * 65}],
            "signers": [{"key": "s", "seal_kind": "personal"}],
        },
    )
    _problem(r, 400, "/fields/0/name")
    r = await t.client.post(
        "/api/v1/applications/templates",
        headers=t.admin_headers,
        json={
            "key": "k",
            "title": "T",
            "body": "{x}",
            "fields": [{"name": "x"}],
            "signers": [{"key": "s", "seal_kind": "personal", "x_mm": -5}],
        },
    )
    _problem(r, 400, "/signers/0/x_mm")
    # A service's own refusal names its field the same way.
    r = await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "castle"})
    _problem(r, 422, "/seal_type")


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"x_mm": "nan"}, "/x_mm"),
        ({"x_mm": "inf"}, "/x_mm"),
        ({"y_mm": "-5"}, "/y_mm"),
        ({"x_mm": "1e308"}, "/x_mm"),
        ({"width_mm": "-1"}, "/width_mm"),
        ({"height_mm": "NaN"}, "/height_mm"),
        ({"page": "99999999999999999999"}, "/page"),
    ],
)
async def test_stamp_geometry_is_finite_and_not_negative(
    make_tenant: Any, form: dict[str, str], field: str
) -> None:
    t = await make_tenant()
    person, seal = await _person_with_seal(t)
    r = await _sign_upload(t, person, seal, write_text_ofd("合同正文", title="合同"), **form)
    _problem(r, 422, field)


def _damaged(ofd: bytes, *, stored: bool) -> tuple[bytes, str]:
    """The OFD with one member's bytes flipped after its CRC was written."""
    zin = zipfile.ZipFile(io.BytesIO(ofd))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            content = zin.read(info)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zout.writestr(info, content)
    raw = bytearray(out.getvalue())
    victim = next(
        i
        for i in zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist()
        if i.filename.endswith("Content.xml")
    )
    start = victim.header_offset + 30 + len(victim.filename.encode()) + len(victim.extra)
    raw[start + victim.compress_size // 2] ^= 0x55
    return bytes(raw), victim.filename


@pytest.mark.parametrize("stored", [True, False], ids=["bad-crc", "bad-deflate"])
async def test_an_ofd_member_with_a_bad_crc_is_a_422_naming_it(
    make_tenant: Any, stored: bool
) -> None:
    t = await make_tenant()
    person, seal = await _person_with_seal(t)
    bad, member = _damaged(write_text_ofd("合同正文\n" * 40, title="合同"), stored=stored)
    r = await _sign_upload(t, person, seal, bad)
    body = _problem(r, 422, "/file")
    assert body["member"] == member and member in body["detail"]


async def test_download_names_are_rfc6266_and_never_split_the_header(make_tenant: Any) -> None:
    t = await make_tenant()
    person, seal = await _person_with_seal(t)
    name = "a\r\nX-Evil: 1\r\n合同\u202e.ofd"
    r = await _sign_upload(t, person, seal, write_text_ofd("合同正文", title="合同"), name=name)
    assert r.status_code == 201, r.text
    assert "\r" not in r.json()["filename"] and "\u202e" not in r.json()["filename"]
    got = await t.client.get(f"/api/v1/documents/{r.json()['id']}", headers=person.headers)
    assert got.status_code == 200
    assert "x-evil" not in got.headers
    disposition = got.headers["content-disposition"]
    assert disposition.isascii() and "\r" not in disposition and "\n" not in disposition
    fallback, exact = disposition.split("; filename*=UTF-8''")
    assert fallback.startswith('attachment; filename="') and fallback.endswith('"')
    assert unquote(exact) == r.json()["filename"] and "合同" in unquote(exact)


async def test_unknown_ids_and_wrong_types_are_4xx(make_tenant: Any) -> None:
    t = await make_tenant()
    r = await t.client.post(
        "/api/v1/use-requests",
        headers=t.admin_headers,
        json={"seal_id": "x", "document_sm3": "00" * 32, "purpose": ""},
    )
    assert r.status_code in (400, 403), r.text
    r = await t.client.get(f"/api/v1/seals/{uuid.uuid4()}", headers=t.admin_headers)
    assert r.status_code == 404
