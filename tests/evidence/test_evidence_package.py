"""Evidence packages: build, verify offline, and fail with the check named on any tampering."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path

from evidence_support import ORIGIN, sign_with_log
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.crypto import SM2PrivateKey, sm3
from hub.evidence.checkpoint import Checkpoint, sign_checkpoint
from hub.evidence.package import verify_package

REPO = Path(__file__).resolve().parents[2]


def failing(report) -> set[str]:
    return {c.name for c in report.checks if c.status == "failed"}


def test_approved_package_verifies(approved_signing):
    package = approved_signing.package()
    report = verify_package(json.loads(json.dumps(package)))
    assert report.intact, report.to_text()
    assert report.kind == "evidence" and report.version == 1
    names = {c.name for c in report.checks}
    assert {
        "checkpoint signature",
        "ses signature",
        "document digest",
        "seal",
        "signature entry",
        "approval entry",
        "approval before signing",
        "approval bound in signature",
    } <= names
    assert f"entry {approved_signing.approval_index} inclusion proof" in names
    assert f"entry {approved_signing.signature_index} inclusion proof" in names
    assert report.info["log_key_sm3"] == sm3(approved_signing.log.log_key.public_key.to_der()).hex()


def test_package_without_approval_verifies(plain_signing):
    report = verify_package(plain_signing.package())
    assert report.intact, report.to_text()
    assert "approval" in {c.name for c in report.checks}
    assert "approval" not in plain_signing.package()


def test_pinned_log_key(approved_signing):
    package = approved_signing.package()
    key = approved_signing.log.log_key.public_key
    assert verify_package(package, log_public_key=key).intact
    report = verify_package(package, log_public_key=SM2PrivateKey.generate().public_key)
    assert failing(report) == {"log public key"}


def _resign(package, key: SM2PrivateKey, **changes):
    cp = Checkpoint.parse(package["checkpoint"]["text"])
    fields = {"origin": cp.origin, "size": cp.size, "root_hash": cp.root_hash} | changes
    package["checkpoint"] = sign_checkpoint(Checkpoint(**fields), key).to_dict()


def _mutations(signing):
    """(description, mutate(package), expected failing check names or a subset of them)."""
    other = sign_with_log(approved=False)

    def cp_size(p):
        text = p["checkpoint"]["text"].split("\n")
        text[1] = str(int(text[1]) + 1)
        p["checkpoint"]["text"] = "\n".join(text)

    def foreign_key(p):
        p["log_public_key"] = SM2PrivateKey.generate().public_key.to_pem().decode()

    def attacker_log(p):
        # A forger re-signs the checkpoint with their own key: caught only by pinning.
        key = SM2PrivateKey.generate()
        p["log_public_key"] = key.public_key.to_pem().decode()
        _resign(p, key)

    def proof_flip(p):
        proof = p["entries"][-1]["inclusion_proof"]
        raw = bytearray(base64.b64decode(proof[0]))
        raw[0] ^= 1
        proof[0] = base64.b64encode(bytes(raw)).decode()

    def index_shift(p):
        p["entries"][-1]["index"] += 1

    def event_edit(p):
        p["entries"][-1]["event"]["subject"]["vendor"] = "other-vendor"

    def leaf_edit(p):
        leaf = base64.b64decode(p["entries"][-1]["leaf"]).replace(b"local", b"lokal")
        p["entries"][-1]["leaf"] = base64.b64encode(leaf).decode()

    def doc_digest(p):
        p["document_sm3"] = sm3(b"another document").hex()

    def other_signature(p):
        p["ses_signature"] = base64.b64encode(other.ses_signature).decode()

    def sig_byte(p):
        raw = bytearray(base64.b64decode(p["ses_signature"]))
        raw[-5] ^= 0x10
        p["ses_signature"] = base64.b64encode(bytes(raw)).decode()

    def drop_approval(p):
        del p["approval"]
        p["entries"] = [e for e in p["entries"] if e["event"]["type"] != "use_request.approved"]

    def approval_points_elsewhere(p):
        p["approval"]["index"] = 0

    def origin(p):
        p["origin"] = "evil.example/log"

    def extra_key(p):
        p["note"] = "trust me"

    def version(p):
        p["version"] = 2

    def float_index(p):
        p["entries"][0]["index"] = float(p["entries"][0]["index"])

    def bool_in_event(p):
        p["entries"][0]["event"]["v"] = True

    return [
        ("checkpoint size", cp_size, {"checkpoint signature"}),
        ("foreign log key", foreign_key, {"checkpoint signature"}),
        ("inclusion proof byte", proof_flip, {"inclusion proof"}),
        ("entry index", index_shift, {"inclusion proof"}),
        ("decoded event", event_edit, {"event"}),
        ("leaf byte", leaf_edit, {"inclusion proof"}),
        ("document digest", doc_digest, {"document digest", "signature entry"}),
        ("other SES_Signature", other_signature, {"signature entry"}),
        ("SES_Signature byte", sig_byte, {"ses signature"}),
        ("approval removed", drop_approval, {"approval"}),
        ("approval index", approval_points_elsewhere, {"approval entry"}),
        ("origin", origin, {"checkpoint origin"}),
        ("unknown key", extra_key, {"package format"}),
        ("version", version, {"package format"}),
        ("float index", float_index, {"package format"}),
        ("bool in event", bool_in_event, {"event"}),
        ("attacker log, unpinned", attacker_log, set()),
    ]


def test_each_tampering_names_its_check(approved_signing):
    original = approved_signing.package()
    for description, mutate, expected in _mutations(approved_signing):
        package = copy.deepcopy(original)
        mutate(package)
        report = verify_package(package)
        names = failing(report)
        if not expected:  # self-consistent forgery: only a pinned key catches it
            assert report.intact
            pinned = verify_package(package, log_public_key=approved_signing.log.log_key.public_key)
            assert failing(pinned) == {"log public key"}, description
            continue
        assert not report.intact, description
        for want in expected:
            assert any(want in name for name in names), (description, names)


def test_approval_logged_after_signature_is_invalid():
    late = sign_with_log(approved=True, approval_after_signature=True)
    report = verify_package(late.package())
    assert failing(report) == {"approval before signing"}, report.to_text()


def test_approval_not_in_tbs_sign_is_invalid():
    unbound = sign_with_log(approved=True, bind_in_tbs=False)
    report = verify_package(unbound.package())
    assert failing(report) == {"approval bound in signature"}, report.to_text()


def test_legacy_approval_oid_is_a_named_variant():
    legacy = sign_with_log(approved=True, approval_oid="1.2.156.10197.6.999.1")
    report = verify_package(legacy.package())
    assert report.intact, report.to_text()
    assert any("1.2.156.10197.6.999.1" in v for v in report.variants)
    other = sign_with_log(approved=True, approval_oid="1.2.3.4")  # not a known binding
    assert failing(verify_package(other.package())) == {"approval bound in signature"}


def test_every_byte_of_the_package(approved_signing):
    """Change bytes of the serialized package: whenever the JSON still parses to something
    different, the package is invalid and at least one named check fails.

    Every byte outside the SES_Signature (whose bytes the formats tests cover) and every
    41st inside it; one replacement per byte, rotating through letter/digit/case changes.
    """
    text = json.dumps(approved_signing.package(), ensure_ascii=False)
    original = json.loads(text)
    sig_start = text.index('"ses_signature"')
    sig_end = text.index('"', text.index('"', sig_start + 16) + 1)
    changed = 0
    for i, c in enumerate(text):
        if sig_start < i < sig_end and i % 41:
            continue
        options = [
            "B" if c != "B" else "C",
            "1" if c != "1" else "2",
            c.swapcase() if c.swapcase() != c else "x",
        ]
        mutated = text[:i] + options[i % 3] + text[i + 1 :]
        try:
            obj = json.loads(mutated)
        except json.JSONDecodeError:
            continue
        if obj == original:
            continue
        changed += 1
        report = verify_package(obj)
        assert not report.intact, (i, c, mutated[max(0, i - 40) : i + 40])
        assert failing(report), i
    assert changed > 500


def test_cli_verifies_package_offline(tmp_path, approved_signing):
    good = tmp_path / "evidence-good.json"
    good.write_text(json.dumps(approved_signing.package(), ensure_ascii=False, indent=2))
    bad_pkg = approved_signing.package()
    bad_pkg["document_sm3"] = "00" * 32
    bad = tmp_path / "evidence-bad.json"
    bad.write_text(json.dumps(bad_pkg))

    def run(path):
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", "verify", str(path), "--json"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )

    ok = run(good)
    # Intact, but offline with no trust anchor given: INDETERMINATE (exit 3), not valid.
    assert ok.returncode == 3, ok.stdout + ok.stderr
    out = json.loads(ok.stdout)
    assert out["kind"] == "evidence" and out["valid"] is False
    assert out["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND"
    assert not [c for c in out["checks"] if c["status"] == "failed"]
    nok = run(bad)
    assert nok.returncode == 1, nok.stdout + nok.stderr
    out = json.loads(nok.stdout)
    assert out["valid"] is False
    assert {c["name"] for c in out["checks"] if c["status"] == "failed"} >= {"document digest"}


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_junk_never_crashes(approved_signing, data):
    package = approved_signing.package()
    # Replace one field (at any depth we reach) with arbitrary JSON.
    target = package
    path = []
    while isinstance(target, dict | list) and target and data.draw(st.booleans()):
        key = data.draw(
            st.sampled_from(list(target) if isinstance(target, dict) else list(range(len(target))))
        )
        path.append(key)
        if not isinstance(target[key], dict | list):
            break
        target = target[key]
    if isinstance(target, dict | list) and path:
        parent = package
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = data.draw(JSONISH)
    else:
        package = data.draw(JSONISH)
    report = verify_package(package)
    assert report.intact in (True, False)
    if package != approved_signing.package():
        assert not report.intact


def test_origin_constant_is_used(approved_signing):
    assert approved_signing.package()["origin"] == ORIGIN
