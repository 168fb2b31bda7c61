"""Startup: the vendor directory (with the in-process `local` vendor, keys in the hub
database) and the seal and signing services, on `app.state`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from adapters.local import LocalVendor
from adapters.protocol import AdapterContext
from hub.db import Database, get_db
from hub.seals.services import SealService
from hub.signing.services import SigningService
from hub.vendors.directory import VendorDirectory
from hub.vendors.store import DbKeyStore
from tenants.identity.services import enterprise_change_hooks

LOCAL_VENDOR = "local"


@contextlib.asynccontextmanager
async def sealing_lifespan(app: Any) -> AsyncIterator[None]:
    state = app.state
    directory = VendorDirectory()
    directory.add(
        LocalVendor.from_config(
            LOCAL_VENDOR,
            {},
            AdapterContext(settings=state.settings, extras={"key_store": DbKeyStore(LOCAL_VENDOR)}),
        )
    )
    seals = SealService(get_db(app), directory, events=getattr(state, "evidence", None))
    state.vendors = directory
    state.seals = seals
    state.signing = SigningService(get_db(app), seals, directory, events=seals.events)

    async def revoke_on_change(
        db: Database, tenant_id: Any, enterprise_id: Any, reason: str, actor: Any
    ) -> list[Any]:
        return await seals.revoke_for_subject(tenant_id, enterprise_id, reason, actor)

    enterprise_change_hooks(state).append(revoke_on_change)
    yield


def seal_service(state: Any) -> SealService:
    return state.seals  # type: ignore[no-any-return]


def signing_service(state: Any) -> SigningService:
    return state.signing  # type: ignore[no-any-return]
