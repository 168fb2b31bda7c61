"""The seal service as a handler dependency (built in hub.services): `seals: Seals` in a
handler receives the process's SealService. (The signing service's is hub.signing.lifespan.)"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency

from hub.seals.services import SealService


def seal_service(state: Any) -> SealService:
    service: SealService = state.seals
    return service


# The handler parameter type; `hub.app` registers the provider under this name.
Seals = NamedDependency[SealService]


async def provide_seals(state: State) -> SealService:
    return seal_service(state)
