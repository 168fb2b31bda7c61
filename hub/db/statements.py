"""Precompiled statements for the hot paths, and writes queued into another
transaction (the evidence log's append batch)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


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
