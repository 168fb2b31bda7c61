"""The database layer on both engines: binding, migrations, transactions, readiness."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from hub.db import Database, PooledSQLiteEngine, open_database
from tenants.tables import Tenant


async def test_ready_checks_database(client, engine):
    r = await client.get("/health/ready")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok"}


async def test_tables_bound_to_session_engine(db: Database, engine: str):
    assert Tenant._meta.db is db.engine
    assert db.is_postgres == (engine == "postgres")
    if engine == "sqlite":
        assert isinstance(db.engine, PooledSQLiteEngine)
        mode = await db.engine.run_ddl("PRAGMA journal_mode")
        assert mode[0]["journal_mode"] == "wal"


async def test_migrations_are_idempotent(db: Database):
    await db.migrate()  # second run finds nothing to do and must not fail
    rows = await db.engine.run_ddl("SELECT app_name, name FROM migration")
    apps = {r["app_name"] for r in rows}
    assert {"hub", "tenants"} <= apps
    assert len(rows) == len({(r["app_name"], r["name"]) for r in rows})


def _tenant(slug: str) -> Tenant:
    return Tenant(
        slug=slug,
        name="t",
        region_code="110000",
        jwt_private_wrapped=b"x",
        jwt_public=b"x",
        data_key_wrapped=b"x",
    )


async def test_transaction_rolls_back_everything(db: Database):
    slug = "rb-" + uuid.uuid4().hex[:8]
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await Tenant.insert(_tenant(slug)).run()
            assert await Tenant.exists().where(Tenant.slug == slug).run()
            raise RuntimeError("boom")
    assert not await Tenant.exists().where(Tenant.slug == slug).run()


async def test_unique_violation_surfaces_and_leaves_no_row(db: Database):
    slug = "dup-" + uuid.uuid4().hex[:8]
    await Tenant.insert(_tenant(slug)).run()
    with pytest.raises(Exception) as info:
        async with db.transaction():
            await Tenant.insert(_tenant(slug)).run()
    assert "unique" in str(info.value).lower() or "duplicate" in str(info.value).lower()
    assert await Tenant.count().where(Tenant.slug == slug).run() == 1


async def test_reopen_same_sqlite_file_keeps_data(db: Database, settings, engine):
    if engine != "sqlite":
        pytest.skip("SQLite file reopening")
    slug = "keep-" + uuid.uuid4().hex[:8]
    await Tenant.insert(_tenant(slug)).run()
    second = await open_database(settings)  # a second process-like handle on the file
    try:
        sql = f"SELECT count(*) AS n FROM tenant WHERE slug = '{slug}'"
        rows = await second.engine.run_ddl(sql)
        assert rows == [{"n": 1}]
    finally:
        await second.close()
        from hub.db import bind_tables

        bind_tables(db.engine)  # point the tables back at the session database


def test_process_with_an_unclosed_engine_still_exits(tmp_path):
    """A pool left open (never closed) must not keep the interpreter alive: the whole
    suite once printed its result and then hung at exit on aiosqlite's worker threads."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        f"""
        import asyncio
        from hub.db import PooledSQLiteEngine

        async def main():
            engine = PooledSQLiteEngine({str(tmp_path / "open.db")!r})
            await engine.run_ddl("CREATE TABLE t (x INTEGER)")
            await engine.run_ddl("INSERT INTO t VALUES (1)")
            assert (await engine.run_ddl("SELECT x FROM t"))[0]["x"] == 1
            globals()["kept"] = engine  # never closed, still referenced at exit

        asyncio.run(main())
        print("done")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "done"


async def test_precompiled_statement_types_match_piccolo(db: Database):
    """Database.fetch (the signing path's statements) returns the row types a Piccolo
    select does, on both engines, inside and outside a transaction."""
    from datetime import UTC, datetime

    from hub.db import Statement
    from hub.signing.tables import SignatureRecord

    insert = Statement(
        "INSERT INTO signature_record (id, tenant_id, seal_id, account_id, idempotency_key,"
        " request_fingerprint, status, vendor, document_sm3, property_info, use_request_id,"
        " created_at) VALUES ({}, {}, {}, {}, {}, {}, 'pending', {}, {}, {}, {}, {})"
        " RETURNING id"
    )
    assert insert.postgres.endswith("$10, $11) RETURNING id") and "?" not in insert.postgres
    assert insert.sqlite.count("?") == 11
    rid = uuid.uuid4()
    args = (rid, uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "key-" + rid.hex, "f" * 64,
            "local", "d" * 64, "prop", None, datetime.now(UTC))  # fmt: skip
    assert await db.fetch(insert, *args) == [{"id": rid}]
    select = Statement("SELECT * FROM signature_record WHERE id = {}")
    mine = (await db.fetch(select, rid))[0]
    theirs = await SignatureRecord.select().where(SignatureRecord.id == rid).first()
    assert mine == theirs
    assert {k: type(v) for k, v in mine.items()} == {k: type(v) for k, v in theirs.items()}
    async with db.transaction():
        inside = (await db.fetch(select, rid))[0]
    assert inside == theirs


async def test_sqlite_run_write_commits_or_rolls_back_whole(db: Database, engine: str):
    """PooledSQLiteEngine.run_write (the evidence log's one-hop append on SQLite): one
    transaction, undone entirely when the work raises, and the write lock released."""
    if engine != "sqlite":
        pytest.skip("SQLite engine primitive")
    assert isinstance(db.engine, PooledSQLiteEngine)
    slug = "rw-" + uuid.uuid4().hex[:8]
    cols = "(id, slug, name, region_code, jwt_private_wrapped, jwt_public, data_key_wrapped)"

    def insert(conn, suffix: str) -> None:
        conn.execute(f"INSERT INTO tenant {cols} VALUES (?, ?, 't', '110000', ?, ?, ?)",
                     (str(uuid.uuid4()), slug + suffix, b"x", b"x", b"x"))  # fmt: skip

    def half_then_fail(conn) -> None:
        insert(conn, "-a")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await db.engine.run_write(half_then_fail)
    assert not await Tenant.exists().where(Tenant.slug == slug + "-a").run()

    def two(conn) -> int:
        insert(conn, "-b")
        insert(conn, "-c")
        return 2

    assert await db.engine.run_write(two) == 2  # the lock was released by the failure
    assert await Tenant.count().where(Tenant.slug.like(slug + "-%")).run() == 2


async def test_sqlite_point_reads_on_the_loop_thread_see_every_commit(db: Database, engine: str):
    """`PooledSQLiteEngine.read_here` (Database.fetch's reads): no snapshot outlives a
    statement, so a commit by any connection is seen by the next read; and the reader
    connection cannot write."""
    if engine != "sqlite":
        pytest.skip("SQLite engine primitive")
    from hub.db import Statement

    assert isinstance(db.engine, PooledSQLiteEngine)
    slug = "rh-" + uuid.uuid4().hex[:8]
    read = Statement("SELECT name FROM tenant WHERE slug = {}")
    assert await db.fetch(read, slug) == []
    for name in ("first", "second"):
        if name == "first":
            await Tenant.insert(Tenant(slug=slug, name=name, region_code="110000",
                                       jwt_private_wrapped=b"x", jwt_public=b"x",
                                       data_key_wrapped=b"x")).run()  # fmt: skip
        else:
            await Tenant.update({Tenant.name: name}).where(Tenant.slug == slug).run()
        assert await db.fetch(read, slug) == [{"name": name}]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.engine.read_here("DELETE FROM tenant WHERE slug = ?", [slug])
    assert await db.fetch(read, slug) == [{"name": "second"}]
