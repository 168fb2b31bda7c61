"""`sealhub` command line: the entry point.

`sealhub serve` must set PROMETHEUS_MULTIPROC_DIR before anything imports
prometheus-client (importing `monitoring.metrics` creates its files in that directory),
and every other command's module imports most of the hub, metrics included. So this
module imports only what `serve` needs, and loads `hub.commands` (every command, `serve`
too for `--help`) by name for anything else: the one deliberately late import of the
project (tests/architecture/test_function_imports.py).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

import uvicorn

from hub.settings import Settings
from monitoring.multiproc import configure_environment


def _serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    workers = args.workers or settings.server.workers
    # prometheus-client reads PROMETHEUS_MULTIPROC_DIR in each worker, at import time.
    configure_environment(os.environ, settings.metrics.multiprocess_dir, workers)
    proxies = settings.security.trusted_proxies
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    portal = settings.portal.public_url or f"http://{host}:{port}/"
    # The first thing a person needs: where to open the portal (README "First steps").
    print(
        f"SealHub portal: {portal}  (verification: {portal.rstrip('/')}/verify, "
        f"API documentation: {portal.rstrip('/')}/schema)",
        flush=True,
    )
    uvicorn.run(
        "hub.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        # X-Forwarded-For names the client only when a trusted proxy sent it
        # (SEALHUB_TRUSTED_PROXIES; uvicorn would otherwise trust 127.0.0.1 by default,
        # letting anyone on the host pick the address the login brake counts).
        proxy_headers=bool(proxies),
        forwarded_allow_ips=",".join(proxies) if proxies else "",
    )
    return 0


def add_serve_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve", help="run the hub (SQLite by default, DATABASE_URL for PostgreSQL)"
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(func=_serve)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"] and not {"-h", "--help"} & set(args):
        parser = argparse.ArgumentParser(prog="sealhub")
        add_serve_command(parser.add_subparsers(dest="command", required=True))
        return _serve(parser.parse_args(args))
    return int(_commands().main(args))


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (loads every command's module)."""
    parser: argparse.ArgumentParser = _commands().build_parser()
    return parser


def _commands() -> Any:
    return importlib.import_module("hub.commands")


if __name__ == "__main__":
    sys.exit(main())
