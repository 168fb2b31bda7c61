"""The database: one engine per process, chosen by settings, bound to every table at runtime.

The package by concern: `engines` (which engine, binding tables), `sqlite` (the pooled
SQLite engine), `group` (the one group commit: the SQLite engine's autocommit writes and
the evidence log's appends), `statements` (precompiled SQL, writes that join another
transaction), `database` (the `Database` handle, open/close, the lifespan),
`migrations` (+ `cli`: `sealhub migrate`), `scratch` (throwaway PostgreSQL databases for
tests and benchmarks).

`DATABASE_URL` unset -> SQLite file; `postgres://...` -> PostgreSQL with an asyncpg pool.
Tables are declared without an engine; `open_database(settings)` binds every table of
every Piccolo app in `piccolo_conf.APP_REGISTRY` to the engine the settings name, so a
test can point the whole hub at a fresh SQLite file or PostgreSQL database regardless of
import order.

SQLite and concurrency: Piccolo's stock SQLite engine opens a new connection (and thread)
per query and starts transactions DEFERRED; a deferred transaction that reads and then
writes fails with "database is locked" as soon as another writer committed in between,
whatever the busy timeout. Here connections are pooled, every connection runs in WAL
mode with a busy timeout, and write transactions are `BEGIN IMMEDIATE` behind one
in-process writer lock (so writers of one process queue fairly in asyncio instead of
sleeping in SQLite's busy handler; the busy timeout covers writers in other processes).

Three things make it fast under concurrent load (bench/http_sign.py), because the cost of
a query here is not SQLite's (tens of microseconds) but the hop to the connection's thread
and back, which waits for a busy event loop:
- every statement is one hop (`execute_fetchall`), not three (execute, fetch, close);
- `Database.fetch`'s point reads take no hop at all (`PooledSQLiteEngine.read_here`);
- autocommit writes are group-committed: statements queued while the writer is busy run
  together in one hop and one `BEGIN IMMEDIATE ... COMMIT`, each keeping its own outcome
  (a UNIQUE violation backs out only its statement), and each caller resumes only after
  the COMMIT that made its write durable.
Between processes (`sealhub serve --workers N`), writers queue on an flock of
`<db>-write-lock` taken on the connection's thread before `BEGIN IMMEDIATE`: the kernel
wakes the next writer the moment the lock is free, where SQLite's busy handler would have
slept (up to 100 ms a retry) and made throughput fall as workers were added.
"""

from __future__ import annotations

from hub.db.cli import add_migrate_command
from hub.db.database import Database, close_database, open_database
from hub.db.engines import all_tables, bind_tables, is_unique_violation, make_engine
from hub.db.migrations import migrate
from hub.db.sqlite import PooledSQLiteEngine
from hub.db.statements import Statement, Write

__all__ = [
    "Database",
    "PooledSQLiteEngine",
    "Statement",
    "Write",
    "add_migrate_command",
    "all_tables",
    "bind_tables",
    "close_database",
    "is_unique_violation",
    "make_engine",
    "migrate",
    "open_database",
]
