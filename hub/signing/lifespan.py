"""The signing service as a handler dependency (built in hub.services): `signing: Signing`
in a handler receives the process's SigningService."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency

from hub.signing.services import SigningService


def signing_service(state: Any) -> SigningService:
    service: SigningService = state.signing
    return service


# The handler parameter type; `hub.app` registers the provider under this name.
Signing = NamedDependency[SigningService]


async def provide_signing(state: State) -> SigningService:
    return signing_service(state)
