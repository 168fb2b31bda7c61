"""The seal and signing services as handler dependencies (built in hub.services):
`seals: Seals` in a handler receives the process's SealService."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency

from hub.seals.services import SealService
from hub.signing.services import SigningService


def seal_service(state: Any) -> SealService:
    service: SealService = state.seals
    return service


def signing_service(state: Any) -> SigningService:
    service: SigningService = state.signing
    return service


# Handler parameter types; `hub.app` registers the providers under these names.
Seals = NamedDependency[SealService]
Signing = NamedDependency[SigningService]


async def provide_seals(state: State) -> SealService:
    return seal_service(state)


async def provide_signing(state: State) -> SigningService:
    return signing_service(state)
