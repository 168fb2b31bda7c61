"""The demo drives a real hub (and real vendor processes) over HTTP, the way a bureau,
its citizens and a regulator would, and writes every artifact to `--out` so they can be
checked offline with `sealhub verify`.

Progress goes to stderr; stdout carries the walk-through, or one JSON summary with --json.
Any failed step exits non-zero with the step named.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from adapters.testing.process import VendorProcess
from hub.crypto import sm3
from hub.demo.client import (
    PERSON_PASSWORD,
    SEAL_PASSWORD,
    DemoClient,
    StepFailed,
    credit_code,
    resident_id,
)
from hub.demo.documents import documents_step
from hub.demo.domain import domain_step
from hub.demo.evidence import evidence_step
from hub.process import HubProcess


def _pem(der: bytes) -> str:
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"


class Demo(DemoClient):
    """The story: a bureau onboards, admits vendors, registers a citizen and an
    enterprise, makes their seals, both sign one document, anyone verifies it; then the
    later stages (`LATER_STAGES`), the ranking, statistics and the offline checks."""

    def run(self, hub: HubProcess, vendors: list[Any]) -> None:
        operator = self.bootstrap_operators(hub)
        slug, admin, clerk = self.onboard_bureau(operator)
        if vendors:
            self.vendor_admission(operator, admin, vendors)
        zhang, agent, ent = self.register_citizen_and_enterprise(admin, slug)
        personal, official = self.make_seals(zhang, agent, clerk, ent, vendors)
        document = self.write_document()
        signatures = self.sign_document(document, zhang, agent, clerk, personal, official)
        self.verify_signatures(signatures, document)
        stage = {
            "hub": hub,
            "admin": admin,
            "clerk": clerk,
            "zhang": zhang,
            "agent": agent,
            "personal": personal,
            "official": official,
            "signatures": signatures,
            "document": document,
            "operator": operator,
            "slug": slug,
        }
        for later in LATER_STAGES:
            later(self, stage)
        if vendors:
            self.ranking(zhang, agent, signatures)
        self.statistics(admin)
        self.verify_offline()

    # --- the story's steps, in order ----------------------------------------------------

    def bootstrap_operators(self, hub: HubProcess) -> dict[str, str]:
        """The hub operator's and the regulator's accounts; returns the operator's login."""
        with self.step("bootstrap a hub operator and a regulator (sealhub admin)"):
            hub.cli(
                "admin",
                "create-operator",
                "--username",
                "operator",
                "--password-file",
                "-",
                stdin="Operator-pass-2026\n",
            )
            hub.cli(
                "admin",
                "create-operator",
                "--username",
                "regulator",
                "--role",
                "regulator",
                "--password-file",
                "-",
                stdin="Regulator-pass-2026\n",
            )
            operator = self.login("hub", "operator", "Operator-pass-2026")
            self.regulator = self.login("hub", "regulator", "Regulator-pass-2026")
        self.say(f"Hub running at {hub.url} (OpenAPI at {hub.url}/schema)")
        return operator

    def onboard_bureau(
        self, operator: dict[str, str]
    ) -> tuple[str, dict[str, str], dict[str, str]]:
        """A tenant with an admin and a clerk; returns its slug and their logins."""
        slug = "gaj-" + secrets.token_hex(2)
        with self.step("onboard a bureau (tenant) and its staff"):
            self.call(
                "POST",
                "/api/v1/tenants",
                headers=operator,
                json={
                    "name": "示范市公安局",
                    "slug": slug,
                    "region_code": "150102",
                    "admin": {"username": "admin", "password": "Admin-pass-2026"},
                },
            )
            admin = self.login(slug, "admin", "Admin-pass-2026")
            self.call(
                "POST",
                "/api/v1/accounts",
                headers=admin,
                json={"username": "clerk", "password": "Clerk-pass-2026", "roles": ["clerk"]},
            )
            clerk = self.login(slug, "clerk", "Clerk-pass-2026")
        self.say(f"Bureau '示范市公安局' onboarded as tenant '{slug}', with an admin and a clerk")
        return slug, admin, clerk

    def register_citizen_and_enterprise(
        self, admin: dict[str, str], slug: str
    ) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
        """张三, and 示范科技有限公司 with 李四 as its legal representative and agent;
        returns 张三's and the agent's logins and the enterprise."""
        with self.step("real-name registration of a citizen and an enterprise"):
            person = self.register_person(
                admin, "张三", resident_id("11010519900307123"), "zhangsan"
            )
            self.register_person(admin, "李四", resident_id("15010219850715001"), "lisi")
            lisi = self.call("GET", "/api/v1/identity/persons", headers=admin)
            lisi_id = next(p["id"] for p in lisi if p["name"] == "李四")
            ent = self.call(
                "POST",
                "/api/v1/identity/enterprises",
                headers=admin,
                json={
                    "name": "示范科技有限公司",
                    "credit_code": credit_code("91150102MA0N4GRX8"),
                    "legal_representative_id": lisi_id,
                    "agent_person_id": lisi_id,
                },
            )
            zhang = self.login(slug, "zhangsan", PERSON_PASSWORD)
            agent = self.login(slug, "lisi", PERSON_PASSWORD)
        self.say(
            f"Registered 张三 (ID {person['id_number_masked']}) and 示范科技有限公司 "
            f"(USCC {ent['credit_code']}, legal representative and agent 李四)"
        )
        return zhang, agent, ent

    def make_seals(
        self,
        zhang: dict[str, str],
        agent: dict[str, str],
        clerk: dict[str, str],
        ent: dict[str, Any],
        vendors: list[Any],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """张三's personal seal and the enterprise's official seal (approved by the
        clerk), both with a 口令; writes the seals and their certificates."""
        with self.step("apply for seals; the clerk approves the enterprise seal; set passwords"):
            personal = self.call(
                "POST", "/api/v1/seals", headers=zhang, json={"seal_type": "personal"}
            )
            # With two vendors admitted, the hub chose one for the citizen; the enterprise
            # names the other, so both vendors serve (and both get measured and rated).
            other = [v.name for v in vendors if v.name != personal["vendor"]][:1]
            official = self.call(
                "POST",
                "/api/v1/seals",
                headers=agent,
                json={
                    "seal_type": "official",
                    "enterprise_id": ent["id"],
                    **({"vendor": other[0]} if other else {}),
                },
            )
            assert official["status"] == "applied"
            official = self.call(
                "POST",
                f"/api/v1/seals/{official['id']}/approve",
                headers=clerk,
                json={"reason": "documents checked at the counter"},
            )
            for seal, who in ((personal, zhang), (official, agent)):
                self.call(
                    "PUT",
                    f"/api/v1/seals/{seal['id']}/password",
                    headers=who,
                    json={"password": SEAL_PASSWORD},
                )
        for seal, who in ((personal, zhang), (official, agent)):
            self.write(f"seal-{seal['seal_type']}.esl", base64.b64decode(seal["seal"]))
            self.write_certificates(seal, who)
            self.say(
                f"Seal '{seal['name']}' ({seal['seal_type']}) made by vendor {seal['vendor']}: "
                f"{seal['status']}, esID {seal['esid']}"
            )
        self.summary["seals"] = [
            {k: s[k] for k in ("esid", "seal_type", "name", "vendor", "status")}
            for s in (personal, official)
        ]
        return personal, official

    def write_document(self) -> bytes:
        """The contract both parties sign, written as document.txt."""
        document = (
            "示范科技有限公司 与 张三 签订的服务合同\n"
            "甲方：示范科技有限公司\n乙方：张三\n" + time.strftime("%Y-%m-%d")
        ).encode()
        self.write("document.txt", document)
        return document

    def sign_document(
        self,
        document: bytes,
        zhang: dict[str, str],
        agent: dict[str, str],
        clerk: dict[str, str],
        personal: dict[str, Any],
        official: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """The citizen signs; the enterprise signs after the clerk approves its use
        request (用印审批). Returns both signatures."""
        digest = sm3(document).hex()
        signatures: list[dict[str, Any]] = []
        with self.step("the citizen signs the document in the cloud"):
            signatures.append(self.sign(zhang, personal, document, None))
        with self.step(
            "the enterprise asks for approval to use its official seal; clerk approves; it signs"
        ):
            use = self.call(
                "POST",
                "/api/v1/use-requests",
                headers=agent,
                json={"seal_id": official["id"], "document_sm3": digest, "purpose": "服务合同盖章"},
            )
            self.call(
                "POST",
                f"/api/v1/use-requests/{use['id']}/approve",
                headers=clerk,
                json={"reason": "contract reviewed"},
            )
            signatures.append(self.sign(agent, official, document, use["id"]))
        return signatures

    def verify_signatures(self, signatures: list[dict[str, Any]], document: bytes) -> None:
        """Each signature through the public /api/v1/verify, with the document."""
        with self.step("anyone verifies the signatures (public endpoint)"):
            for sig in signatures:
                der = base64.b64decode(sig["signature"])
                files = {"file": ("s.dat", der), "document": ("document.txt", document)}
                report = self.call("POST", "/api/v1/verify", files=files)
                if not report["valid"]:
                    raise StepFailed(f"signature {sig['id']} did not verify: {report}")
                self.say(
                    f"Signature {sig['name']}: {report['indication']} "
                    f"({len(report['checks'])} checks, proof of existence: "
                    f"{report['info'].get('proof_of_existence')})"
                )
        self.summary["signatures"] = [
            {"file": s["name"], "vendor": s["vendor"]} for s in signatures
        ]

    def statistics(self, admin: dict[str, str]) -> None:
        with self.step("tenant statistics"):
            stats = self.call("GET", "/api/v1/statistics", headers=admin)
        self.summary["statistics"] = stats["counters"]
        self.say("Statistics: " + ", ".join(f"{k}={v}" for k, v in stats["counters"].items()))

    def verify_offline(self) -> None:
        """Fetch the hub's trust material, then `sealhub verify` every artifact with it."""
        with self.step("the hub's trust material: CA certificate, CRL, signed status list"):
            trust = self.trust_args()
            self.say("Hub CA certificate, its CRL and the signed provider status list written: "
                     "`sealhub verify --trust trust --status-list status-list.json` trusts "
                     "what the hub publishes, offline")  # fmt: skip

        with self.step("offline verification of the artifacts (sealhub verify)"):
            for name in self.summary["artifacts"]:
                if name.endswith((".esl", ".dat", ".json", ".ofd")) and name != "status-list.json":
                    self.verify_artifact(name, trust)
        self.say(f"Artifacts in {self.out}: " + ", ".join(self.summary["artifacts"]))

    def verify_artifact(self, name: str, trust: list[str]) -> None:
        """`sealhub verify` one artifact in a child process (a detached .dat with the
        document); a non-zero exit fails the step."""
        with_doc = ["--document", str(self.out / "document.txt")] if name.endswith(
            ".dat") else []  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "hub.cli", "verify", "--json", *trust, *with_doc,
             str(self.out / name)],
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise StepFailed(
                f"sealhub verify {name}: exit {done.returncode} "
                f"{done.stdout[-400:]} {done.stderr[-400:]}"
            )

    # --- what the steps share -----------------------------------------------------------

    def write_certificates(self, seal: dict[str, Any], who: dict[str, str]) -> None:
        """certs/*.cer for the seal, and an `openssl verify` of the signer and maker
        certificates against the vendor's root (SM2 with the default ID)."""
        certs = self.call("GET", f"/api/v1/seals/{seal['id']}/certificates", headers=who)
        kind = seal["seal_type"]
        signer = self.write(f"certs/signer-{kind}.cer", base64.b64decode(certs["signer_cert"]))
        maker = self.write(
            f"certs/maker-{seal['vendor']}.cer", base64.b64decode(certs["maker_cert"])
        )
        cas = [
            self.write(f"certs/ca-{seal['vendor']}-{i}.cer", base64.b64decode(c))
            for i, c in enumerate(certs["ca_certs"])
        ]
        if not cas or shutil.which("openssl") is None:
            return
        pem = self.out / "certs" / f"ca-{seal['vendor']}.pem"
        pem.write_text("".join(_pem(c.read_bytes()) for c in cas))
        for cert in (signer, maker):
            as_pem = cert.with_suffix(".pem")
            as_pem.write_text(_pem(cert.read_bytes()))
            done = subprocess.run(
                ["openssl", "verify", "-vfyopt", "distid:1234567812345678",
                 "-CAfile", str(pem), str(as_pem)],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            if done.returncode != 0:
                raise StepFailed(f"openssl verify {cert.name}: {done.stdout}{done.stderr}")
        self.say(
            f"openssl verify -vfyopt distid:1234567812345678: signer and maker certificates of "
            f"the {kind} seal chain to {seal['vendor']}'s root: OK"
        )

    def ranking(
        self, zhang: dict[str, str], agent: dict[str, str], signatures: list[dict[str, Any]]
    ) -> None:
        """Citizens rate the service they got; the regulator reads the ranking, with the
        formula and every input behind each score."""
        with self.step("users rate the vendors' service; the regulator reads the ranking"):
            for who, sig, stars in ((zhang, signatures[0], 3), (agent, signatures[1], 5)):
                self.call(
                    "POST",
                    "/api/v1/ratings",
                    headers=who,
                    json={
                        "operation": "signature",
                        "operation_id": sig["id"],
                        "stars": stars,
                        "comment": "demo rating",
                    },
                )
            doc = self.call("GET", "/api/v1/regulator/ranking", headers=self.regulator)
        ranking = doc.get("ranking", [])
        self.summary["ranking"] = ranking
        formula = doc.get("formula", {})
        self.say(
            f"Vendor ranking (quality score 0-100 = {formula.get('score', '?')}, "
            f"weights {formula.get('weights', {})}):"
        )
        for entry in ranking:
            inputs = entry.get("inputs", {})
            shown = ", ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                for k, v in inputs.items()
                if k not in ("vendor", "tenant") and not isinstance(v, dict | list)
            )
            self.say(f"  #{entry['rank']} {entry['vendor']}: score {entry['score']:.1f} ({shown})")

    def register_person(
        self, admin: dict[str, str], name: str, id_number: str, username: str
    ) -> dict[str, Any]:
        person: dict[str, Any] = self.call(
            "POST",
            "/api/v1/identity/persons",
            headers=admin,
            json={
                "name": name,
                "id_number": id_number,
                "mobile": "13912345678",
                "face_image": base64.b64encode(f"live-photo-of-{id_number}".encode()).decode(),
                "username": username,
                "password": PERSON_PASSWORD,
            },
        )
        return person

    def sign(
        self, who: dict[str, str], seal: dict[str, Any], document: bytes, use_request: str | None
    ) -> dict[str, Any]:
        key = secrets.token_hex(12)
        body = {
            "seal_id": seal["id"],
            "password": SEAL_PASSWORD,
            "document_sm3": sm3(document).hex(),
            "property_info": "document.txt",
        }
        if use_request:
            body["use_request_id"] = use_request
        sig: dict[str, Any] = self.call(
            "POST", "/api/v1/signatures", headers={**who, "Idempotency-Key": key}, json=body
        )
        again = self.call(
            "POST", "/api/v1/signatures", headers={**who, "Idempotency-Key": key}, json=body
        )
        if not again["replayed"] or again["signature"] != sig["signature"]:
            raise StepFailed("a retry with the same Idempotency-Key signed twice")
        name = f"signature-{seal['seal_type']}.dat"
        self.write(name, base64.b64decode(sig["signature"]))
        sig["name"] = name
        self.say(
            f"{seal['name']} signed document.txt (SM3 {sig['document_sm3'][:16]}...) "
            f"via vendor {sig['vendor']}; retry with the same key returned the same signature"
        )
        return sig

    def vendor_admission(
        self, operator: dict[str, str], admin: dict[str, str], vendors: list[Any]
    ) -> None:
        with self.step("register two reference vendors hub-wide and admit them to the bureau"):
            for v in vendors:
                self.call(
                    "POST",
                    "/api/v1/vendors",
                    headers=operator,
                    json={
                        "name": v.name,
                        "kind": "http",
                        "endpoint": v.url,
                        "sla_p95_ms": 500,
                        "product_certificate": f"GM-DEMO-{v.name}",
                    },
                )
                self.call(
                    "POST", "/api/v1/admission/applications", headers=admin, json={"vendor": v.name}
                )
            self.call("POST", "/api/v1/admission/reevaluate", headers=admin, json={})
            standings = [
                self.call("GET", f"/api/v1/admission/vendors/{v.name}", headers=admin)
                for v in vendors
            ]
        self.summary["vendors"] = []
        for s in standings:
            history = [
                f"{h['from_status'] or '-'} -> {h['to_status']} ({h['reason']})"
                for h in s["history"]
            ]
            self.summary["vendors"].append(
                {"vendor": s["vendor"], "status": s["status"], "history": history}
            )
            self.say(f"Vendor {s['vendor']}: {s['status']}; history: " + "; ".join(history))


#: The later stages of the story, in order: each gets the demo and the story so far (the
#: logins, seals, signatures, document and hub by name) and adds its own steps.
LATER_STAGES: tuple[Callable[[Any, dict[str, Any]], None], ...] = (
    documents_step,
    evidence_step,
    domain_step,
)


def add_demo_command(sub: Any) -> None:
    demo = sub.add_parser("demo", help="run the whole job end to end against a real hub process")
    demo.add_argument("--out", default="demo-out", help="directory for the artifacts")
    demo.add_argument("--json", action="store_true", help="print one JSON summary")
    demo.add_argument(
        "--no-vendors",
        action="store_true",
        help="only the built-in local vendor (no vendor processes)",
    )
    demo.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    demo = Demo(out, as_json=args.json)
    work = Path(tempfile.mkdtemp(prefix="sealhub-demo-"))
    env = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{work}/demo.db",
        "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
        "SEALHUB_DATA_DIR": str(work),
        "PROMETHEUS_MULTIPROC_DIR": "",
    }
    code = 0
    try:
        with ExitStack() as stack:
            vendors: list[Any] = []
            if not args.no_vendors:
                with demo.step("start two reference vendor processes of different quality"):
                    vendors = [
                        stack.enter_context(VendorProcess("vendor-swift", latency_ms=2)),
                        stack.enter_context(
                            VendorProcess("vendor-slow", latency_ms=120, error_rate=0.02)
                        ),
                    ]
            with demo.step("start a loopback SMS provider (the bureau's contracted gateway)"):
                demo.sms_url = stack.enter_context(_sms_provider())
                env["SEALHUB_SMS_GATEWAY"] = "http"
                env["SEALHUB_SMS_URL"] = demo.sms_url + "/send"
            with demo.step("start the hub"):
                hub = stack.enter_context(HubProcess(env, log=work / "hub.log"))
            demo.http = stack.enter_context(httpx.Client(base_url=hub.url, timeout=60))
            demo.run(hub, vendors)
    except StepFailed as exc:
        demo.summary["error"] = str(exc)
        print(f"[demo] FAILED: {exc}", file=sys.stderr)
        log = work / "hub.log"
        if log.exists():
            print(log.read_text()[-3000:], file=sys.stderr)
        code = 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    demo.summary["ok"] = code == 0
    demo.summary["out"] = str(out)
    if args.json:
        print(json.dumps(demo.summary, ensure_ascii=False, indent=2))
    elif code == 0:
        print("Demo complete: every step passed.")
    return code


@contextmanager
def _sms_provider() -> Iterator[str]:
    """`python -m hub.sms.server` on a free loopback port; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.sms.server", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield str(json.loads(proc.stdout.readline())["listening"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
