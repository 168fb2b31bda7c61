"""`sealhub verify PATH [--json]`: exit 0 valid, 1 invalid, 2 unreadable or unsupported."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hub.errors import SealHubError

EXIT_VALID, EXIT_INVALID, EXIT_UNSUPPORTED = 0, 1, 2


def add_verify_command(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser(
        "verify",
        help="verify a seal (.esl/.der), a signature (SignedValue.dat/.sig), an .ofd "
        "or an evidence package, offline",
    )
    verify.add_argument("path", help="file to verify")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
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
        report = verify_document(data, limits=Settings.from_env().limits)
    except SealHubError as exc:
        reason = " ".join(exc.detail.split())
        print(f"sealhub verify: {path}: {reason}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    if args.json:
        out = report.to_dict()
        out["file"] = str(path)
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"{path}")
        print(report.to_text())
    return EXIT_VALID if report.valid else EXIT_INVALID
