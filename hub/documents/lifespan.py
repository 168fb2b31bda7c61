"""Startup: the document service on `app.state.documents` (after the sealing lifespan,
whose seal and signing services it signs through), and the `documents_completed`
counter of the tenant statistics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from hub.db import get_db
from hub.documents.service import DocumentService, register_counters
from tenants.keys import keyring_of


@contextlib.asynccontextmanager
async def documents_lifespan(app: Any) -> AsyncIterator[None]:
    state = app.state
    state.documents = DocumentService(get_db(app), state.seals, state.signing,
                                      state.settings.limits, keyring_of(state))
    register_counters()
    yield


def document_service(state: Any) -> DocumentService:
    return state.documents
