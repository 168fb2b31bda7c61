"""同模同轨 in seal making: an official seal applied with a registered seal code gets the
mold's picture, a vendor's seal that does not show the mold is refused, an unknown code
in a tenant with a registry is a 422 naming seal_code."""

from __future__ import annotations

import base64
import dataclasses
import io
import uuid
import zipfile
from typing import Any

import pytest
from documents_api_support import SEAL_PASSWORD, official_seal

from adapters.local import LocalVendor
from adapters.protocol import AdapterContext, MakeSealRequest, MakeSealResult
from hub.auth.principal import Principal
from hub.errors import VendorBadAnswer
from hub.formats import parse_seal
from hub.pictures import render_official_seal
from hub.seals.services import SealService
from hub.vendors.directory import VendorDirectory
from hub.vendors.store import DbKeyStore

NAME = "示范模具科技有限公司"


def _mold_upload(code: str, credit_code: str, mold: bytes) -> dict[str, Any]:
    head = "seal_code,unit_name,credit_code,seal_type,image,width_mm,height_mm,status"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("mold.png", mold)
    row = f"{code},{NAME},{credit_code},公章,mold.png,40,40,在用"
    return {
        "csv": ("molds.csv", f"{head}\n{row}".encode(), "text/csv"),
        "images": ("images.zip", archive.getvalue(), "application/zip"),
    }


async def _registry(t: Any) -> tuple[Any, dict[str, str], str, bytes]:
    ent = await t.add_enterprise(NAME)
    clerk = await t.add_account(["clerk"])
    code = "33010" + str(uuid.uuid4().int)[:8]
    r = await t.client.post(
        "/api/v1/molds/import",
        headers=t.admin_headers,
        files=_mold_upload(code, ent.credit_code, render_official_seal(NAME, code, 40, dpi=200)),
    )
    assert r.status_code == 200 and r.json()["imported"] == [code], r.text
    r = await t.client.get(f"/api/v1/molds/{code}/picture", headers=t.admin_headers)
    assert r.status_code == 200
    return ent, clerk, code, r.content


async def test_official_seal_is_made_with_the_mold_picture(make_tenant: Any) -> None:
    t = await make_tenant()
    ent, clerk, code, mold_png = await _registry(t)
    seal = await official_seal(t, ent, clerk, seal_code=code)
    info = parse_seal(base64.b64decode(seal["seal"]))
    assert info.picture == mold_png  # the registered mold, not a drawn picture
    assert (info.width_mm, info.height_mm) == (40, 40) == (seal["width_mm"], seal["height_mm"])
    r = await t.client.post(
        f"/api/v1/molds/{code}/check",
        headers=t.admin_headers,
        files={"seal": ("s.esl", base64.b64decode(seal["seal"]))},
    )
    assert r.status_code == 200 and r.json()["matched"] is True

    # A code the tenant's registry does not hold is refused, naming the field.
    r = await t.client.post(
        "/api/v1/seals",
        headers=ent.agent_headers,
        json={"seal_type": "official", "enterprise_id": ent.id, "seal_code": "3301069999999"},
    )
    assert r.status_code == 422 and r.json()["field"] == "/seal_code", r.text
    # A tenant without a registry still gets a drawn seal for its code.
    other = await make_tenant()
    ent2 = await other.add_enterprise(NAME)
    clerk2 = await other.add_account(["clerk"])
    drawn = await official_seal(other, ent2, clerk2, seal_code=code)
    assert parse_seal(base64.b64decode(drawn["seal"])).picture != mold_png
    assert SEAL_PASSWORD


class ForgingVendor(LocalVendor):
    """Makes a proper seal, but with a redrawn picture instead of the one asked for."""

    async def make_seal(self, req: MakeSealRequest) -> MakeSealResult:
        forged = render_official_seal(NAME.replace("模具", "膜具"), req.esid[:13], 40, dpi=200)
        return await super().make_seal(dataclasses.replace(req, picture=forged))


async def test_a_vendor_seal_that_is_not_the_mold_is_refused(
    make_tenant: Any, app: Any, db: Any
) -> None:
    t = await make_tenant()
    ent, clerk, code, _ = await _registry(t)
    r = await t.client.post(
        "/api/v1/seals",
        headers=ent.agent_headers,
        json={"seal_type": "official", "enterprise_id": ent.id, "seal_code": code},
    )
    assert r.status_code == 201, r.text
    seal_id = r.json()["id"]

    directory = VendorDirectory()
    directory.add(
        ForgingVendor.from_config(
            "forger",
            {},
            AdapterContext(settings=app.state.settings, extras={"key_store": DbKeyStore("forger")}),
        )
    )
    seals = SealService(db, directory)
    me = await t.client.get("/api/v1/auth/me", headers=clerk)
    staff = Principal(
        tenant_id=uuid.UUID(t.id),
        tenant_slug=t.slug,
        account_id=uuid.UUID(me.json()["account_id"]),
        roles=frozenset({"clerk"}),
    )
    with pytest.raises(VendorBadAnswer, match="not the registered mold"):
        await seals.approve(staff, uuid.UUID(seal_id))
    # Nothing half-made: the seal is approved but has no seal, key or certificate.
    r = await t.client.get(f"/api/v1/seals/{seal_id}", headers=ent.agent_headers)
    assert r.json()["status"] == "approved" and r.json()["seal"] is None
