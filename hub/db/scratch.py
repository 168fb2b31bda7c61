"""Scratch PostgreSQL databases next to a given one, for tests and benchmarks: created
with a unique name, dropped afterwards (tests/conftest.py, tests/evidence,
tests/evidence_crash, tests/replicas, bench/common.py)."""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` on the same server."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


async def create_database(base_url: str, prefix: str = "sealhub_t") -> str:
    """Create a uniquely named database on the server of `base_url`; return its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(base_url, name)


async def drop_database(base_url: str, url: str) -> None:
    """Drop the database `url` names (connections to it are closed by force)."""
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
