"""`sealhub verify PATH [--json]`: exit 0 valid, 1 invalid, 2 unreadable or unsupported."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hub.errors import SealHubError

if TYPE_CHECKING:
    from hub.crypto import SM2PublicKey
    from hub.evidence.note import NoteVerifier
    from hub.formats import Report

EXIT_VALID, EXIT_INVALID, EXIT_UNSUPPORTED = 0, 1, 2


def add_verify_command(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser(
        "verify",
        help="verify a seal (.esl/.der), a signature (SignedValue.dat/.sig), an .ofd "
        "or an evidence package, offline",
    )
    verify.add_argument("path", help="file to verify")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    # Evidence packages: pin the log key and the witnesses (hub.evidence.package).
    verify.add_argument("--log-key", help="the hub's log key to pin: a PEM file or a note "
                        "verifier key <origin>+<key id>+<base64 SPKI>")
    verify.add_argument("--witness-key", action="append", default=[],
                        help="a pinned witness verifier key <name>+<key id>+<base64 SPKI>; "
                        "repeatable")
    verify.add_argument("--quorum", type=int, default=None,
                        help="cosignatures needed from the pinned witnesses (default: all)")
    verify.add_argument("--report", metavar="PDF",
                        help="evidence packages: also write the readable PDF report (出证)")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from hub.settings import Settings
    from hub.verification.services import verify_document

    path = Path(args.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"sealhub verify: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    try:
        pins = _evidence_pins(args)
        if pins is not None:
            report = _verify_pinned_package(data, *pins)
        else:
            report = verify_document(data, limits=Settings.from_env().limits)
    except SealHubError as exc:
        reason = " ".join(exc.detail.split())
        print(f"sealhub verify: {path}: {reason}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    if getattr(args, "report", None):
        try:
            _write_report(data, Path(args.report), pins)
        except SealHubError as exc:
            print(f"sealhub verify: {path}: {exc.detail}", file=sys.stderr)
            return EXIT_UNSUPPORTED
    if args.json:
        out = report.to_dict()
        out["file"] = str(path)
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"{path}")
        print(report.to_text())
    return EXIT_VALID if report.valid else EXIT_INVALID


def _evidence_pins(
    args: argparse.Namespace,
) -> tuple[SM2PublicKey | None, list[NoteVerifier], int] | None:
    """(log key, witness verifiers, quorum) when any pin is given, else None."""
    log_key = getattr(args, "log_key", None)
    witness_keys = getattr(args, "witness_key", None) or []
    quorum = getattr(args, "quorum", None)
    if log_key is None and not witness_keys and quorum is None:
        return None
    from hub.crypto import SM2PublicKey
    from hub.evidence.note import KeyKind, NoteVerifier

    key: SM2PublicKey | None = None
    if log_key is not None:
        path = Path(log_key)
        key = (SM2PublicKey.from_pem(path.read_bytes()) if path.is_file()
               else NoteVerifier.parse(log_key, KeyKind.LOG).key)
    witnesses = [NoteVerifier.parse(v, KeyKind.WITNESS) for v in witness_keys]
    return key, witnesses, len(witnesses) if quorum is None else quorum


def _verify_pinned_package(data: bytes, log_key: SM2PublicKey | None,
                           witnesses: list[NoteVerifier], quorum: int) -> Report:
    from hub.errors import FormatError
    from hub.evidence.package import verify_package

    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError("--log-key, --witness-key and --quorum apply to evidence packages; "
                          "this file is not one") from exc
    return verify_package(obj, log_public_key=log_key, witness_keys=witnesses, quorum=quorum)


def _write_report(data: bytes, out: Path,
                  pins: tuple[SM2PublicKey | None, list[NoteVerifier], int] | None) -> None:
    from hub.documents.evidence_report import package_report_pdf
    from hub.errors import FormatError

    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError("--report is for evidence packages; this file is not one") from exc
    if not isinstance(obj, dict):
        raise FormatError("--report is for evidence packages; this file is not one")
    kw = {} if pins is None else {"log_public_key": pins[0], "witness_keys": pins[1],
                                  "quorum": pins[2]}
    out.write_bytes(package_report_pdf(obj, **kw))
