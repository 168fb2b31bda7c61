"""Tenant statistics, as the seed system reports them, from counters other packages register.

    from tenants.policy.stats import register_counter

    async def seals_issued(tenant_id: uuid.UUID) -> int:
        return await Seal.count().where((Seal.tenant_id == tenant_id) & ...).run()

    register_counter("seals_issued", seals_issued)   # from the composition root

A counter is an async function of the tenant id that counts that tenant's rows (so it
is correct across replicas). Standard names that nobody registered yet report 0. The
composition root registers every area's counters (identity's are `tenants.identity.stats`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

Counter = Callable[[uuid.UUID], Awaitable[int]]

STANDARD = (
    "registered_users",
    "registered_persons",
    "registered_enterprises",
    "vendors",
    "seals_issued",
    "signings_initiated",
    "documents_completed",
)

_COUNTERS: dict[str, Counter] = {}


def register_counter(name: str, counter: Counter) -> None:
    """Add (or replace) the counter called `name`."""
    _COUNTERS[name] = counter


async def tenant_statistics(tenant_id: uuid.UUID) -> dict[str, int]:
    names = sorted(set(STANDARD) | set(_COUNTERS))
    values = await asyncio.gather(*(_count(n, tenant_id) for n in names))
    return dict(zip(names, values, strict=True))


async def _count(name: str, tenant_id: uuid.UUID) -> int:
    counter = _COUNTERS.get(name)
    return 0 if counter is None else int(await counter(tenant_id))
