"""Fixtures for the replica tests; helpers live in replicas_support.py."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from replicas_support import POSTGRES_URL, REPLICAS, Cluster, setup_citizen

from hub.db.scratch import create_database, drop_database
from hub.process import HubProcess


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    if not POSTGRES_URL:
        pytest.skip("SEALHUB_TEST_POSTGRES_URL not set (replicas need PostgreSQL)")
    url = await create_database(POSTGRES_URL, "sealhub_replicas")
    work: Path = tmp_path_factory.mktemp("replicas")
    env = {
        "DATABASE_URL": url,
        "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
        "SEALHUB_ORIGIN": "replicas.sealhub.test",
        "SEALHUB_ACCESS_TOKEN_SECONDS": "3600",
        # Empty = cleared: one worker per replica keeps its own in-memory registry.
        "PROMETHEUS_MULTIPROC_DIR": "",
    }
    hubs: list[HubProcess] = []
    try:
        # The first one migrates the empty database; the others start against it together.
        hubs.append(HubProcess(env, log=work / "hub-0.log").start())
        rest = [HubProcess(env, log=work / f"hub-{i}.log") for i in range(1, REPLICAS)]
        for hub in rest:
            hubs.append(hub.start())
        citizen = setup_citizen(hubs[0], seals=2)
        yield Cluster(hubs=hubs, database_url=url, citizen=citizen)
    finally:
        for hub in hubs:
            hub.stop()
        await drop_database(POSTGRES_URL, url)
