"""The portal's one door to the hub's services.

Pages reach every service through these functions and nowhere else, so moving the
services from `app.state` into a typed container is a change to this file only.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from hub.auth.guards import tokens_of
from hub.auth.lockout import LoginGuard, login_guard_of
from hub.auth.sessions import SessionRegistry
from hub.auth.throttle import LoginThrottle, throttle_of
from hub.db import Database, get_db
from hub.documents.lifespan import document_service
from hub.documents.service import DocumentService
from hub.evidence.lifespan import evidence_log
from hub.evidence.service import EvidenceLog
from hub.seals.lifespan import seal_service
from hub.seals.services import SealService
from hub.settings import Settings
from hub.signing.lifespan import signing_service
from hub.signing.services import SigningService
from monitoring.controllers import quality_service
from monitoring.services import QualityService
from tenants.identity.controllers import identity_service
from tenants.identity.services import IdentityService

AnyRequest = Request[Any, Any, Any]


def settings(request: AnyRequest) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db(request: AnyRequest) -> Database:
    return get_db(request.app)


def seals(request: AnyRequest) -> SealService:
    return seal_service(request.app.state)


def signing(request: AnyRequest) -> SigningService:
    return signing_service(request.app.state)


def documents(request: AnyRequest) -> DocumentService:
    return document_service(request.app.state)


def evidence(request: AnyRequest) -> EvidenceLog:
    return evidence_log(request.app.state)


def identity(request: AnyRequest) -> IdentityService:
    return identity_service(request)


def quality(request: AnyRequest) -> QualityService:
    return quality_service(request.app)


def login_throttle(request: AnyRequest) -> LoginThrottle:
    return throttle_of(request.app.state)


def login_guard(request: AnyRequest) -> LoginGuard:
    return login_guard_of(request.app.state)


def sessions(request: AnyRequest) -> SessionRegistry:
    """The login sessions the API's tokens also belong to (hub.auth.sessions)."""
    registry = tokens_of(request.app.state).sessions
    assert registry is not None
    return registry
