"""Startup: the hub's TSA on `app.state.tsa` (after `database_lifespan`, before
`sealing_lifespan`, whose signing service timestamps every signature with it)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from hub.tsa.authority import HubTimeStampAuthority, load_hub_keys


@contextlib.asynccontextmanager
async def tsa_lifespan(app: Any) -> AsyncIterator[None]:
    settings = app.state.settings
    keys = await load_hub_keys(settings.security.master_key, origin=settings.server.origin)
    app.state.tsa = HubTimeStampAuthority(keys)
    yield


def hub_tsa(state: Any) -> HubTimeStampAuthority:
    tsa: HubTimeStampAuthority = state.tsa
    return tsa
