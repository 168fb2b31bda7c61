"""Startup: the hub's TSA on `app.state.tsa`, and `app.state.timestampers` (which TSA
each tenant's signatures use). After `database_lifespan`, before `sealing_lifespan`,
whose signing service timestamps every signature through `timestampers`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from hub.tsa.authority import HubTimeStampAuthority, TimeStampAuthority, load_hub_keys
from hub.tsa.client import ExternalTimeStampAuthority, TimeStampAuthorities


@contextlib.asynccontextmanager
async def tsa_lifespan(app: Any) -> AsyncIterator[None]:
    settings = app.state.settings
    keys = await load_hub_keys(settings.security.master_key, origin=settings.server.origin)
    app.state.tsa = HubTimeStampAuthority(keys)
    client = httpx.AsyncClient(timeout=settings.tsa.timeout_seconds)
    external: dict[str, TimeStampAuthority] = {
        slug: ExternalTimeStampAuthority(urls, client, timeout=settings.tsa.timeout_seconds)
        for slug, urls in settings.tsa.tenant_urls if urls
    }
    app.state.timestampers = TimeStampAuthorities(app.state.tsa, external)
    try:
        yield
    finally:
        await client.aclose()


def hub_tsa(state: Any) -> HubTimeStampAuthority:
    tsa: HubTimeStampAuthority = state.tsa
    return tsa
