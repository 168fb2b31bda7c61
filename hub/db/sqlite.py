"""The pooled SQLite engine: WAL connections, one hop per statement, group-committed
autocommit writes, and an flock between worker processes (why: see `hub.db`)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from hub.db.group import GroupCommit

T = TypeVar("T")


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
                    await self.rollback()  # type: ignore[no-untyped-call]  # untyped in Piccolo
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]  # untyped in Piccolo
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
            await super().begin()  # type: ignore[no-untyped-call]  # untyped in Piccolo
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
        "_idle", "_lock", "_lock_fd", "_open", "_readers", "_writes", "busy_timeout_ms",
        "pool_size",
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
        self._writes: GroupCommit[tuple[str, list[Any]], Any] = GroupCommit(
            self._commit_writes, max_group=self.MAX_GROUP, gate=lambda: self.writer_lock
        )
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
        # 100 ms per retry). The group is taken under the writer lock: writes queued
        # while it was busy join it.
        return await self._writes.submit((query, args or []))

    async def _commit_writes(self, group: list[tuple[str, list[Any]]]) -> list[Any]:
        return await self._on_thread(_group_commit, group)

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
            result: T = await conn._execute(fn, conn._conn, self, *args)
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
