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
from hub.demo.common import (
    PERSON_PASSWORD,
    SEAL_PASSWORD,
    StepFailed,
    _credit_code,
    _resident_id,
)
from hub.demo.domain import domain_step
from hub.evidence.demo import evidence_step
from hub.process import HubProcess


def _pem(der: bytes) -> str:
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"


class Demo:
    def __init__(self, out: Path, *, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.summary: dict[str, Any] = {"steps": [], "artifacts": []}
        self.lines: list[str] = []
        self.http: httpx.Client | None = None
        self.sms_url = ""  # the loopback SMS provider's base URL (main starts it)

    # --- output ---------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.lines.append(text)
        if not self.as_json:
            print(text, flush=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        print(f"[demo] {title} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            yield
        except StepFailed:
            raise
        except Exception as exc:
            raise StepFailed(f"{title}: {type(exc).__name__}: {exc}") from exc
        ms = (time.perf_counter() - start) * 1000
        self.summary["steps"].append({"step": title, "ok": True, "ms": round(ms, 1)})

    def write(self, name: str, data: bytes) -> Path:
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.summary["artifacts"].append(name)
        return path

    # --- HTTP -------------------------------------------------------------------------

    def call(
        self, method: str, url: str, expect: int | tuple[int, ...] = (200, 201, 204), **kw: Any
    ) -> Any:
        assert self.http is not None
        r = self.http.request(method, url, **kw)
        wanted = (expect,) if isinstance(expect, int) else expect
        if r.status_code not in wanted:
            raise StepFailed(f"{method} {url} -> {r.status_code}: {r.text[:500]}")
        if r.status_code == 204 or not r.content:
            return None
        if r.headers.get("content-type", "").startswith("application/json"):
            return r.json()
        return r.content

    def trust_args(self) -> list[str]:
        """`sealhub verify` options that trust the hub CA and its status list (fetched
        once into the output folder)."""
        assert self.http is not None
        for url, name in (("/api/v1/trust/ca/local.cer", "trust/hub-ca.cer"),
                          ("/api/v1/trust/crl/local.crl", "trust/local.crl"),
                          ("/api/v1/trust/status-list", "status-list.json")):  # fmt: skip
            data = self.http.get(url).content
            if name in self.summary["artifacts"]:
                (self.out / name).write_bytes(data)  # the latest list / CRL
            else:
                self.write(name, data)
        # The hub's TSA certificates chain to the TSA's own root: trusted too, so the
        # signatures' timestamps prove their time offline as well.
        tsa_root = "trust/hub-tsa-ca.pem"
        if tsa_root not in self.summary["artifacts"]:
            pems = self.http.get("/tsa/certificate").json()
            self.write(tsa_root, pems["ca_certificate_pem"].encode())
        return ["--trust", str(self.out / "trust"),
                "--status-list", str(self.out / "status-list.json")]  # fmt: skip

    def login(self, tenant: str, username: str, password: str) -> dict[str, str]:
        body = self.call(
            "POST",
            "/api/v1/auth/login",
            json={"tenant": tenant, "username": username, "password": password},
        )
        return {"Authorization": "Bearer " + body["access_token"]}

    # --- the story ----------------------------------------------------------------------

    def run(self, hub: HubProcess, vendors: list[Any]) -> None:
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

        if vendors:
            self.vendor_admission(operator, admin, vendors)

        with self.step("real-name registration of a citizen and an enterprise"):
            person = self.register_person(
                admin, "张三", _resident_id("11010519900307123"), "zhangsan"
            )
            self.register_person(admin, "李四", _resident_id("15010219850715001"), "lisi")
            lisi = self.call("GET", "/api/v1/identity/persons", headers=admin)
            lisi_id = next(p["id"] for p in lisi if p["name"] == "李四")
            ent = self.call(
                "POST",
                "/api/v1/identity/enterprises",
                headers=admin,
                json={
                    "name": "示范科技有限公司",
                    "credit_code": _credit_code("91150102MA0N4GRX8"),
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

        document = (
            "示范科技有限公司 与 张三 签订的服务合同\n"
            "甲方：示范科技有限公司\n乙方：张三\n" + time.strftime("%Y-%m-%d")
        ).encode()
        self.write("document.txt", document)
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

        for extra in EXTRA_STEPS:
            extra(
                self,
                {
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
                },
            )

        if vendors:
            self.ranking(zhang, agent, signatures)

        with self.step("tenant statistics"):
            stats = self.call("GET", "/api/v1/statistics", headers=admin)
        self.summary["statistics"] = stats["counters"]
        self.say("Statistics: " + ", ".join(f"{k}={v}" for k, v in stats["counters"].items()))

        with self.step("the hub's trust material: CA certificate, CRL, signed status list"):
            trust = self.trust_args()
            self.say("Hub CA certificate, its CRL and the signed provider status list written: "
                     "`sealhub verify --trust trust --status-list status-list.json` trusts "
                     "what the hub publishes, offline")  # fmt: skip

        with self.step("offline verification of the artifacts (sealhub verify)"):
            for name in self.summary["artifacts"]:
                if name.endswith((".esl", ".dat", ".json", ".ofd")) and name != "status-list.json":
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
        self.say(f"Artifacts in {self.out}: " + ", ".join(self.summary["artifacts"]))

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
        return self.call(
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
        sig = self.call(
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


#: Later stages of the story (evidence packages, ranking, documents) register here:
#: each gets the demo and a context dict, and adds its own steps.
EXTRA_STEPS: list[Callable[[Demo, dict[str, Any]], None]] = []


def _register_extra_steps() -> None:
    if evidence_step not in EXTRA_STEPS:
        EXTRA_STEPS.append(evidence_step)
    if domain_step not in EXTRA_STEPS:
        EXTRA_STEPS.append(domain_step)


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
    _register_extra_steps()
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


def documents_step(demo: Demo, ctx: dict[str, Any]) -> None:
    """The application center (应用中心): fill a template, the citizen and then the
    enterprise sign it in the template's order (the enterprise with an approved use
    request), as OFD and as PDF; write `signed-*.ofd` / `signed-*.pdf` and verify them."""
    admin, clerk, zhang, agent = ctx["admin"], ctx["clerk"], ctx["zhang"], ctx["agent"]
    key = "epidemic-commitment"
    with demo.step("application center: the bureau adds its document templates"):
        templates = demo.call("POST", "/api/v1/applications/templates/builtin", headers=admin)
        template = next(t for t in templates if t["key"] == key)
        parties = {
            "applicant": demo.call("GET", "/api/v1/auth/me", headers=zhang)["account_id"],
            "employer": demo.call("GET", "/api/v1/auth/me", headers=agent)["account_id"],
        }
    demo.say(f"Templates: {', '.join(t['title'] for t in templates)}")
    values = {
        "name": "张三",
        "id_number": _resident_id("11010519900307123"),
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
            early = demo.call(
                "POST",
                f"{url}/sign",
                expect=403,
                headers={**agent, "Idempotency-Key": secrets.token_hex(12)},
                json={
                    "step": "employer",
                    "seal_id": ctx["official"]["id"],
                    "password": SEAL_PASSWORD,
                },
            )
            doc = demo.call(
                "POST",
                f"{url}/sign",
                headers={**zhang, "Idempotency-Key": secrets.token_hex(12)},
                json={
                    "step": "applicant",
                    "seal_id": ctx["personal"]["id"],
                    "password": SEAL_PASSWORD,
                },
            )
            use = demo.call(
                "POST",
                "/api/v1/use-requests",
                headers=agent,
                json={
                    "seal_id": ctx["official"]["id"],
                    "document_sm3": doc["document_sm3"],
                    "purpose": f"{template['title']}盖章",
                },
            )
            demo.call(
                "POST",
                f"/api/v1/use-requests/{use['id']}/approve",
                headers=clerk,
                json={"reason": "commitment letter checked"},
            )
            doc = demo.call(
                "POST",
                f"{url}/sign",
                headers={**agent, "Idempotency-Key": secrets.token_hex(12)},
                json={
                    "step": "employer",
                    "seal_id": ctx["official"]["id"],
                    "password": SEAL_PASSWORD,
                    "use_request_id": use["id"],
                },
            )
            refused = json.loads(early) if isinstance(early, bytes) else early  # problem+json
            if doc["status"] != "completed":
                raise StepFailed(f"the {kind} document is {doc['status']} after both signers")
            name = f"signed-{key}.{kind}"
            path = demo.write(name, demo.call("GET", f"{url}/file", headers=zhang))
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
        written.append(name)
        demo.say(
            f"{name}: 承诺人 then 所在单位 signed (the unit's early attempt was refused: "
            f"{refused['detail']}); VALID at /api/v1/verify and with `sealhub verify`"
        )
    demo.summary["documents"] = written


EXTRA_STEPS.append(documents_step)
