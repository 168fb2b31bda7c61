"""Fixtures for the evidence tests; helpers live in evidence_support.py."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest
from evidence_support import Signing, sign_with_log

from hub.db import Database, bind_tables, open_database
from hub.db.scratch import create_database, drop_database
from hub.evidence.tables import EvidenceEntry
from hub.settings import DatabaseSettings


@pytest.fixture(scope="module")
def approved_signing() -> Signing:
    return sign_with_log(approved=True)


@pytest.fixture(scope="module")
def plain_signing() -> Signing:
    return sign_with_log(approved=False)


@pytest.fixture(scope="session")
def openssl_cli():
    import shutil
    import subprocess

    exe = shutil.which("openssl")
    if exe is None:
        pytest.fail("the openssl CLI is required")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], capture_output=True, text=True, timeout=30, check=False)

    return run


# --- a database of our own for the service tests ------------------------------------------
# Not tests/conftest.py's `db`: that one needs the whole app to start, and the evidence log
# only needs its tables. hub.db binds tables globally, so the previous binding is put back
# afterwards for whatever test runs next.

POSTGRES_URL = os.environ.get("SEALHUB_TEST_POSTGRES_URL", "")


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgres",
            id="postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not POSTGRES_URL, reason="SEALHUB_TEST_POSTGRES_URL not set"),
            ],
        ),
    ],
)
async def evidence_db(request, tmp_path_factory) -> AsyncIterator[Database]:
    previous = EvidenceEntry._meta.db
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('evidence') / 'evidence.db'}"
    else:
        url = await create_database(POSTGRES_URL, "sealhub_ev")
    db = await open_database(DatabaseSettings(url=url), migrate_now=True)
    try:
        yield db
    finally:
        await db.close()
        bind_tables(previous)
        if request.param == "postgres":
            await drop_database(POSTGRES_URL, url)


@pytest.fixture(scope="module")
def master_key() -> bytes:
    return secrets.token_bytes(16)
