"""Every `sealhub` command but the bare `serve` path: verify, demo, admin, vendor-server,
expire-seals... (`hub.cli` is the entry point and loads this module.)

Each area adds its own subcommand; `expire-seals` is here because it composes the seal
service with the evidence log it records into (seals do not import the log).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime

from adapters.cli import add_vendor_server_command
from hub.cli import add_serve_command
from hub.db import add_migrate_command, open_database
from hub.demo import add_demo_command
from hub.evidence.service import EvidenceLog
from hub.evidence.witness_cli import add_witness_command
from hub.seals.expiry import ExpiryScheduler
from hub.seals.services import SealService
from hub.settings import Settings
from hub.trust.cli import add_trust_command
from hub.vendors.directory import VendorDirectory
from hub.verification.cli import add_verify_command
from tenants.cli import add_admin_command

# `sealhub expire-seals`: run one pass of the expiry job now, from the command line, on the
# database and evidence log of the settings (as a replica would: the same lease). `--as-of`
# runs the pass as of another moment (a rehearsal of what a later run will do, as the demo
# shows). Seal status changes are real: only use it on a rehearsal database.


async def _expire(as_of: datetime | None) -> dict[str, object]:
    settings = Settings.from_env()
    db = await open_database(settings)
    log = await EvidenceLog.open(
        db, origin=settings.server.origin, master_key=settings.security.master_key
    )
    try:
        scheduler = ExpiryScheduler(
            SealService(db, VendorDirectory(), events=log), interval_seconds=60, holder="cli"
        )
        done = await scheduler.tick(as_of)
        await scheduler.lease.release()
    finally:
        await log.close()
        await db.close()
    if done is None:
        return {"ran": False, "reason": "another replica holds the expiry lease"}
    return {"ran": True, "expired": done.expired, "notices": done.notices}


def _expire_command(args: argparse.Namespace) -> int:
    as_of = datetime.fromisoformat(args.as_of).astimezone(UTC) if args.as_of else None
    print(json.dumps(asyncio.run(_expire(as_of))))
    return 0


def add_expire_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("expire-seals", help="run the seal expiry job once, now")
    cmd.add_argument("--as-of", help="ISO 8601 time to run the pass as of (rehearsal)")
    cmd.set_defaults(func=_expire_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sealhub", description="SealHub electronic seal hub")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve_command(sub)
    add_verify_command(sub)
    add_trust_command(sub)
    add_vendor_server_command(sub)
    add_migrate_command(sub)
    add_admin_command(sub)
    add_witness_command(sub)
    add_expire_command(sub)
    add_demo_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)
