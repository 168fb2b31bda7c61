"""Trusted verification end to end: a running hub (every engine), its trust store API,
CRL and status list, and the offline CLI using what the hub publishes."""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from trust_support import bureau_pki

from hub.crypto import Certificate, sm3
from hub.formats import parse_seal
from hub.pki.crl import parse_crl
from hub.pki.statuslist import read_status_list

REPO = Path(__file__).resolve().parents[2]
SEAL_PASSWORD = "seal-pass-2026"
DOC = "北京市公安局 关于某事的通知".encode()


async def verify(client: Any, data: bytes, document: bytes | None = None,
                 tenant: str | None = None) -> dict[str, Any]:  # fmt: skip
    files = {"file": ("x.dat", data, "application/octet-stream")}
    if document is not None:
        files["document"] = ("doc.txt", document, "text/plain")
    r = await client.post("/api/v1/verify", files=files,
                          params={"tenant": tenant} if tenant else None)  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "verify", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


async def test_a_self_made_bureau_ca_is_indeterminate_until_trusted(make_tenant: Any) -> None:
    t = await make_tenant()
    pki = bureau_pki(f"北京市公安局{secrets.token_hex(2)}")
    seal = pki.seal()
    sig = pki.signature(seal, DOC)
    rep = await verify(t.client, sig, DOC)
    assert (rep["indication"], rep["sub_indication"]) == (
        "INDETERMINATE",
        "NO_CERTIFICATE_CHAIN_FOUND",
    )
    assert rep["valid"] is False and rep["seal"]["indication"] == "INDETERMINATE"

    # Its tenant admin trusts the CA for the tenant: verifications in its name pass.
    person = await t.add_person()
    r = await t.client.post(
        "/api/v1/trust/anchors", headers=person.headers, json={"pem": pki.root.to_pem().decode()}
    )
    assert r.status_code == 403
    r = await t.client.post(
        "/api/v1/trust/anchors",
        headers=t.admin_headers,
        json={"pem": pki.root.to_pem().decode(), "label": "bureau CA"},
    )
    assert r.status_code == 201, r.text
    entry = r.json()
    assert entry["scope"] == "tenant" and entry["kind"] == "ca"
    again = await t.client.post(
        "/api/v1/trust/anchors",
        headers=t.admin_headers,
        json={"der": base64.b64encode(pki.root.der).decode()},
    )
    assert again.status_code == 409
    bad = await t.client.post(
        "/api/v1/trust/anchors",
        headers=t.admin_headers,
        json={"der": base64.b64encode(b"junk").decode()},
    )
    assert bad.status_code == 422 and "der" in bad.text
    rep = await verify(t.client, sig, DOC, tenant=t.slug)
    assert rep["indication"] == "TOTAL_PASSED" and rep["valid"] is True, rep
    # Without the document it is undecided even so; other tenants' verifications don't see it.
    assert (await verify(t.client, sig, tenant=t.slug))["sub_indication"] == (
        "SIGNED_DATA_NOT_FOUND"
    )
    assert (await verify(t.client, sig, DOC))["indication"] == "INDETERMINATE"
    other = await make_tenant()
    gone = await other.client.delete(f"/api/v1/trust/anchors/{entry['id']}",
                                     headers=other.admin_headers)  # fmt: skip
    assert gone.status_code == 404  # another tenant's entry: like a missing one
    listed = (await t.client.get("/api/v1/trust/anchors", headers=t.admin_headers)).json()
    assert [e["id"] for e in listed] == [entry["id"]]
    r = await t.client.delete(f"/api/v1/trust/anchors/{entry['id']}", headers=t.admin_headers)
    assert r.status_code == 204
    assert (await verify(t.client, sig, DOC, tenant=t.slug))["indication"] == "INDETERMINATE"


