"""`sealhub expire-seals`: run one pass of the expiry job now, from the command line, on
the database and evidence log of the settings (as a replica would: the same lease).

`--as-of` runs the pass as of another moment (a rehearsal of what a later run will do, as
the demo shows). Seal status changes are real: only use it on a rehearsal database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime


async def _expire(as_of: datetime | None) -> dict[str, object]:
    from hub.db import open_database
    from hub.evidence.service import EvidenceLog
    from hub.seals.expiry import ExpiryScheduler
    from hub.seals.services import SealService
    from hub.settings import Settings
    from hub.vendors.directory import VendorDirectory

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


def _run(args: argparse.Namespace) -> int:
    as_of = datetime.fromisoformat(args.as_of).astimezone(UTC) if args.as_of else None
    print(json.dumps(asyncio.run(_expire(as_of))))
    return 0


def add_expire_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("expire-seals", help="run the seal expiry job once, now")
    cmd.add_argument("--as-of", help="ISO 8601 time to run the pass as of (rehearsal)")
    cmd.set_defaults(func=_run)
