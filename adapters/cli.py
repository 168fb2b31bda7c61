"""`sealhub vendor-server` (the reference vendor as its own process) and
`sealhub vendor-conformance` (the conformance suite against any vendor API endpoint,
for vendors who implement the API in another language)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import httpx

from adapters.csc import CscVendor
from adapters.http.client import HttpVendor
from adapters.http.server import Knobs, serve
from adapters.protocol import SealVendor
from adapters.testing import run_conformance


def _probability(value: str) -> float:
    p = float(value)
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return p


def add_vendor_server_command(sub: Any) -> None:
    cmd = sub.add_parser(
        "vendor-server",
        help="run a reference seal vendor (vendor HTTP API + CSC API v2) with fault knobs",
    )
    cmd.add_argument("--name", required=True, help="vendor name (also its seals' vid)")
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    cmd.add_argument("--latency-ms", type=float, default=0.0, help="added to every call")
    cmd.add_argument("--error-rate", type=_probability, default=0.0, help="share of 503s")
    cmd.add_argument(
        "--garbage-rate",
        type=_probability,
        default=0.0,
        help="share of answers with a bad signature or malformed DER",
    )
    cmd.add_argument(
        "--garbage-ops",
        default="seal,sign",
        help="answers that may be garbage: seal, sign (comma-separated)",
    )
    cmd.add_argument("--data-dir", help="keep keys (SM4-sealed) here; default: in memory")
    cmd.add_argument("--token", help="require this bearer token")
    cmd.add_argument(
        "--control", action="store_true", help="enable PUT /_control/knobs (tests, demo)"
    )
    cmd.set_defaults(func=_run)

    check = sub.add_parser(
        "vendor-conformance",
        help="run the SealHub conformance suite against a vendor API endpoint",
    )
    check.add_argument("--url", required=True, help="vendor API base URL")
    check.add_argument("--kind", choices=("http", "csc"), default="http")
    check.add_argument("--name", default="vendor-under-test")
    check.add_argument("--token", help="bearer token the vendor expects")
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=_conformance)


def _run(args: argparse.Namespace) -> int:
    return serve(
        name=args.name,
        host=args.host,
        port=args.port,
        knobs=Knobs(args.latency_ms, args.error_rate, args.garbage_rate, args.garbage_ops),
        data_dir=args.data_dir,
        token=args.token,
        control=args.control,
    )


def _conformance(args: argparse.Namespace) -> int:
    """Exit 0 if every check passed, 1 otherwise (the report says which failed)."""

    async def run() -> int:
        async with httpx.AsyncClient() as client:
            vendor: SealVendor
            if args.kind == "csc":
                vendor = CscVendor(args.name, args.url, client, token=args.token,
                                   timeout=args.timeout)  # fmt: skip
            else:
                vendor = HttpVendor(args.name, args.url, client, token=args.token,
                                    timeout=args.timeout)  # fmt: skip
            report = await run_conformance(vendor, step_timeout=3 * args.timeout)
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json
              else report.summary())  # fmt: skip
        return 0 if report.passed else 1

    return asyncio.run(run())