async def test_hub_wide_anchor_and_the_cli_trust_option(
    make_tenant: Any, operator_headers: dict[str, str], tmp_path: Path
) -> None:
    t = await make_tenant()
    pki = bureau_pki(f"某市公安局{secrets.token_hex(2)}")
    sig = pki.signature(pki.seal(), DOC)
    (tmp_path / "sig.dat").write_bytes(sig)
    (tmp_path / "doc.txt").write_bytes(DOC)
    (tmp_path / "ca.pem").write_bytes(pki.root.to_pem())
    run = cli(tmp_path / "sig.dat", "--document", tmp_path / "doc.txt", "--json")
    assert run.returncode == 3, run.stdout + run.stderr
    assert json.loads(run.stdout)["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND"
    run = cli(tmp_path / "sig.dat", "--document", tmp_path / "doc.txt", "--json",
              "--trust", tmp_path / "ca.pem")  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    out = json.loads(run.stdout)
    assert out["indication"] == "TOTAL_PASSED"
    assert "\\u" not in run.stdout and "北京市公安局" in run.stdout  # UTF-8, not escapes
    run = cli(tmp_path / "sig.dat", "--json", "--trust", tmp_path / "ca.pem")
    assert run.returncode == 3 and json.loads(run.stdout)["sub_indication"] == (
        "SIGNED_DATA_NOT_FOUND"
    )
    (tmp_path / "other.txt").write_bytes(b"another document")
    run = cli(tmp_path / "sig.dat", "--document", tmp_path / "other.txt", "--trust",
              tmp_path / "ca.pem")  # fmt: skip
    assert run.returncode == 1 and "HASH_FAILURE" in run.stdout

    r = await t.client.post(
        "/api/v1/trust/anchors", headers=operator_headers, json={"pem": pki.root.to_pem().decode()}
    )
    assert r.status_code == 201 and r.json()["scope"] == "hub", r.text
    try:
        assert (await verify(t.client, sig, DOC))["indication"] == "TOTAL_PASSED"
    finally:
        r = await t.client.delete(f"/api/v1/trust/anchors/{r.json()['id']}",
                                  headers=operator_headers)  # fmt: skip
        assert r.status_code == 204


async def test_a_forgery_in_this_hubs_namespace_is_total_failed(make_tenant: Any) -> None:
    """A seal named like the bureau's, reusing a real seal's esID, made with a home-made
    maker certificate: TOTAL_FAILED even with the forger's CA trusted by the tenant."""
    t = await make_tenant()
    person = await t.add_person("赵六")
    r = await t.client.post("/api/v1/seals", headers=person.headers,
                            json={"seal_type": "personal"})  # fmt: skip
    assert r.status_code == 201, r.text
    real = r.json()
    pki = bureau_pki()
    r = await t.client.post(
        "/api/v1/trust/anchors", headers=t.admin_headers, json={"pem": pki.root.to_pem().decode()}
    )
    assert r.status_code == 201
    forged_seal = pki.seal(esid=real["esid"], name="赵六")
    forged = pki.signature(forged_seal, DOC)
    rep = await verify(t.client, forged, DOC, tenant=t.slug)
    assert (rep["indication"], rep["sub_indication"]) == ("TOTAL_FAILED", "NOT_MADE_BY_THIS_HUB"), (
        rep
    )
    check = next(c for c in rep["seal"]["checks"] if c["name"] == "made by this hub")
    assert check["status"] == "failed" and real["esid"] in check["detail"]


async def _signed_by_the_hub(t: Any) -> tuple[dict[str, Any], bytes, Any]:
    person = await t.add_person("孙七")
    r = await t.client.post("/api/v1/seals", headers=person.headers,
                            json={"seal_type": "personal"})  # fmt: skip
    seal = r.json()
    r = await t.client.put(f"/api/v1/seals/{seal['id']}/password", headers=person.headers,
                           json={"password": SEAL_PASSWORD})  # fmt: skip
    assert r.status_code == 204
    r = await t.client.post(
        "/api/v1/signatures",
        headers={**person.headers, "Idempotency-Key": secrets.token_hex(8)},
        json={"seal_id": seal["id"], "password": SEAL_PASSWORD, "document_sm3": sm3(DOC).hex()},
    )
    assert r.status_code == 201, r.text
    assert r.json()["report"]["indication"] == "TOTAL_PASSED", r.json()["report"]
    return seal, base64.b64decode(r.json()["signature"]), person


async def test_the_hubs_own_signatures_pass_and_the_status_list_names_their_maker(
    make_tenant: Any, tmp_path: Path
) -> None:
    t = await make_tenant()
    seal, der, person = await _signed_by_the_hub(t)
    rep = await verify(t.client, der, DOC)
    assert rep["indication"] == "TOTAL_PASSED", rep
    checks = {c["name"]: c for c in rep["seal"]["checks"]}
    assert checks["made by this hub"]["ok"] and checks["seal maker certificate chain"]["ok"]

    ca = (await t.client.get("/api/v1/trust/ca/local.cer")).content
    hub_ca = Certificate.load(ca)
    crl = await t.client.get("/api/v1/trust/crl/local.crl")
    assert crl.headers["content-type"].startswith("application/pkix-crl")
    assert parse_crl(crl.content, "hub").signed_by(hub_ca)
    assert (await t.client.get("/api/v1/trust/crl/nobody.crl")).status_code == 404
    listed_bytes = (await t.client.get("/api/v1/trust/status-list")).content
    listed = read_status_list(listed_bytes)
    assert listed.signer.der == hub_ca.der and listed.next_update is not None
    maker = Certificate.load(parse_seal(base64.b64decode(seal["seal"])).maker_cert)
    assert ("*", "hub", "admitted", maker.subject) in listed.makers()
    assert t.slug in {tenant["slug"] for tenant in listed.document["tenants"]}

    # Offline, with what the hub publishes: TOTAL_PASSED; a forgery in its namespace fails.
    for name, data in {"ca.cer": ca, "list.json": listed_bytes, "hub.crl": crl.content,
                       "sig.dat": der, "doc.txt": DOC}.items():  # fmt: skip
        (tmp_path / name).write_bytes(data)
    trust = ("--trust", tmp_path / "ca.cer", "--trust", tmp_path / "hub.crl",
             "--status-list", tmp_path / "list.json")  # fmt: skip
    run = cli(tmp_path / "sig.dat", "--document", tmp_path / "doc.txt", "--json", *trust)
    assert run.returncode == 0, run.stdout + run.stderr
    forger = bureau_pki()
    forged = forger.signature(forger.seal(esid=seal["esid"]), DOC)
    (tmp_path / "forged.dat").write_bytes(forged)
    (tmp_path / "forger.pem").write_bytes(forger.root.to_pem())
    run = cli(tmp_path / "forged.dat", "--document", tmp_path / "doc.txt", "--json", *trust,
              "--trust", tmp_path / "forger.pem")  # fmt: skip
    assert run.returncode == 1 and json.loads(run.stdout)["sub_indication"] == (
        "NOT_MADE_BY_THIS_HUB"
    ), run.stdout
    # A status list not signed by a trusted key is not used (and said so).
    run = cli(tmp_path / "sig.dat", "--document", tmp_path / "doc.txt",
              "--status-list", tmp_path / "list.json")  # fmt: skip
    assert run.returncode == 3 and "not used" in run.stderr

    # Revoked: the CRL lists the signer certificate. The hub's record proves the
    # signature came first (passes); offline, without that proof, REVOKED_NO_POE.
    r = await t.client.post(f"/api/v1/seals/{seal['id']}/revoke", headers=person.headers,
                            json={"reason": "lost"})  # fmt: skip
    assert r.status_code == 200
    new_crl = (await t.client.get("/api/v1/trust/crl/local.crl")).content
    signer = Certificate.load(parse_seal(base64.b64decode(seal["seal"])).signer_certs[0])
    assert signer.serial_number in parse_crl(new_crl, "hub").revoked
    (tmp_path / "hub.crl").write_bytes(new_crl)
    run = cli(tmp_path / "sig.dat", "--document", tmp_path / "doc.txt", "--json", *trust)
    assert run.returncode == 3 and json.loads(run.stdout)["sub_indication"] == "REVOKED_NO_POE"


def test_cli_hygiene_closed_pipe_and_pdf_tracebacks(tmp_path: Path) -> None:
    pki = bureau_pki()
    (tmp_path / "sig.dat").write_bytes(pki.signature(pki.seal(), DOC))
    proc = subprocess.run(
        f"{sys.executable} -m hub.cli verify {tmp_path / 'sig.dat'} | head -c 5",
        shell=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert proc.stdout == str(tmp_path)[:5] and proc.stderr == "", proc.stderr
    from hub.documents.pdf_writer import write_text_pdf

    pdf = bytearray(write_text_pdf("测试"))
    pdf[len(pdf) // 2 : len(pdf) // 2 + 40] = b"\x00" * 40  # an edited, broken PDF
    (tmp_path / "edited.pdf").write_bytes(bytes(pdf) + b"\n%%EOF garbage xref 0 9\n")
    run = cli(tmp_path / "edited.pdf", "--json")
    assert "Traceback" not in run.stderr and run.returncode in (1, 2, 3), run.stderr


async def test_an_admitted_vendors_ca_is_trusted_for_its_tenant_through_the_status_list(
    make_tenant: Any, operator_headers: dict[str, str]
) -> None:
    """Admission decides trust: a vendor the tenant admits (here an in-process reference
    vendor with its own CA, not the hub CA) makes the tenant's seals, and its signatures
    are TOTAL_PASSED because the status list names its CA for that tenant."""
    t = await make_tenant()
    vendor = "ref-" + secrets.token_hex(3)
    before = read_status_list((await t.client.get("/api/v1/trust/status-list")).content)
    r = await t.client.post(
        "/api/v1/vendors",
        headers=operator_headers,
        json={
            "name": vendor,
            "kind": "local",
            "sla_p95_ms": 500,
            "product_certificate": "GM-TEST-0001",
        },
    )
    assert r.status_code == 201, r.text
    r = await t.client.post(
        "/api/v1/admission/applications", headers=t.admin_headers, json={"vendor": vendor}
    )
    assert r.status_code == 201 and r.json()["status"] == "probation", r.text
    listed = read_status_list((await t.client.get("/api/v1/trust/status-list")).content)
    assert listed.sequence > before.sequence  # re-issued on the admission change
    tenant = next(x for x in listed.document["tenants"] if x["slug"] == t.slug)
    provider = next(p for p in tenant["providers"] if p["vendor"] == vendor)
    assert provider["status"] == "probation" and provider["ca_certs"] and provider["maker_certs"]
    assert [h["to"] for h in provider["history"]] == ["applied", "probation"]

    seal, der, _ = await _signed_by_the_hub(t)
    assert seal["vendor"] == vendor
    maker = Certificate.load(parse_seal(base64.b64decode(seal["seal"])).maker_cert)
    assert (
        maker.issuer
        != Certificate.load((await t.client.get("/api/v1/trust/ca/local.cer")).content).subject
    )
    rep = await verify(t.client, der, DOC)
    assert rep["indication"] == "TOTAL_PASSED", rep
    chain = next(c for c in rep["seal"]["checks"] if c["name"] == "seal maker certificate chain")
    assert f"admits {vendor}" in chain["detail"]
