"""The mold registry on both engines: tenant scope, import, status, the 同模同轨 gate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from hub.crypto import Name, SM2PrivateKey, build_certificate
from hub.db import Database
from hub.errors import NotFound, PolicyDenied
from hub.formats import build_seal_v4
from hub.pictures import render_official_seal
from tenants.molds.services import MoldRegistry
from tenants.tables import Tenant

NAME, CODE = "杭州市某某科技有限公司", "3301060012345"
CREDIT = "91350100M000100Y43"


async def _tenant() -> uuid.UUID:
    row = Tenant(
        slug="molds-" + uuid.uuid4().hex[:8],
        name="测试局",
        region_code="330106",
        jwt_private_wrapped=b"x",
        jwt_public=b"x",
        data_key_wrapped=b"x",
    )
    await Tenant.insert(row).run()
    return row.id


def _csv(*rows: str) -> bytes:
    head = "seal_code,unit_name,credit_code,seal_type,image,width_mm,height_mm,status"
    return "\n".join([head, *rows]).encode()


def _seal(picture: bytes, size: int = 42) -> bytes:
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
        width_mm=size,
        height_mm=size,
        valid_start=now - timedelta(days=1),
        valid_end=now + timedelta(days=9),
        maker_cert=cert.der,
        maker_key=key,
    )


@pytest.fixture(scope="module")
def mold() -> bytes:
    return render_official_seal(NAME, CODE)


async def test_import_stores_good_rows_and_reports_bad_ones(db: Database, mold) -> None:
    registry, tenant = MoldRegistry(db), await _tenant()
    report = await registry.import_csv(
        tenant,
        _csv(
            f"{CODE},{NAME},{CREDIT},official,a.png,42,42,active",
            f"3301060000002,{NAME},BADCODE,official,a.png,42,42,active",
            f"3301060000003,{NAME},{CREDIT},contract,a.png,42,42,active",
        ),
        {"a.png": mold},
    )
    assert [(e.line, e.field) for e in report.errors] == [(3, "credit_code")]
    listed = await registry.list(tenant)
    assert [m.seal_code for m in listed] == ["3301060000003", CODE]  # ordered by code
    assert listed[1].status == "active" and listed[1].width_mm == 42
    # A re-import of the same code replaces the record instead of duplicating it.
    again = await registry.import_csv(
        tenant, _csv(f"{CODE},{NAME}（更名）,{CREDIT},official,a.png,40,40,active"), {"a.png": mold}
    )
    assert not again.errors
    view = await registry.get(tenant, CODE)
    assert view.unit_name.endswith("（更名）") and view.width_mm == 40
    assert len(await registry.list(tenant)) == 2


async def test_molds_are_tenant_scoped(db: Database, mold) -> None:
    registry = MoldRegistry(db)
    a, b = await _tenant(), await _tenant()
    await registry.import_csv(
        a, _csv(f"{CODE},{NAME},{CREDIT},official,a.png,42,42,active"), {"a.png": mold}
    )
    assert await registry.list(b) == []
    with pytest.raises(NotFound):
        await registry.get(b, CODE)
    with pytest.raises(NotFound):
        await registry.picture(b, CODE)
    with pytest.raises(NotFound):
        await registry.set_status(b, CODE, "revoked")
    with pytest.raises(PolicyDenied):
        await registry.check_picture(b, seal_code=CODE, picture=mold, width_mm=42, height_mm=42)
    assert (await registry.get(a, CODE)).status == "active"  # b's attempts changed nothing


async def test_matching_seal_is_accepted_and_mismatch_refused(db: Database, mold) -> None:
    registry, tenant = MoldRegistry(db), await _tenant()
    await registry.import_csv(
        tenant, _csv(f"{CODE},{NAME},{CREDIT},公章,a.png,42,42,在用"), {"a.png": mold}
    )
    stored = await registry.picture(tenant, CODE)
    # The vendor used the registered mold (the normalised picture the hub hands out).
    match = await registry.check_seal(tenant, _seal(stored), seal_code=CODE)
    assert match.matched and match.mismatch_mm2 < 0.1
    # A vendor drew its own seal with one different character: refused, reason given.
    forged = render_official_seal("杭州市某某料技有限公司", CODE)
    with pytest.raises(PolicyDenied) as err:
        await registry.check_seal(tenant, _seal(forged), seal_code=CODE)
    assert "does not match the registered mold" in err.value.detail
    # Declared size differs from the registry's.
    with pytest.raises(PolicyDenied, match="mm"):
        await registry.check_seal(tenant, _seal(stored, size=38), seal_code=CODE)
    # No mold on record for that code.
    with pytest.raises(PolicyDenied, match="no registered mold"):
        await registry.check_seal(tenant, _seal(stored), seal_code="3301069999999")


async def test_revoked_mold_refuses_seals(db: Database, mold) -> None:
    registry, tenant = MoldRegistry(db), await _tenant()
    await registry.import_csv(
        tenant, _csv(f"{CODE},{NAME},{CREDIT},official,a.png,42,42,active"), {"a.png": mold}
    )
    view = await registry.set_status(tenant, CODE, "revoked")
    assert view.status == "revoked"
    assert [m.seal_code for m in await registry.list(tenant, status="revoked")] == [CODE]
    with pytest.raises(PolicyDenied, match="revoked"):
        await registry.check_picture(
            tenant, seal_code=CODE, picture=mold, width_mm=42, height_mm=42
        )
