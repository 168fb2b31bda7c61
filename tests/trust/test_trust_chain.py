"""Chain building and validation, CRLs, proofs of existence, the status list: real SM2
certificates, CRLs and signatures built here, no database."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from trust_support import bureau_pki

from hub.crypto import Name, SM2PrivateKey, build_certificate, sm3
from hub.errors import FormatError
from hub.formats import verify_seal, verify_signature
from hub.pki.chain import validate
from hub.pki.crl import Revoked, build_crl, parse_crl
from hub.pki.statuslist import read_status_list, sign_status_list, trusted_by
from hub.pki.store import (
    MAKER,
    HubIdentity,
    ProofOfExistence,
    TrustAnchor,
    TrustStore,
    ValidationContext,
    load_trust_path,
)

DOC = "合同正文".encode()


def ctx(*anchors: TrustAnchor, crls=(), proofs=(), hub=None) -> ValidationContext:
    return ValidationContext(trust=TrustStore(anchors, crls=crls), proofs=tuple(proofs), hub=hub,
                             trust_source="test")  # fmt: skip


def test_self_made_bureau_ca_is_indeterminate_until_trusted() -> None:
    pki = bureau_pki()
    seal = pki.seal()
    sig = pki.signature(seal, DOC)
    alone = verify_signature(sig, document_digest=sm3(DOC))
    assert alone.verdict() == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert alone.children[0].verdict() == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert not alone.valid and alone.intact
    trusted = verify_signature(sig, document_digest=sm3(DOC), context=ctx(TrustAnchor(pki.root)))
    assert trusted.verdict() == ("TOTAL_PASSED", None), trusted.to_text()
    # Trusting another CA of the same name does not help: the chain is by key, not name.
    other = bureau_pki()
    assert verify_signature(sig, document_digest=sm3(DOC),
                            context=ctx(TrustAnchor(other.root))).verdict()[1] == (
        "NO_CERTIFICATE_CHAIN_FOUND"
    )  # fmt: skip


def test_a_pinned_maker_certificate_anchors_the_seal_only() -> None:
    pki = bureau_pki()
    report = verify_seal(pki.seal(), context=ctx(TrustAnchor(pki.maker, MAKER)))
    assert report.valid, report.to_text()
    sig = verify_signature(pki.signature(pki.seal(), DOC), document_digest=sm3(DOC),
                           context=ctx(TrustAnchor(pki.maker, MAKER)))  # fmt: skip
    assert sig.verdict() == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")  # the signer's


def test_expired_certificate_without_proof_is_out_of_bounds_no_poe() -> None:
    """A certificate that expired before now, with only a claimed time inside its
    validity: INDETERMINATE / OUT_OF_BOUNDS_NO_POE, never TOTAL_PASSED; with a proof of
    existence inside the validity it passes; with one after, TOTAL_FAILED / EXPIRED."""
    pki = bureau_pki()
    seal = pki.seal(valid_end=pki.created + timedelta(days=3000))
    sig = pki.signature(seal, DOC)
    later = ValidationContext(
        trust=TrustStore([TrustAnchor(pki.root)]), now=pki.created + timedelta(days=400)
    )  # signer: 365 days
    report = verify_signature(sig, document_digest=sm3(DOC), context=later)
    assert report.verdict() == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"), report.to_text()
    proven = later.with_proofs(ProofOfExistence(pki.created, "timestamp", "test TSA"))
    assert verify_signature(sig, document_digest=sm3(DOC), context=proven).valid
    too_late = later.with_proofs(
        ProofOfExistence(pki.created + timedelta(days=380), "timestamp", "test TSA")
    )
    assert verify_signature(sig, document_digest=sm3(DOC), context=too_late).verdict() == (
        "TOTAL_FAILED",
        "EXPIRED",
    )
    # The earliest proof is the one that counts.
    both = too_late.with_proofs(ProofOfExistence(pki.created, "log-inclusion"))
    assert verify_signature(sig, document_digest=sm3(DOC), context=both).valid


def _intermediate_chain(**ca_over):
    root_key, mid_key, leaf_key = (SM2PrivateKey.generate() for _ in range(3))
    start = datetime.now(UTC) - timedelta(days=1)
    root = build_certificate(subject=Name("Root"), subject_key=root_key.public_key,
                             issuer=Name("Root"), issuer_key=root_key, is_ca=True,
                             not_before=start)  # fmt: skip
    args = {"subject": Name("Mid"), "subject_key": mid_key.public_key, "issuer": root,
                "issuer_key": root_key, "is_ca": True, "not_before": start}  # fmt: skip
    args.update(ca_over)
    mid = build_certificate(**args)  # type: ignore[arg-type]
    leaf = build_certificate(subject=Name("Leaf"), subject_key=leaf_key.public_key, issuer=mid,
                             issuer_key=mid_key, not_before=start)  # fmt: skip
    return root, root_key, mid, mid_key, leaf


def test_intermediate_constraints() -> None:
    now = datetime.now(UTC)
    root, _, mid, mid_key, leaf = _intermediate_chain()
    store = TrustStore([TrustAnchor(root)], intermediates=[mid])
    assert validate(leaf, store, now, proven=False)[0].status == "passed"
    # The intermediate may also come with the object (extra), not from the store.
    assert validate(leaf, TrustStore([TrustAnchor(root)]), now, proven=False,
                    extra=(mid,))[0].status == "passed"  # fmt: skip
    root, _, not_ca, _, leaf = _intermediate_chain(is_ca=False)
    out = validate(leaf, TrustStore([TrustAnchor(root)], intermediates=[not_ca]), now,
                   proven=False)[0]  # fmt: skip
    assert (out.status, out.sub) == ("indeterminate", "CHAIN_CONSTRAINTS_FAILURE")
    assert "not a CA" in out.detail
    root, _, no_sign, _, leaf = _intermediate_chain(key_usage={"digital_signature"})
    out = validate(leaf, TrustStore([TrustAnchor(root)], intermediates=[no_sign]), now,
                   proven=False)[0]  # fmt: skip
    assert out.sub == "CHAIN_CONSTRAINTS_FAILURE" and "keyCertSign" in out.detail
    # pathLen 0 on the root's child forbids a further CA below it.
    root, _, mid, mid_key, _ = _intermediate_chain(path_len=0)
    sub_key, leaf_key = SM2PrivateKey.generate(), SM2PrivateKey.generate()
    start = now - timedelta(days=1)
    sub = build_certificate(subject=Name("Sub"), subject_key=sub_key.public_key, issuer=mid,
                            issuer_key=mid_key, is_ca=True, not_before=start)  # fmt: skip
    leaf = build_certificate(subject=Name("Leaf"), subject_key=leaf_key.public_key, issuer=sub,
                             issuer_key=sub_key, not_before=start)  # fmt: skip
    out = validate(leaf, TrustStore([TrustAnchor(root)], intermediates=[mid, sub]), now,
                   proven=False)[0]  # fmt: skip
    assert out.sub == "CHAIN_CONSTRAINTS_FAILURE" and "pathLenConstraint 0" in out.detail


def test_crl_revocation_judged_at_the_proven_time(tmp_path: Path) -> None:
    pki = bureau_pki()
    revoked_at = pki.created + timedelta(hours=1)
    crl = build_crl(pki.root, pki.root_key, [Revoked(pki.signer.serial_number, revoked_at,
                                                     "key_compromise")], number=7)  # fmt: skip
    parsed = parse_crl(crl, "test")
    assert parsed.number == 7 and parsed.signed_by(pki.root)
    assert parsed.revoked[pki.signer.serial_number].reason == "key_compromise"
    sig = pki.signature(pki.seal(), DOC)
    base = ctx(TrustAnchor(pki.root), crls=[parsed])
    report = verify_signature(sig, document_digest=sm3(DOC), context=base)
    assert report.verdict() == ("INDETERMINATE", "REVOKED_NO_POE"), report.to_text()
    before = base.with_proofs(ProofOfExistence(pki.created, "timestamp"))
    assert verify_signature(sig, document_digest=sm3(DOC), context=before).valid
    after = base.with_proofs(ProofOfExistence(revoked_at + timedelta(minutes=1), "timestamp"))
    assert verify_signature(sig, document_digest=sm3(DOC), context=after).verdict() == (
        "TOTAL_FAILED",
        "REVOKED",
    )
    # The maker (not on the CRL) is checked and passes.
    seal = report.children[0]
    assert {c.name: c.ok for c in seal.checks}["seal maker certificate revocation"]
    # A CRL signed by another key is no revocation information at all.
    forged = parse_crl(build_crl(pki.root, SM2PrivateKey.generate(), [], number=1), "forged")
    out = verify_signature(sig, document_digest=sm3(DOC),
                           context=ctx(TrustAnchor(pki.root), crls=[forged]))  # fmt: skip
    assert out.verdict() == ("INDETERMINATE", "REVOCATION_UNKNOWN")
    # OpenSSL reads the CRL as a well-formed v2 X.509 CRL.
    (tmp_path / "x.crl").write_bytes(crl)
    text = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(tmp_path / "x.crl"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Version 2" in text and f"{pki.signer.serial_number:X}" in text.replace(":", "")
    # And a folder with the root and the CRL is an offline trust store.
    (tmp_path / "root.pem").write_bytes(pki.root.to_pem())
    store = load_trust_path(tmp_path)
    assert len(store.anchors) == 1 and len(store.crls) == 1


def test_a_forgery_in_the_hub_namespace_is_total_failed_even_when_its_ca_is_trusted() -> None:
    hub_maker = bureau_pki("SealHub")
    forger = bureau_pki()
    identity = HubIdentity(
        hub_makers=frozenset({hub_maker.maker.der}),
        hub_maker_names=frozenset({hub_maker.maker.subject_name_der}),
        hub_ca_names=frozenset({hub_maker.root.subject_name_der}),
        tenant_makers={"bj-gaj": frozenset({hub_maker.maker.der})},
    )
    forged = forger.seal(esid="bj-gaj-" + "ab" * 12)
    context = ctx(TrustAnchor(forger.root), hub=identity)
    report = verify_seal(forged, context=context)
    assert report.verdict() == ("TOTAL_FAILED", "NOT_MADE_BY_THIS_HUB"), report.to_text()
    # Outside the namespace the same CA's seal is simply trusted.
    assert verify_seal(forger.seal(esid="110100000001"), context=context).valid
    # The hub's own maker in its namespace passes the claim.
    own = hub_maker.seal(esid="bj-gaj-" + "cd" * 12)
    assert verify_seal(own, context=ctx(TrustAnchor(hub_maker.root), hub=identity)).valid


def test_status_list_signature_and_trust() -> None:
    hub = bureau_pki("SealHub")
    vendor = bureau_pki("某某签章厂商")
    document = {
        "type": "sealhub-provider-status-list", "version": 1, "sequence": 3,
        "issued_at": hub.created.isoformat(), "next_update": hub.created.isoformat(),
        "hub": {"ca_certs": [base64.b64encode(hub.root.der).decode()],
                "maker_certs": [base64.b64encode(hub.maker.der).decode()],
                "log_public_key": None},
        "tenants": [{"slug": "bj-gaj", "name": "北京市公安局", "providers": [{
            "vendor": "v1", "kind": "http", "status": "admitted",
            "status_since": hub.created.isoformat(),
            "maker_certs": [base64.b64encode(vendor.maker.der).decode()],
            "ca_certs": [base64.b64encode(vendor.root.der).decode()],
            "history": [{"from": None, "to": "applied", "at": hub.created.isoformat(),
                         "reason": "applied"},
                        {"from": "applied", "to": "admitted", "at": hub.created.isoformat(),
                         "reason": "conformance passed"}]}]}],
    }  # fmt: skip
    signed = sign_status_list(document, hub.root, hub.root_key)
    listed = read_status_list(signed)
    assert listed.sequence == 3 and "北京市公安局" in listed.raw.decode()
    assert trusted_by(listed, TrustStore([TrustAnchor(hub.root)]))
    assert not trusted_by(listed, TrustStore([TrustAnchor(vendor.root)]))
    store, identity, _ = listed.trust()
    seal = vendor.seal(esid="bj-gaj-" + "12" * 12)
    assert verify_seal(seal, context=ValidationContext(trust=store, hub=identity)).valid
    # One changed byte of the list and it no longer verifies.
    envelope = json.loads(signed)
    raw = bytearray(base64.b64decode(envelope["list"]))
    raw[raw.index(b"admitted")] = ord("A")
    envelope["list"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(FormatError):
        read_status_list(json.dumps(envelope).encode())


def test_sealhub_trust_cli_add_list_remove_and_ca(tmp_path: Path) -> None:
    """`sealhub trust` on a hub database (SQLite here), as the hub operator would."""
    import os
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
           "SEALHUB_MASTER_KEY": "00112233445566778899aabbccddeeff"}  # fmt: skip
    repo = Path(__file__).resolve().parents[2]

    def trust(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hub.cli", "trust", *args], env=env,
                              cwd=repo, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip

    pki = bureau_pki()
    (tmp_path / "ca.pem").write_bytes(pki.root.to_pem())
    (tmp_path / "ca.crl").write_bytes(build_crl(pki.root, pki.root_key, [], number=1))
    added = trust("add", str(tmp_path / "ca.pem"), "--label", "北京 CA")
    assert added.returncode == 0, added.stderr
    entry = json.loads(added.stdout)
    assert entry["kind"] == "ca" and entry["scope"] == "hub" and entry["label"] == "北京 CA"
    assert trust("add", str(tmp_path / "ca.pem")).returncode == 1  # already there
    crl = trust("add", str(tmp_path / "ca.crl"))
    assert crl.returncode == 0 and json.loads(crl.stdout)["kind"] == "crl", crl.stderr
    listed = json.loads(trust("list").stdout)
    assert {e["kind"] for e in listed} == {"ca", "crl"}
    assert trust("remove", entry["id"]).returncode == 0
    assert [e["kind"] for e in json.loads(trust("list").stdout)] == ["crl"]
    assert trust("remove", entry["id"]).returncode == 1  # gone
    assert trust("list", "--tenant", "no-such-tenant").returncode == 1
    ca = trust("ca")
    assert ca.returncode == 0 and "BEGIN CERTIFICATE" in ca.stdout
    assert trust("ca").stdout == ca.stdout  # the hub CA is made once and kept


def test_a_vendor_refused_at_application_is_never_an_anchor() -> None:
    hub, vendor = bureau_pki("SealHub"), bureau_pki("被拒厂商")
    at = hub.created.isoformat()
    provider = {"vendor": "v", "kind": "http", "status": "revoked", "status_since": at,
                "maker_certs": [base64.b64encode(vendor.maker.der).decode()],
                "ca_certs": [base64.b64encode(vendor.root.der).decode()],
                "history": [{"from": None, "to": "applied", "at": at, "reason": "applied"},
                            {"from": "applied", "to": "revoked", "at": at,
                             "reason": "application refused"}]}  # fmt: skip
    document = {"type": "sealhub-provider-status-list", "version": 1, "sequence": 1,
                "hub": {"ca_certs": [], "maker_certs": []},
                "tenants": [{"slug": "t", "providers": [provider]}]}  # fmt: skip
    store, _, _ = read_status_list(sign_status_list(document, hub.root, hub.root_key)).trust()
    assert not store.anchors
    provider["history"].insert(1, {"from": "applied", "to": "probation", "at": at,
                                   "reason": "conformance passed"})  # fmt: skip
    store, _, _ = read_status_list(sign_status_list(document, hub.root, hub.root_key)).trust()
    assert store.anchors and all(a.until is not None for a in store.anchors)
