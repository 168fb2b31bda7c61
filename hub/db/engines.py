"""Which engine the settings name, and binding every Piccolo table to it."""

from __future__ import annotations

import sqlite3
from typing import Any, TypeVar

import asyncpg
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import Finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from hub.db.sqlite import PooledSQLiteEngine
from hub.settings import DatabaseSettings

T = TypeVar("T")


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
    tables: list[type[Table]] = [Migration]
    # Found as Piccolo's migration runner finds it (piccolo_conf imports hub.db, so hub.db
    # must not import it): the tables bound are those whose migrations run.
    for app_config in Finder().get_app_registry().app_configs.values():
        tables.extend(app_config.table_classes)
    return tables


def bind_tables(engine: Engine[Any]) -> None:
    """Point every table (and Piccolo's migration machinery) at `engine`."""
    conf = Finder().get_piccolo_conf_module()
    if conf is None:
        raise RuntimeError("no piccolo_conf module (PICCOLO_CONF names another?)")
    conf.DB = engine  # engine_finder(), used by migrations, reads this attribute
    for table in all_tables():
        table._meta.db = engine


def is_unique_violation(exc: BaseException) -> bool:
    """True if `exc` (from either driver) is a UNIQUE constraint violation."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc)
