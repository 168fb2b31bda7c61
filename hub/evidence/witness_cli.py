"""`sealhub witness serve|key`: run a tlog witness (hub.evidence.witness) of one's own."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from hub.errors import SealHubError
from hub.evidence.note import KeyKind, NoteSigner
from hub.evidence.witness import build_witness, create_witness_app, load_or_create_key


def add_witness_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    witness = sub.add_parser("witness", help="run a transparency-log witness (C2SP tlog-witness)")
    wsub = witness.add_subparsers(dest="witness_command", required=True)
    serve = wsub.add_parser("serve", help="serve add-checkpoint, cosign consistent checkpoints")
    _common(serve)
    serve.add_argument(
        "--state-file", required=True, help="JSON file with the latest cosigned checkpoint per log"
    )
    serve.add_argument(
        "--log-key",
        action="append",
        default=[],
        required=True,
        help="a log to witness: verifier key <origin>+<key id>+<base64 SPKI> "
        "(GET /api/v1/evidence/log/note-key on the hub); repeatable",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.set_defaults(func=_serve)
    key = wsub.add_parser("key", help="print the witness's verifier key (creating the key)")
    _common(key)
    key.set_defaults(func=_key)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--name",
        required=True,
        help="the witness's key name, a schema-less URL (witness.example/w1)",
    )
    parser.add_argument(
        "--key-file",
        required=True,
        help="PEM SM2 private key of the witness (created 0600 if missing)",
    )


def _key(args: argparse.Namespace) -> int:
    signer = NoteSigner(args.name, KeyKind.WITNESS, load_or_create_key(args.key_file))
    print(signer.verifier.vkey)
    return 0


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        witness = build_witness(args.name, args.key_file, args.state_file, args.log_key)
    except SealHubError as exc:
        print(f"sealhub witness: {exc.detail}", file=sys.stderr)
        return 2
    print(f"witness {args.name} key {witness.signer.verifier.vkey}", file=sys.stderr, flush=True)
    uvicorn.run(
        create_witness_app(witness),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )
    return 0
