"""The identity counters of the tenant statistics: registered persons, enterprises, users.

Registered by the composition root like every other area's counters, so that
`tenants.policy.stats` (which only sums what is registered) never reads identity tables.
"""

from __future__ import annotations

import asyncio
import uuid

from tenants.identity.tables import Enterprise, Person
from tenants.policy.stats import register_counter


async def _persons(tenant_id: uuid.UUID) -> int:
    return int(await Person.count().where(Person.tenant_id == tenant_id).run())


async def _enterprises(tenant_id: uuid.UUID) -> int:
    return int(await Enterprise.count().where(Enterprise.tenant_id == tenant_id).run())


async def _users(tenant_id: uuid.UUID) -> int:
    # Registered users: real-name verified citizens plus registered enterprises.
    persons, enterprises = await asyncio.gather(_persons(tenant_id), _enterprises(tenant_id))
    return persons + enterprises


def register_counters() -> None:
    register_counter("registered_persons", _persons)
    register_counter("registered_enterprises", _enterprises)
    register_counter("registered_users", _users)
