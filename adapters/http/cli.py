"""`sealhub vendor-server`: run the reference vendor as its own process."""

from __future__ import annotations

import argparse
from typing import Any


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


def _run(args: argparse.Namespace) -> int:
    from adapters.http.server import Knobs, serve

    return serve(
        name=args.name,
        host=args.host,
        port=args.port,
        knobs=Knobs(args.latency_ms, args.error_rate, args.garbage_rate, args.garbage_ops),
        data_dir=args.data_dir,
        token=args.token,
        control=args.control,
    )
