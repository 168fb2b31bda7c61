"""Helpers shared by the formats tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from hub.crypto import sm3
from hub.formats import assemble_signature_v4, build_seal_v4, build_tbs_sign_v4

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "samples" / "real-vendors"  # copied from ../shared/samples


def run_cli(path: Path | str, *extra: str) -> tuple[int, dict[str, Any] | None, str, str]:
    """`sealhub verify PATH --json` in a subprocess: (exit code, JSON or None, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "hub.cli", "verify", str(path), *extra],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    out = None
    if "--json" in extra and proc.stdout.strip():
        out = json.loads(proc.stdout)
    return proc.returncode, out, proc.stdout, proc.stderr


def failing(report: dict[str, Any], prefix: str = "", status: str = "failed") -> set[str]:
    """Every failed check (or, with status="indeterminate", every undecided one) in a
    report dict, nested ones prefixed by where they are."""
    names = {prefix + c["name"] for c in report["checks"] if c["status"] == status}
    if report.get("seal"):
        names |= failing(report["seal"], prefix + "seal: ", status)
    for sig in report.get("signatures", []):
        names |= failing(sig, prefix + sig["info"].get("path", "?") + ": ", status)
    return names


def warned(report: dict[str, Any], prefix: str = "") -> set[str]:
    """Every warning in a report dict (findings that do not decide the verdict)."""
    names = {prefix + w["name"] for w in report.get("warnings", [])}
    if report.get("seal"):
        names |= warned(report["seal"], prefix + "seal: ")
    for sig in report.get("signatures", []):
        names |= warned(sig, prefix + sig["info"].get("path", "?") + ": ")
    return names


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def make_seal(pki, **over) -> bytes:
    args = {
        "esid": "11010000000001",
        "vid": "SealHub",
        "seal_type": 1,
        "name": "北京市测试局公章",
        "signer_certs": [pki.signer_cert.der],
        "picture": PNG,
        "picture_type": "png",
        "width_mm": 40,
        "height_mm": 40,
        "valid_start": pki.created - timedelta(hours=1),
        "valid_end": pki.created + timedelta(days=300),
        "maker_cert": pki.maker_cert.der,
        "maker_key": pki.maker_key,
        "create_date": pki.created - timedelta(minutes=30),
    }
    args.update(over)
    return build_seal_v4(**args)


def make_signature(pki, seal: bytes, document: bytes = b"contract", **over) -> tuple[bytes, bytes]:
    tbs = build_tbs_sign_v4(
        seal_der=seal,
        time=over.pop("time", pki.created),
        data_hash=sm3(document),
        property_info="/Doc_0/Signs/Sign_0/Signature.xml",
        ext_datas=over.pop("ext_datas", ()),
    )
    signature = over.pop("signature", None) or pki.signer_key.sign(tbs)
    return tbs, assemble_signature_v4(
        tbs_sign=tbs, signer_cert=over.pop("signer_cert", pki.signer_cert.der), signature=signature
    )
