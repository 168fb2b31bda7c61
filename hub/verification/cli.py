"""`sealhub verify PATH`: offline verification, judged the ETSI EN 319 102-1 way.

Exit codes: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 3 INDETERMINATE, 2 unreadable or unsupported.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hub.crypto import SM2PublicKey
from hub.documents.evidence_report import package_report_pdf
from hub.errors import FormatError, SealHubError
from hub.evidence.note import KeyKind, NoteVerifier
from hub.evidence.package import verify_package
from hub.formats.report import INDETERMINATE, TOTAL_PASSED
from hub.pki.offline import offline_context
from hub.settings import Settings
from hub.verification.services import verify_document

if TYPE_CHECKING:
    from hub.formats import Report
    from hub.pki.store import ValidationContext

EXIT_VALID, EXIT_INVALID, EXIT_UNSUPPORTED, EXIT_INDETERMINATE = 0, 1, 2, 3

EPILOG = """exit codes:
  0  TOTAL_PASSED   every check passed, chains reach a trusted anchor
  1  TOTAL_FAILED   a signature, digest or seal is proven wrong (or forged in the hub's name)
  3  INDETERMINATE  nothing failed, but something could not be decided (no trusted chain,
                    no proof of existence for an expired certificate, no --document)
  2  the file could not be read or is not a seal, signature, OFD, PDF or evidence package

Trust is what you give: --trust (CA certificates, pinned maker certificates, CRLs) and
--status-list (the hub's signed provider status list, trusted when signed by a --trust
anchor such as the hub CA certificate from GET /api/v1/trust/ca/local.cer)."""


def add_verify_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = sub.add_parser(
        "verify",
        help="verify a seal (.esl/.der), a signature (SignedValue.dat/.sig), an .ofd, a PDF "
        "or an evidence package, offline",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("path", help="file to verify")
    verify.add_argument("--json", action="store_true", help="print one JSON object (UTF-8)")
    verify.add_argument(
        "--document",
        metavar="FILE",
        help="the signed file of a detached signature (its SM3 is checked)",
    )
    verify.add_argument(
        "--trust",
        metavar="PATH",
        action="append",
        default=[],
        help="trusted certificates / CRLs: a PEM or DER file or a folder (repeatable)",
    )
    verify.add_argument(
        "--status-list", metavar="FILE", help="a signed SealHub provider status list"
    )
    # Evidence packages: pin the log key and the witnesses (hub.evidence.package).
    verify.add_argument(
        "--log-key",
        help="the hub's log key to pin: a PEM file or a note "
        "verifier key <origin>+<key id>+<base64 SPKI>",
    )
    verify.add_argument(
        "--witness-key",
        action="append",
        default=[],
        help="a pinned witness verifier key <name>+<key id>+<base64 SPKI>; repeatable",
    )
    verify.add_argument(
        "--quorum",
        type=int,
        default=None,
        help="cosignatures needed from the pinned witnesses (default: all)",
    )
    verify.add_argument(
        "--report",
        metavar="PDF",
        help="evidence packages: also write the readable PDF report (出证)",
    )
    verify.set_defaults(func=run_verify)


def _context(args: argparse.Namespace) -> tuple[object, list[str]]:
    """The ValidationContext from --trust and --status-list, and notes for stderr."""
    return offline_context(args.trust, args.status_list)  # hub.pki.offline


def run_verify(args: argparse.Namespace) -> int:
    return _run_verify(args)


def _write(text: str) -> None:
    """UTF-8 whatever the locale (JSON keeps Chinese as text); a reader that left
    (`sealhub verify f | head`) ends the output quietly, the exit code still tells."""
    try:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # and no second error at interpreter exit


def _run_verify(args: argparse.Namespace) -> int:
    path = Path(args.path)
    try:
        data = path.read_bytes()
        document = Path(args.document).read_bytes() if args.document else None
    except OSError as exc:
        print(f"sealhub verify: cannot read {exc.filename}: {exc.strerror or exc}",
              file=sys.stderr)  # fmt: skip
        return EXIT_UNSUPPORTED
    try:
        context, notes = _context(args)
        pins = _evidence_pins(args)
        if pins is not None:
            report = _verify_pinned_package(data, *pins, context=context)  # type: ignore[arg-type]
        else:
            report = verify_document(
                data, limits=Settings.from_env().limits, context=context,  # type: ignore[arg-type]
                document=document,
            )  # fmt: skip
    except OSError as exc:
        print(f"sealhub verify: cannot read {exc.filename}: {exc.strerror or exc}",
              file=sys.stderr)  # fmt: skip
        return EXIT_UNSUPPORTED
    except SealHubError as exc:
        reason = " ".join(exc.detail.split())
        print(f"sealhub verify: {path}: {reason}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    for note in notes:
        print(f"sealhub verify: {note}", file=sys.stderr)
    if getattr(args, "report", None):
        try:
            _write_report(data, Path(args.report), pins)
        except SealHubError as exc:
            print(f"sealhub verify: {path}: {exc.detail}", file=sys.stderr)
            return EXIT_UNSUPPORTED
    if args.json:
        out = report.to_dict()
        out["file"] = str(path)
        _write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        _write(f"{path}\n{report.to_text()}\n")
    indication = report.indication
    if indication == TOTAL_PASSED:
        return EXIT_VALID
    return EXIT_INDETERMINATE if indication == INDETERMINATE else EXIT_INVALID


def _evidence_pins(
    args: argparse.Namespace,
) -> tuple[SM2PublicKey | None, list[NoteVerifier], int] | None:
    """(log key, witness verifiers, quorum) when any pin is given, else None."""
    log_key = getattr(args, "log_key", None)
    witness_keys = getattr(args, "witness_key", None) or []
    quorum = getattr(args, "quorum", None)
    if log_key is None and not witness_keys and quorum is None:
        return None

    key: SM2PublicKey | None = None
    if log_key is not None:
        path = Path(log_key)
        key = (
            SM2PublicKey.from_pem(path.read_bytes())
            if path.is_file()
            else NoteVerifier.parse(log_key, KeyKind.LOG).key
        )
    witnesses = [NoteVerifier.parse(v, KeyKind.WITNESS) for v in witness_keys]
    return key, witnesses, len(witnesses) if quorum is None else quorum


def _verify_pinned_package(
    data: bytes,
    log_key: SM2PublicKey | None,
    witnesses: list[NoteVerifier],
    quorum: int,
    *,
    context: ValidationContext | None = None,
) -> Report:
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(
            "--log-key, --witness-key and --quorum apply to evidence packages; this file is not one"
        ) from exc
    return verify_package(
        obj, log_public_key=log_key, witness_keys=witnesses, quorum=quorum, context=context
    )


def _write_report(
    data: bytes, out: Path, pins: tuple[SM2PublicKey | None, list[NoteVerifier], int] | None
) -> None:
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError("--report is for evidence packages; this file is not one") from exc
    if not isinstance(obj, dict):
        raise FormatError("--report is for evidence packages; this file is not one")
    kw = (
        {}
        if pins is None
        else {"log_public_key": pins[0], "witness_keys": pins[1], "quorum": pins[2]}
    )
    out.write_bytes(package_report_pdf(obj, **kw))
