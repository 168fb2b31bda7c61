"""The database: one engine per process, chosen by settings, bound to every table at runtime.

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

import asyncio
import contextlib
import fcntl
import io
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from hub.settings import DatabaseSettings, Settings

log = logging.getLogger("sealhub.db")
T = TypeVar("T")

# A PostgreSQL advisory lock key shared by every replica: only one runs migrations at a time.
_MIGRATION_LOCK_KEY = 0x5EA1_4B0B


# --------------------------------------------------------------------------- SQLite engine


class _PooledSQLiteTransaction(SQLiteTransaction):
    """A Piccolo SQLite transaction that borrows a pooled connection instead of opening one."""

    engine: PooledSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        writes = self.transaction_type is not TransactionType.deferred
        if writes:
            await self.engine.writer_lock.acquire()
            self._locked_file = False
        try:
            self.connection = await self.engine.acquire()
            try:
                await self.begin()
            except BaseException:
                await self.engine.release(self.connection, broken=True)
                raise
        except BaseException:
            if writes:
                self.engine.writer_lock.release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        broken = False
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            broken = True
            with contextlib.suppress(Exception):
                await self.connection.execute("ROLLBACK")
            raise
        finally:
            await self.engine.release(self.connection, broken=broken)
            self.engine.current_transaction.reset(self.context)
            if self.transaction_type is not TransactionType.deferred:
                if self._locked_file:
                    self.engine.unlock_file()
                self.engine.writer_lock.release()
        return exception is None

    async def begin(self) -> None:
        if self.transaction_type is TransactionType.deferred:
            await super().begin()
            return
        sql = f"BEGIN {self.transaction_type.value}"
        await self.connection._execute(_begin_write, self.connection._conn, self.engine, sql)
        self._locked_file = True


async def _use_wal(conn: aiosqlite.Connection, attempts: int = 50) -> None:
    """WAL mode is a property of the file, set once by its first connection. Connections
    opening a fresh file together (the workers of a first `sealhub serve`) race to set
    it, and the switch can fail with "database is locked" without waiting for the busy
    timeout: retry briefly, and skip the switch once the file is in WAL mode."""
    for attempt in range(attempts):
        try:
            rows: list[Any] = list(await conn.execute_fetchall("PRAGMA journal_mode"))
            if rows and str(rows[0]["journal_mode"]).lower() == "wal":
                return
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            await asyncio.sleep(0.005 * (attempt + 1))


# Read the database file through a memory map: every commit (by any connection) empties
# each connection's page cache, and re-reading pages by mmap instead of read() calls cut
# ~6% of the CPU per signing with two workers (bench/http_sign.py).
_MMAP = f"PRAGMA mmap_size = {256 << 20}"


@dataclass(frozen=True)
class _QueuedWrite:
    query: str
    args: list[Any]
    future: asyncio.Future[Any]


def _begin_write(conn: sqlite3.Connection, engine: PooledSQLiteEngine, sql: str) -> None:
    """On the connection's thread: the cross-process write lock, then BEGIN IMMEDIATE."""
    engine.lock_file()
    try:
        conn.execute(sql)
    except BaseException:
        engine.unlock_file()
        raise


def _in_write_transaction(
    conn: sqlite3.Connection, engine: PooledSQLiteEngine, work: Callable[[sqlite3.Connection], T]
) -> T:
    engine.lock_file()
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result
    finally:
        engine.unlock_file()


