"""`sealhub migrate`: apply pending migrations (the helm chart's pre-upgrade Job)."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.db.database import open_database
from hub.settings import Settings


def _migrate_command(args: Any) -> int:
    """`sealhub migrate`: apply pending migrations (the helm chart's pre-upgrade Job)."""

    async def run() -> None:
        db = await open_database(Settings.from_env(), migrate_now=True)
        await db.close()

    asyncio.run(run())
    print("migrations applied")
    return 0


def add_migrate_command(sub: Any) -> None:
    cmd = sub.add_parser("migrate", help="apply pending database migrations (DATABASE_URL)")
    cmd.set_defaults(func=_migrate_command)
