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
    from hub.trust.cli import add_trust_command

    add_trust_command(sub)
    from adapters.cli import add_vendor_server_command

    add_vendor_server_command(sub)
    from hub.db import add_migrate_command

    add_migrate_command(sub)
    from tenants.cli import add_admin_command

    add_admin_command(sub)
    from hub.evidence.witness_cli import add_witness_command

    add_witness_command(sub)
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