def _group_commit(
    conn: sqlite3.Connection, engine: PooledSQLiteEngine, statements: list[tuple[str, list[Any]]]
) -> list[Any]:
    """On the connection's thread: run `statements` in one write transaction. Returns
    each statement's rows, or the sqlite3 error that undid it.

    No savepoint per statement: a statement that fails a constraint (SQLite's default
    ABORT) backs out only its own changes and leaves the transaction open. An error that
    ends the whole transaction (I/O error, disk full) undid every statement, so it fails
    the group."""
    if len(statements) == 1:  # nothing to group: plain autocommit
        query, args = statements[0]
        engine.lock_file()
        try:
            return [conn.execute(query, args).fetchall()]
        except sqlite3.Error as exc:
            return [exc]
        finally:
            engine.unlock_file()

    def each_on_its_own(conn: sqlite3.Connection) -> list[Any]:
        outcomes: list[Any] = []
        for query, args in statements:
            try:
                outcomes.append(conn.execute(query, args).fetchall())
            except sqlite3.Error as exc:
                if not conn.in_transaction:
                    raise
                outcomes.append(exc)
        return outcomes

    return _in_write_transaction(conn, engine, each_on_its_own)


class PooledSQLiteEngine(SQLiteEngine):
    """SQLiteEngine with a small connection pool, WAL, busy timeout and a writer lock."""

    __slots__ = (
        "_flusher", "_idle", "_lock", "_lock_fd", "_open", "_readers", "_writes",
        "busy_timeout_ms", "pool_size",
    )  # fmt: skip

    #: Most statements one group commit carries (bounds one hop's time on the writer).
    MAX_GROUP = 256

    def __init__(self, path: str, *, busy_timeout_ms: int = 10_000, pool_size: int = 64) -> None:
        super().__init__(path=path, timeout=busy_timeout_ms / 1000)
        self.busy_timeout_ms = busy_timeout_ms
        self.pool_size = pool_size
        self._idle: list[aiosqlite.Connection] = []
        self._open = 0
        self._lock: asyncio.Lock | None = None
        self._writes: list[_QueuedWrite] = []
        self._flusher: asyncio.Task[None] | None = None
        self._lock_fd: int | None = None
        self._readers: dict[int, sqlite3.Connection] = {}

    def lock_file(self) -> None:
        """Block (on a connection's thread) until this process may write."""
        if self._lock_fd is None:
            self._lock_fd = os.open(self.path + "-write-lock", os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)

    def unlock_file(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    @property
    def writer_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _connect(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        # aiosqlite's worker thread is not a daemon, so one connection never closed (a
        # pool whose event loop is gone, a test's engine) kept the interpreter from
        # exiting: `make test` printed its result and then hung. Between statements a
        # pooled connection holds no uncommitted work, so exit may simply end it.
        pending._thread.daemon = True
        conn = await pending
        conn.row_factory = dict_factory  # type: ignore[assignment]
        await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        await _use_wal(conn)
        # NORMAL is durable across process crashes in WAL mode (only an OS crash can lose
        # the last commits); FULL would fsync on every commit.
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute(_MMAP)
        await conn.execute("PRAGMA foreign_keys = 1")
        return conn

    def read_here(self, query: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        """A point read on the calling (event loop) thread.

        A WAL reader takes no lock and waits for no writer, and an indexed read of a hot
        row costs tens of microseconds: less than the hop to a connection's thread and
        back (two thread switches, a GIL handoff, a loop wakeup). Only for short reads
        by key (`Database.fetch` statements), never scans."""
        conn = self._readers.get(threading.get_ident())
        if conn is None:
            conn = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
            conn.row_factory = dict_factory
            conn.execute("PRAGMA busy_timeout = 1000")
            conn.execute("PRAGMA query_only = 1")
            conn.execute(_MMAP)
            self._readers[threading.get_ident()] = conn
        return conn.execute(query, args).fetchall()

    async def get_connection(self) -> aiosqlite.Connection:  # used by Piccolo's batch()
        return await self._connect()

    async def acquire(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        self._open += 1
        try:
            return await self._connect()
        except BaseException:
            self._open -= 1
            raise

    async def release(self, conn: aiosqlite.Connection, *, broken: bool = False) -> None:
        if broken or len(self._idle) >= self.pool_size:
            self._open -= 1
            with contextlib.suppress(Exception):
                await conn.close()
            return
        self._idle.append(conn)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            self._open -= 1
            with contextlib.suppress(Exception):
                await conn.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        readers, self._readers = self._readers, {}
        for reader in readers.values():
            reader.close()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        if query.lstrip()[:6].upper() in ("SELECT", "PRAGMA"):
            return await self._execute_pooled(query, args)
        # An autocommit write joins the next group commit instead of taking the write lock
        # alone (and instead of spinning in SQLite's busy handler, which sleeps up to
        # 100 ms per retry).
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._writes.append(_QueuedWrite(query, args or [], future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_writes())
        return await future

    async def _flush_writes(self) -> None:
        while self._writes:
            async with self.writer_lock:
                # Taken under the lock: writes queued while it was busy join this group.
                group = self._writes[: self.MAX_GROUP]
                del self._writes[: self.MAX_GROUP]
                failure: BaseException | None = None
                try:
                    outcomes = await self._on_thread(
                        _group_commit, [(w.query, w.args) for w in group]
                    )
                except BaseException as exc:
                    failure = exc
                    outcomes = [exc] * len(group)
            for write, outcome in zip(group, outcomes, strict=True):
                if write.future.done():  # its caller was cancelled; the write stands
                    continue
                if isinstance(outcome, BaseException):
                    write.future.set_exception(outcome)
                else:
                    write.future.set_result(outcome)
            if isinstance(failure, asyncio.CancelledError):
                raise failure  # the loop is shutting down: its waiters have heard

    async def run_write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(connection)` on a pooled connection's thread inside one write
        transaction (this process's writer lock, the cross-process flock, `BEGIN
        IMMEDIATE` ... `COMMIT`, or ROLLBACK if it raises), in a single hop.

        For a writer that would otherwise hold the write lock across several round trips
        to a busy event loop (the evidence log's append batch: read the tree size and
        frontier, then insert), stalling every other writer of every process meanwhile.
        """
        async with self.writer_lock:
            return await self._on_thread(_in_write_transaction, work)

    async def _on_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(connection, self, *args)` on a pooled connection's thread, in one hop (the
        caller holds the writer lock). A connection whose call failed is not reused."""
        conn = await self.acquire()
        broken = True
        try:
            # aiosqlite has no public "run this function on the connection's thread";
            # `_execute` is that (tests/db covers it on every run).
            result = await conn._execute(fn, conn._conn, self, *args)
            broken = False
            return result
        finally:
            await self.release(conn, broken=broken)

    async def _execute_pooled(self, query: str, args: list[Any] | None) -> Any:
        conn = await self.acquire()
        broken = False
        try:
            return await conn.execute_fetchall(query, args or [])
        except sqlite3.Error:
            # Autocommit statements leave no transaction open; if one did, drop the
            # connection rather than hand a half-open transaction to the next caller.
            broken = conn.in_transaction
            raise
        finally:
            await self.release(conn, broken=broken)

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        # Piccolo re-sends "PRAGMA foreign_keys = 1" before every statement in a
        # transaction (a thread round trip each); pooled connections set it once.
        return await connection.execute_fetchall(query, args or [])

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return _PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


# --------------------------------------------------------------------------- engines


def make_engine(db: DatabaseSettings) -> Engine[Any]:
    """Build (not connect) the engine the settings name."""
    if db.is_postgres:
        return PostgresEngine(config={"dsn": db.url}, extensions=())
    if not db.url.startswith("sqlite:///"):
        raise ValueError(f"DATABASE_URL must be postgres://... or sqlite:///PATH, got {db.url!r}")
    return PooledSQLiteEngine(db.sqlite_path, busy_timeout_ms=db.sqlite_busy_timeout_ms)


def all_tables() -> list[type[Table]]:
    """Every table of every app in piccolo_conf's AppRegistry, plus Piccolo's migration table."""
    import piccolo_conf

    tables: list[type[Table]] = [Migration]
    for app_config in piccolo_conf.APP_REGISTRY.app_configs.values():
        tables.extend(app_config.table_classes)
    return tables


def bind_tables(engine: Engine[Any]) -> None:
    """Point every table (and Piccolo's migration machinery) at `engine`."""
    import piccolo_conf

    piccolo_conf.DB = engine  # engine_finder(), used by migrations, reads this attribute
    for table in all_tables():
        table._meta.db = engine


def is_unique_violation(exc: BaseException) -> bool:
    """True if `exc` (from either driver) is a UNIQUE constraint violation."""
    try:
        import asyncpg

        if isinstance(exc, asyncpg.UniqueViolationError):
            return True
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        pass
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc)


# --------------------------------------------------------------------------- Database


class Statement:
    """One SQL statement, written once with `{}` for each parameter (as `Table.raw`) and
    compiled up front for both dialects (`$1, $2, ...` and `?`).

    For the few statements every signing runs (`Database.fetch`): Piccolo builds each
    query anew (QueryString, per-argument conversion), which on that path cost more CPU
    than the statement itself (bench/http_sign.py).
    """

    __slots__ = ("is_read", "postgres", "sqlite")

    def __init__(self, sql: str) -> None:
        parts = sql.split("{}")
        self.sqlite = "?".join(parts)
        self.postgres = parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], 1))
        self.is_read = sql.lstrip()[:6].upper() == "SELECT"


@dataclass(frozen=True)
class Write:
    """A statement queued to run inside someone else's write transaction (an evidence
    append batch): it commits, or rolls back, with that transaction, and its rows go back
    to whoever queued it. Keep it to a conditional single-row statement: a write that
    fails fails the whole transaction it joined."""

    statement: Statement
    args: tuple[Any, ...]
    #: The value the statement's `RETURNING` gives back (first column) when it matched.
    #: On PostgreSQL a batch's keyed writes run first, pipelined per statement (one round
    #: trip each), then the others in order; a keyed write's rows then say only whether
    #: it matched: `[{"key": key}]` or `[]`.
    key: Any = None

    def run_sqlite(self, conn: sqlite3.Connection) -> list[dict[str, Any]]:
        return [dict(row) for row in conn.execute(self.statement.sqlite, self.args).fetchall()]


@dataclass
class Database:
    """The open database of this process. Get it from `app.state.db` or `open_database`."""

    engine: Engine[Any]
    settings: DatabaseSettings

    @property
    def is_postgres(self) -> bool:
        return self.settings.is_postgres

    @property
    def is_sqlite(self) -> bool:
        return not self.settings.is_postgres

    def transaction(self) -> Any:
        """An async context manager for a write transaction.

        SQLite: `BEGIN IMMEDIATE` (takes the write lock up front, so a read-then-write
        never fails with "database is locked"). PostgreSQL: READ COMMITTED; use
        `SELECT ... FOR UPDATE` or conditional updates where a read decides a write.
        Nested calls join the outer transaction.
        """
        if isinstance(self.engine, SQLiteEngine):
            return self.engine.transaction(transaction_type=TransactionType.immediate)
        return self.engine.transaction()

    def read_transaction(self) -> Any:
        """A consistent snapshot for several reads (DEFERRED on SQLite, no writer lock)."""
        if isinstance(self.engine, SQLiteEngine):
            return self.engine.transaction(transaction_type=TransactionType.deferred)
        return self.engine.transaction()

    async def fetch(self, statement: Statement, *args: Any) -> list[dict[str, Any]]:
        """Run a precompiled statement (on the current transaction's connection, if any)
        and return its rows as dicts, typed as Piccolo would type them."""
        transaction = self.engine.current_transaction.get()
        if isinstance(self.engine, PostgresEngine):
            if transaction is not None:
                rows = await transaction.connection.fetch(statement.postgres, *args)
            else:
                pool = self.engine.pool
                assert pool is not None, "database not open"
                async with pool.acquire() as conn:
                    rows = await conn.fetch(statement.postgres, *args)
            return [dict(r) for r in rows]
        # Piccolo registers sqlite3 adapters for UUID, datetime, ... so values pass as is.
        assert isinstance(self.engine, PooledSQLiteEngine)
        if transaction is not None:
            return list(await self.engine._run_in_existing_connection(
                transaction.connection, statement.sqlite, list(args)))  # fmt: skip
        if statement.is_read:
            return self.engine.read_here(statement.sqlite, args)
        return list(await self.engine._run_in_new_connection(statement.sqlite, list(args)))

    async def run_writes(self, writes: Sequence[Write]) -> list[list[dict[str, Any]]]:
        """The writes in one transaction (the current one, if any); each one's rows."""
        async with self.transaction():
            return [await self.fetch(w.statement, *w.args) for w in writes]

    async def ping(self) -> None:
        """Raise if the database does not answer (used by /health/ready)."""
        await self.engine.run_ddl("SELECT 1")

    async def migrate(self) -> None:
        """Run every app's pending Piccolo migrations, one process at a time."""
        await migrate(self)

    async def close(self) -> None:
        await close_database(self)


async def open_database(
    settings: Settings | DatabaseSettings, *, migrate_now: bool | None = None
) -> Database:
    """Build the engine from settings, bind every table to it, start the pool, migrate.

    `migrate_now` defaults to `settings.migrate_on_start`.
    """
    db_settings = settings.database if isinstance(settings, Settings) else settings
    engine = make_engine(db_settings)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(
            min_size=db_settings.pool_min_size,
            max_size=db_settings.pool_max_size,
            reset=_keep_session,
        )
    else:
        parent = Path(db_settings.sqlite_path).parent
        parent.mkdir(parents=True, exist_ok=True)
    bind_tables(engine)
    db = Database(engine=engine, settings=db_settings)
    try:
        if db_settings.migrate_on_start if migrate_now is None else migrate_now:
            await migrate(db)
    except BaseException:
        await close_database(db)
        raise
    return db


async def _keep_session(connection: Any) -> None:
    """asyncpg pool `reset`: nothing beyond asyncpg's own rollback of an open transaction.

    The default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release, and Piccolo releases after every statement outside a transaction:
    one extra round trip per statement (measured: 2,900 of them in a 3 s signing load).
    The hub leaves no session state to reset: advisory locks are transaction-scoped
    (`pg_advisory_xact_lock`), and it never LISTENs, SETs or DECLAREs outside a transaction.
    """


async def close_database(db: Database) -> None:
    engine = db.engine
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close()


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


@contextlib.asynccontextmanager
async def database_lifespan(app: Any) -> AsyncIterator[None]:
    """Litestar lifespan: open the database from `app.state.settings` into `app.state.db`."""
    db = await open_database(app.state.settings)
    app.state.db = db
    try:
        yield
    finally:
        await close_database(db)


def _migrate_command(args: Any) -> int:
    """`sealhub migrate`: apply pending migrations (the helm chart's pre-upgrade Job)."""
    from hub.settings import Settings

    async def run() -> None:
        db = await open_database(Settings.from_env(), migrate_now=True)
        await db.close()

    asyncio.run(run())
    print("migrations applied")
    return 0


def add_migrate_command(sub: Any) -> None:
    cmd = sub.add_parser("migrate", help="apply pending database migrations (DATABASE_URL)")
    cmd.set_defaults(func=_migrate_command)


def get_db(app: Any) -> Database:
    db = getattr(app.state, "db", None)
    if db is None:
        raise RuntimeError("database not open (is the app's lifespan running?)")
    return db


__all__ = [
    "Database",
    "PooledSQLiteEngine",
    "add_migrate_command",
    "all_tables",
    "bind_tables",
    "close_database",
    "database_lifespan",
    "get_db",
    "is_unique_violation",
    "make_engine",
    "migrate",
    "open_database",
]
