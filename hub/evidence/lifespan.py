"""Startup: the hub's evidence log on `app.state.evidence` (the seals/signing EventSink).

Must run after `database_lifespan` and before `sealing_lifespan`, which hands
`app.state.evidence` to the seal and signing services.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from hub.db import get_db
from hub.evidence.cosigning import Cosigner, witness_policy
from hub.evidence.service import EvidenceLog


@contextlib.asynccontextmanager
async def evidence_lifespan(app: Any) -> AsyncIterator[None]:
    settings = app.state.settings
    log = await EvidenceLog.open(
        get_db(app), origin=settings.server.origin, master_key=settings.security.master_key
    )
    app.state.evidence = log
    witnessing = settings.witness
    task = client = None
    if witnessing.witnesses:
        client = httpx.AsyncClient(timeout=witnessing.timeout_seconds)
        log.cosigner = Cosigner(log, witness_policy(witnessing.witnesses, witnessing.quorum),
                                client, timeout=witnessing.timeout_seconds)
        task = asyncio.create_task(log.cosigner.run(witnessing.interval_seconds))
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await log.close()  # queued appends finish before the database closes
        if client is not None:
            await client.aclose()


def evidence_log(state: Any) -> EvidenceLog:
    log: EvidenceLog = state.evidence
    return log
