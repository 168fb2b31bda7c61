"""/api/v1/molds over HTTP: tenant admin imports, clerks read, other tenants see nothing,
a mismatching vendor seal is refused with 403 and the reason."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from hub.crypto import Name, SM2PrivateKey, build_certificate
from hub.formats import build_seal_v4
from hub.pictures import render_official_seal
from monitoring.metrics import slug_label

NAME, CODE = "杭州市某某科技有限公司", "3301060012345"
CREDIT = "91350100M000100Y43"


def _upload(mold: bytes, *rows: str) -> dict[str, tuple[str, bytes, str]]:
    head = "seal_code,unit_name,credit_code,seal_type,image,width_mm,height_mm,status"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.png", mold)
    return {
        "csv": ("molds.csv", "\n".join([head, *rows]).encode(), "text/csv"),
        "images": ("images.zip", archive.getvalue(), "application/zip"),
    }


def _seal(picture: bytes) -> bytes:
    key = SM2PrivateKey.generate()
    now = datetime.now(UTC)
    cert = build_certificate(
        subject=Name(NAME),
        subject_key=key.public_key,
        issuer=Name(NAME),
        issuer_key=key,
        is_ca=True,
        not_before=now - timedelta(days=1),
    )
    return build_seal_v4(
        esid=CODE,
        vid="v",
        seal_type=1,
        name=NAME,
        signer_certs=[cert.der],
        picture=picture,
        picture_type="png",
        width_mm=42,
        height_mm=42,
        valid_start=now - timedelta(days=1),
        valid_end=now + timedelta(days=9),
        maker_cert=cert.der,
        maker_key=key,
    )


async def test_mold_registry_api(make_tenant) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    client, admin = tenant.client, tenant.admin_headers
    mold = render_official_seal(NAME, CODE, dpi=200)

    r = await client.post(
        "/api/v1/molds/import",
        headers=admin,
        files=_upload(
            mold,
            f"{CODE},{NAME},{CREDIT},公章,a.png,42,42,在用",
            f"3301060000009,{NAME},NOTACODE,公章,a.png,42,42,在用",
            f"3301060000010,{NAME},{CREDIT},公章,missing.png,42,42,在用",
        ),
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["imported"] == [CODE]
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(3, "credit_code"), (4, "image")]

    r = await client.get("/api/v1/molds", headers=admin)
    assert r.status_code == 200 and [m["seal_code"] for m in r.json()] == [CODE]
    r = await client.get(f"/api/v1/molds/{CODE}/picture", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    stored = r.content

    # 同模同轨: the registered picture passes, a redrawn one is refused with the reason.
    r = await client.post(
        f"/api/v1/molds/{CODE}/check",
        headers=admin,
        files={"seal": ("s.esl", _seal(stored), "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["matched"] is True
    forged = render_official_seal("杭州市某某料技有限公司", CODE)
    r = await client.post(
        f"/api/v1/molds/{CODE}/check",
        headers=admin,
        files={"seal": ("s.esl", _seal(forged), "application/octet-stream")},
    )
    assert r.status_code == 403, r.text
    assert "does not match the registered mold" in r.json()["detail"]

    # Another tenant's admin sees nothing and cannot change anything; probing a code
    # that exists elsewhere looks like any missing code but is counted.
    oh = other.admin_headers
    assert (await client.get("/api/v1/molds", headers=oh)).json() == []
    # (A random slug with a run of 6+ digits is exported as `_invalid_`: compare the label.)
    label = {"tenant": slug_label(other.slug, "tenant")}
    before = REGISTRY.get_sample_value("sealhub_cross_tenant_denied_total", label) or 0
    foreign = await client.get(f"/api/v1/molds/{CODE}", headers=oh)
    missing = await client.get("/api/v1/molds/9999999999999", headers=oh)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace(CODE, "X") == missing.json()["detail"].replace(
        "9999999999999", "X"
    )
    assert REGISTRY.get_sample_value("sealhub_cross_tenant_denied_total", label) == before + 1
    r = await client.put(f"/api/v1/molds/{CODE}/status", headers=oh, json={"status": "revoked"})
    assert r.status_code == 404

    r = await client.put(f"/api/v1/molds/{CODE}/status", headers=admin, json={"status": "revoked"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = await client.post(
        f"/api/v1/molds/{CODE}/check",
        headers=admin,
        files={"seal": ("s.esl", _seal(stored), "application/octet-stream")},
    )
    assert r.status_code == 403 and "revoked" in r.json()["detail"]


async def test_mold_api_needs_the_admin_role(make_tenant) -> None:
    tenant = await make_tenant()
    person = await tenant.add_person()
    client = tenant.client
    assert (await client.get("/api/v1/molds")).status_code == 401
    r = await client.get("/api/v1/molds", headers=person.headers)
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/molds/import",
        headers=person.headers,
        files=_upload(render_official_seal(NAME, CODE, dpi=100)),
    )
    assert r.status_code == 403
