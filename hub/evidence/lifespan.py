"""Startup: the hub's evidence log on `app.state.evidence` (the seals/signing EventSink).

Must run after `database_lifespan` and before `sealing_lifespan`, which hands
`app.state.evidence` to the seal and signing services.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from hub.db import get_db
from hub.evidence.service import EvidenceLog


@contextlib.asynccontextmanager
async def evidence_lifespan(app: Any) -> AsyncIterator[None]:
    settings = app.state.settings
    log = await EvidenceLog.open(
        get_db(app), origin=settings.server.origin, master_key=settings.security.master_key
    )
    app.state.evidence = log
    try:
        yield
    finally:
        await log.close()  # queued appends finish before the database closes


def evidence_log(state: Any) -> EvidenceLog:
    log: EvidenceLog = state.evidence
    return log
