"""Startup step: make sure the hub's own tenant exists (after the database is open)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from hub.db import get_db
from tenants.services import ensure_hub_tenant


@contextlib.asynccontextmanager
async def hub_tenant_lifespan(app: Any) -> AsyncIterator[None]:
    await ensure_hub_tenant(get_db(app), app.state.settings.security.master_key)
    yield
