"""Personal data in application-center documents (ID and phone numbers in template
values) is sealed at rest under the tenant's data key, like identity data, and masked for
everyone but the person who filled the document."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from hub.documents.tables import DocumentInstance

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
VALUES = {
    "name": "张三",
    "id_number": ID_NUMBER,
    "phone": PHONE,
    "employer": "某某科技有限公司",
    "date": "2020-02-10",
}


async def _commitment(t: Any) -> dict[str, Any]:
    r = await t.client.post("/api/v1/applications/templates/builtin", headers=t.admin_headers)
    assert r.status_code == 200, r.text
    return next(x for x in r.json() if x["key"] == "epidemic-commitment")


async def test_id_and_phone_numbers_are_sealed_at_rest_and_masked_for_others(
    make_tenant: Any,
) -> None:
    t = await make_tenant()
    template = await _commitment(t)
    applicant, employer = await t.add_person("张三"), await t.add_person("李四")
    r = await t.client.post(
        "/api/v1/applications/documents",
        headers=applicant.headers,
        json={
            "template_id": template["id"],
            "values": VALUES,
            "parties": {"employer": employer.account_id},
        },
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    # The person who filled it sees what they typed.
    assert doc["values"] == VALUES
    mine = await t.client.get(
        f"/api/v1/applications/documents/{doc['id']}", headers=applicant.headers
    )
    assert mine.json()["values"]["id_number"] == ID_NUMBER

    # The other party and the bureau's staff see the personal fields masked.
    for headers in (employer.headers, t.admin_headers):
        seen = await t.client.get(f"/api/v1/applications/documents/{doc['id']}", headers=headers)
        assert seen.status_code == 200, seen.text
        values = seen.json()["values"]
        assert values["id_number"] == "1101**********002X"
        assert values["phone"] == "139****5678"
        assert values["name"] == "张三" and values["employer"] == VALUES["employer"]

    # At rest: neither the values nor the document show the numbers.
    (row,) = await DocumentInstance.select().where(DocumentInstance.id == doc["id"])
    stored = bytes(row["data"])
    for secret in (ID_NUMBER, PHONE):
        assert secret not in row["values_json"]
        assert secret.encode() not in stored
    assert not zipfile.is_zipfile(io.BytesIO(stored))  # sealed, not a readable OFD

    # Each party still downloads the real document, numbers printed in it.
    got = await t.client.get(
        f"/api/v1/applications/documents/{doc['id']}/file", headers=employer.headers
    )
    assert got.status_code == 200, got.text
    with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
        text = b"".join(zf.read(n) for n in zf.namelist()).decode("utf-8", "replace")
    assert ID_NUMBER in text and PHONE in text
