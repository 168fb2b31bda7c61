"""Demo stage: the domain rules of issue 18, over HTTP against the running hub.

* 同模同轨: the bureau imports an enterprise's physical seal molds (印模库); the
  enterprise's official seal is made from its mold (the picture is the mold's, byte for
  byte) and a contract seal cannot be made from the company seal's mold;
* a special-purpose seal (合同专用章) whose picture is drawn to its specification;
* a forgotten 口令 reset after a fresh face check and an SMS code, read from the
  loopback SMS provider the demo started;
* a seal that expires: the expiry job run as of two days later (`sealhub expire-seals`).
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub.demo.common import (
    PERSON_PASSWORD,
    SEAL_PASSWORD,
    StepFailed,
    _credit_code,
    _resident_id,
)
from hub.formats import parse_seal
from hub.pictures import render_official_seal, render_seal

ENTERPRISE = "示范同模贸易有限公司"
NEW_SEAL_PASSWORD = "Seal-reset-2027"  # noqa: S105 (the demo's own throwaway password)


def _molds_upload(rows: list[tuple[str, str, str, str, bytes, int, int]]) -> dict[str, Any]:
    head = "印章编码,单位名称,统一社会信用代码,印章类型,印模文件,宽度,高度,状态"
    lines, archive = [head], io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for i, (code, name, credit, kind, png, w, h) in enumerate(rows):
            zf.writestr(f"mold-{i}.png", png)
            lines.append(f"{code},{name},{credit},{kind},mold-{i}.png,{w},{h},在用")
    return {
        "csv": ("印模.csv", "\n".join(lines).encode(), "text/csv"),
        "images": ("印模.zip", archive.getvalue(), "application/zip"),
    }


def domain_step(demo: Any, ctx: dict[str, Any]) -> None:
    admin, clerk, zhang, slug = ctx["admin"], ctx["clerk"], ctx["zhang"], ctx["slug"]
    with demo.step("同模同轨: import an enterprise's seal molds; its official seal is the mold"):
        persons = demo.call("GET", "/api/v1/identity/persons", headers=admin)
        zhang_id = next(p["id"] for p in persons if p["name"] == "张三")
        credit = _credit_code("91150102MA0N5TMX7")
        ent = demo.call(
            "POST",
            "/api/v1/identity/enterprises",
            headers=admin,
            json={
                "name": ENTERPRISE,
                "credit_code": credit,
                "legal_representative_id": zhang_id,
                "agent_person_id": zhang_id,
            },
        )
        agent = demo.login(slug, "zhangsan", PERSON_PASSWORD)  # now the enterprise's agent
        official_code, contract_code = "1501020000101", "1501020000102"
        # The bureau's registry holds scans of the physical seals (here: drawn ones).
        demo.call(
            "POST",
            "/api/v1/molds/import",
            headers=admin,
            files=_molds_upload(
                [
                    (
                        official_code,
                        ENTERPRISE,
                        ent["credit_code"],
                        "公章",
                        render_official_seal(ENTERPRISE, official_code),
                        42,
                        42,
                    ),
                    (
                        contract_code,
                        ENTERPRISE,
                        ent["credit_code"],
                        "合同专用章",
                        render_seal("contract", ENTERPRISE, seal_code=contract_code),
                        40,
                        40,
                    ),
                ]
            ),
        )
        mold = demo.call("GET", f"/api/v1/molds/{official_code}/picture", headers=admin)
        applied = demo.call(
            "POST",
            "/api/v1/seals",
            headers=agent,
            json={"seal_type": "official", "enterprise_id": ent["id"], "seal_code": official_code},
        )
        seal = demo.call(
            "POST",
            f"/api/v1/seals/{applied['id']}/approve",
            headers=clerk,
            json={"reason": "mold on record"},
        )
        picture = parse_seal(base64.b64decode(seal["seal"])).picture
        if picture != mold:
            raise StepFailed("the official seal's picture is not the registered mold")
        refused = demo.call(
            "POST",
            "/api/v1/seals",
            headers=agent,
            expect=422,
            json={"seal_type": "contract", "enterprise_id": ent["id"], "seal_code": official_code},
        )
        wrong = json.loads(refused) if isinstance(refused, bytes) else refused  # problem+json
        demo.write("seal-official-from-mold.png", picture)
    demo.say(
        f"同模同轨: {ENTERPRISE}'s official seal made from mold {official_code}: its "
        f"picture is the registered mold byte for byte; a contract seal from the company "
        f"seal's mold is refused ({wrong['detail']})"
    )

    with demo.step("a special-purpose seal: 合同专用章 from its own mold"):
        applied = demo.call(
            "POST",
            "/api/v1/seals",
            headers=agent,
            json={"seal_type": "contract", "enterprise_id": ent["id"], "seal_code": contract_code},
        )
        contract = demo.call(
            "POST", f"/api/v1/seals/{applied['id']}/approve", headers=clerk, json={}
        )
        demo.write("seal-contract.png", parse_seal(base64.b64decode(contract["seal"])).picture)
        demo.write(
            "seal-invoice-drawn.png",
            render_seal("invoice", ENTERPRISE, tax_code=ent["credit_code"]),
        )
    demo.say(
        f"Contract seal (合同专用章) {contract['esid']}: {contract['width_mm']} mm, "
        "purpose under the star; pictures in seal-contract.png, seal-invoice-drawn.png"
    )

    with demo.step("a forgotten 口令 is reset: fresh face check + SMS code"):
        personal = ctx["personal"]
        sent = demo.call(
            "POST", f"/api/v1/seals/{personal['id']}/password/reset-code", headers=zhang, expect=202
        )
        code = _sms_code(demo.sms_url, sent["challenge_id"])
        demo.call(
            "POST",
            f"/api/v1/seals/{personal['id']}/password/reset",
            headers=zhang,
            json={
                "challenge_id": sent["challenge_id"],
                "code": code,
                "new_password": NEW_SEAL_PASSWORD,
                "face_image": base64.b64encode(
                    f"live-photo-of-{_resident_id('11010519900307123')}".encode()
                ).decode(),
            },
        )
        history = demo.call("GET", f"/api/v1/seals/{personal['id']}/history", headers=zhang)
        demo.call(
            "PUT",
            f"/api/v1/seals/{personal['id']}/password",
            headers=zhang,
            json={"password": SEAL_PASSWORD, "old_password": NEW_SEAL_PASSWORD},
        )
    demo.say(
        f"口令 reset: code sent to {sent['mobile_masked']}, face re-checked; history: "
        f"{history[-1]['reason'][:60]}..."
    )

    with demo.step("a seal expires: the expiry job, run as of two days later"):
        short = demo.call(
            "POST", "/api/v1/seals", headers=zhang, json={"seal_type": "personal", "valid_days": 1}
        )
        later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        ran = json.loads(ctx["hub"].cli("expire-seals", "--as-of", later).stdout)
        expired = demo.call("GET", f"/api/v1/seals/{short['id']}", headers=zhang)
        if expired["status"] != "expired":
            raise StepFailed(f"the short-lived seal is {expired['status']}, not expired")
        listed = demo.call("GET", "/api/v1/seals?status=expired", headers=zhang)
        stats = demo.call("GET", "/api/v1/statistics", headers=admin)["counters"]
    demo.say(
        f"Seal {short['esid']} (valid 1 day) expired by the job ({ran}); listed as "
        f"expired ({len(listed)}), statistics seals_expired={stats.get('seals_expired')}"
    )
    demo.summary["domain"] = {
        "mold_seal": seal["esid"],
        "contract_seal": contract["esid"],
        "expired_seal": short["esid"],
    }


def _sms_code(url: str, challenge: str) -> str:
    """The code the loopback SMS provider received last (the citizen reads their phone)."""
    messages = httpx.get(f"{url}/messages", timeout=10).json()
    for message in reversed(messages):
        found = re.search(r"\b(\d{6})\b", message["text"])
        if message["template"] == "otp" and found:
            return found.group(1)
    raise RuntimeError(f"no code arrived for challenge {challenge}")
