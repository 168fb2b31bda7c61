"""Fixtures for the kill -9 test: a fresh database per engine and the environment a hub
process (and its successor after the crash) runs with; helpers in crash_support.py."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator

import pytest
from crash_support import ORIGIN, POSTGRES_URL, STALE_SECONDS, HubSetup

from hub.db.scratch import create_database, drop_database


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
async def hub_setup(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[HubSetup]:
    """A fresh, empty database on the engine (the first hub migrates it)."""
    tmp_path = tmp_path_factory.mktemp("crash-" + request.param)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sealhub.db'}"
    else:
        url = await create_database(POSTGRES_URL, "sealhub_crash")
    env = {
        "DATABASE_URL": url,
        "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
        "SEALHUB_DATA_DIR": str(tmp_path / "data"),
        "SEALHUB_ORIGIN": ORIGIN,
        "SEALHUB_ACCESS_TOKEN_SECONDS": "3600",
        # One worker, its own in-memory metrics: the pid we kill is the whole hub.
        "SEALHUB_WORKERS": "1",
        "PROMETHEUS_MULTIPROC_DIR": "",
        # Reservations the kill abandons are reclaimable after this (production: 60 s).
        "SEALHUB_STALE_RESERVATION_SECONDS": str(STALE_SECONDS),
    }
    try:
        yield HubSetup(engine=request.param, database_url=url, env=env, work=tmp_path)
    finally:
        if request.param != "sqlite":
            await drop_database(POSTGRES_URL, url)
