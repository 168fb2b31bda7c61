"""Accessors of the seal and signing services for controllers (built in hub.services)."""

from __future__ import annotations

from typing import Any

from hub.seals.services import SealService
from hub.signing.services import SigningService


def seal_service(state: Any) -> SealService:
    service: SealService = state.seals
    return service


def signing_service(state: Any) -> SigningService:
    service: SigningService = state.signing
    return service
