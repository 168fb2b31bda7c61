"""Demo stage: the application center (应用中心). The bureau adds its document templates;
a template is filled, the citizen and then the enterprise sign it in the template's order
(the enterprise with an approved use request), as OFD and as PDF; `signed-*.ofd` /
`signed-*.pdf` are written and verified online and with `sealhub verify`."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hub.demo.client import SEAL_PASSWORD, DemoClient, StepFailed, resident_id

TEMPLATE_KEY = "epidemic-commitment"


def documents_step(demo: DemoClient, ctx: dict[str, Any]) -> None:
    template, parties = _add_templates(demo, ctx)
    values = {
        "name": "张三",
        "id_number": resident_id("11010519900307123"),
        "phone": "13912345678",
        "employer": "示范科技有限公司",
        "date": time.strftime("%Y-%m-%d"),
    }
    written = []
    for kind in ("ofd", "pdf"):
        with demo.step(
            f"fill '{template['title']}' as {kind.upper()}; 张三 then the "
            "enterprise sign it in order"
        ):
            url, refused = _fill_and_sign_in_order(demo, ctx, template, parties, values, kind)
            name = f"signed-{TEMPLATE_KEY}.{kind}"
            path = demo.write(name, demo.call("GET", f"{url}/file", headers=ctx["zhang"]))
            _verify_signed_file(demo, name, path)
        written.append(name)
        demo.say(
            f"{name}: 承诺人 then 所在单位 signed (the unit's early attempt was refused: "
            f"{refused['detail']}); VALID at /api/v1/verify and with `sealhub verify`"
        )
    demo.summary["documents"] = written


def _add_templates(demo: DemoClient, ctx: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The built-in templates added for the bureau; returns the demo's template and its
    parties (承诺人 张三, 所在单位 the enterprise's agent) by account id."""
    with demo.step("application center: the bureau adds its document templates"):
        templates = demo.call(
            "POST", "/api/v1/applications/templates/builtin", headers=ctx["admin"]
        )
        template = next(t for t in templates if t["key"] == TEMPLATE_KEY)
        parties = {
            "applicant": demo.call("GET", "/api/v1/auth/me", headers=ctx["zhang"])["account_id"],
            "employer": demo.call("GET", "/api/v1/auth/me", headers=ctx["agent"])["account_id"],
        }
    demo.say(f"Templates: {', '.join(t['title'] for t in templates)}")
    return template, parties


def _fill_and_sign_in_order(
    demo: DemoClient,
    ctx: dict[str, Any],
    template: dict[str, Any],
    parties: dict[str, str],
    values: dict[str, str],
    kind: str,
) -> tuple[str, dict[str, Any]]:
    """Fill the template as `kind`; the enterprise signing first is refused, 张三 signs,
    the enterprise's use request is approved and it signs. Returns the document's URL and
    the early refusal (problem details)."""
    zhang, agent = ctx["zhang"], ctx["agent"]
    doc = demo.call(
        "POST",
        "/api/v1/applications/documents",
        headers=zhang,
        json={
            "template_id": template["id"],
            "values": values,
            "parties": parties,
            "output": kind,
        },
    )
    url = f"/api/v1/applications/documents/{doc['id']}"
    official, personal = ctx["official"]["id"], ctx["personal"]["id"]
    early = _sign_as(demo, url, agent, "employer", official, expect=403)
    doc = _sign_as(demo, url, zhang, "applicant", personal)
    use_request = _approved_use_request(demo, ctx, doc["document_sm3"], template["title"])
    doc = _sign_as(demo, url, agent, "employer", official, use_request_id=use_request)
    refused = json.loads(early) if isinstance(early, bytes) else early  # problem+json
    if doc["status"] != "completed":
        raise StepFailed(f"the {kind} document is {doc['status']} after both signers")
    return url, refused


def _sign_as(
    demo: DemoClient,
    url: str,
    who: dict[str, str],
    step: str,
    seal_id: str,
    *,
    expect: int | tuple[int, ...] = (200, 201, 204),
    **extra: str,
) -> Any:
    """One signer's step of the document at `url` with the demo's 口令."""
    return demo.call(
        "POST",
        f"{url}/sign",
        expect=expect,
        headers={**who, "Idempotency-Key": secrets.token_hex(12)},
        json={"step": step, "seal_id": seal_id, "password": SEAL_PASSWORD, **extra},
    )


def _approved_use_request(
    demo: DemoClient, ctx: dict[str, Any], document_sm3: str, title: str
) -> str:
    """The enterprise asks to use its official seal on the document; the clerk approves."""
    use = demo.call(
        "POST",
        "/api/v1/use-requests",
        headers=ctx["agent"],
        json={
            "seal_id": ctx["official"]["id"],
            "document_sm3": document_sm3,
            "purpose": f"{title}盖章",
        },
    )
    demo.call(
        "POST",
        f"/api/v1/use-requests/{use['id']}/approve",
        headers=ctx["clerk"],
        json={"reason": "commitment letter checked"},
    )
    return str(use["id"])


def _verify_signed_file(demo: DemoClient, name: str, path: Path) -> None:
    """The signed file must be VALID at /api/v1/verify and with `sealhub verify`."""
    report = demo.call("POST", "/api/v1/verify", files={"file": (name, path.read_bytes())})
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "verify", "--json", str(path),
         *demo.trust_args()],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    if not report["valid"] or done.returncode != 0:
        raise StepFailed(f"{name} does not verify: {report} {done.stdout[-400:]}")
