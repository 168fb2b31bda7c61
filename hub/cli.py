"""`sealhub` command line: serve, verify, demo, admin, vendor-server."""

from __future__ import annotations

import argparse
import os
import sys


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hub.settings import Settings
    from monitoring.multiproc import configure_environment

    settings = Settings.from_env()
    workers = args.workers or settings.server.workers
    # prometheus-client reads PROMETHEUS_MULTIPROC_DIR in each worker, at import time.
    configure_environment(os.environ, settings.metrics.multiprocess_dir, workers)
    uvicorn.run(
        "hub.asgi:app",
        host=args.host or settings.server.host,
        port=args.port or settings.server.port,
        workers=workers,
        log_level="info",
        access_log=False,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sealhub", description="SealHub electronic seal hub")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="run the hub (SQLite by default, DATABASE_URL for PostgreSQL)"
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(func=_serve)
    from hub.verification.cli import add_verify_command

    add_verify_command(sub)
    from adapters.http.cli import add_vendor_server_command

    add_vendor_server_command(sub)
    from hub.db import add_migrate_command

    add_migrate_command(sub)
    from hub.auth.cli import add_admin_command

    add_admin_command(sub)
    from hub.seals.cli import add_expire_command

    add_expire_command(sub)
    from hub.demo import add_demo_command

    add_demo_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
