"""Migrations: every app's pending Piccolo migrations, one process at a time (an
advisory lock on PostgreSQL, an flock next to the SQLite file)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import logging
import os
from typing import TYPE_CHECKING, TypeVar

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.postgres import PostgresEngine

from hub.db.engines import bind_tables

if TYPE_CHECKING:
    from hub.db.database import Database

log = logging.getLogger("sealhub.db")
T = TypeVar("T")

# A PostgreSQL advisory lock key shared by every replica: only one runs migrations at a time.
_MIGRATION_LOCK_KEY = 0x5EA1_4B0B


async def migrate(db: Database) -> None:
    """Apply pending migrations of every app in the registry (idempotent, replica-safe)."""
    bind_tables(db.engine)
    if isinstance(db.engine, PostgresEngine):
        async with db.engine.transaction():
            # Transaction-scoped advisory lock: other replicas wait here, then find
            # nothing left to run.
            await db.engine.run_ddl(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
            await _run_forwards_quietly()
    else:
        lock_path = db.settings.sqlite_path + "-migrate-lock"  # matches .gitignore sealhub.db-*
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            await _run_forwards_quietly()
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


async def _run_forwards_quietly() -> None:
    # Piccolo's migration runner prints progress to stdout; `sealhub demo --json` owns
    # stdout, so it goes to the log instead.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = await run_forwards(app_name="all")
    for line in out.getvalue().splitlines():
        if line.strip():
            log.debug("migrate: %s", line.strip())
    if not result.success:
        raise RuntimeError(f"database migration failed: {result.message}")
