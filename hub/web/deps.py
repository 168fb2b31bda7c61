"""The portal's one door to the hub's services.

Pages reach the composition root's container (hub.services) through these functions and
nowhere else. They are functions of the request rather than handler parameters because
the portal's helpers need them outside a handler's signature too: the session check of
every page, the login flow and the page layout (the bureau's emblem) all start from the
request.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from hub.auth.lockout import LoginGuard
from hub.auth.sessions import SessionRegistry
from hub.auth.throttle import LoginThrottle
from hub.db import Database
from hub.documents.service import DocumentService
from hub.evidence.service import EvidenceLog
from hub.seals.services import SealService
from hub.services import HubServices
from hub.settings import Settings
from hub.signing.services import SigningService
from hub.trust.services import TrustService
from monitoring.services import QualityService
from tenants.identity.services import IdentityService

AnyRequest = Request[Any, Any, Any]


def services(request: AnyRequest) -> HubServices:
    found: HubServices = request.app.state.services
    return found


def settings(request: AnyRequest) -> Settings:
    found: Settings = request.app.state.settings  # what create_app was given
    return found


def db(request: AnyRequest) -> Database:
    return services(request).db


def seals(request: AnyRequest) -> SealService:
    return services(request).seals


def signing(request: AnyRequest) -> SigningService:
    return services(request).signing


def documents(request: AnyRequest) -> DocumentService:
    return services(request).documents


def evidence(request: AnyRequest) -> EvidenceLog:
    return services(request).evidence


def trust(request: AnyRequest) -> TrustService:
    return services(request).trust


def identity(request: AnyRequest) -> IdentityService:
    return services(request).identity


def quality(request: AnyRequest) -> QualityService:
    return services(request).quality


def login_throttle(request: AnyRequest) -> LoginThrottle:
    return services(request).login_throttle


def login_guard(request: AnyRequest) -> LoginGuard:
    return services(request).login_guard


def sessions(request: AnyRequest) -> SessionRegistry:
    """The login sessions the API's tokens also belong to (hub.auth.sessions)."""
    return services(request).sessions
