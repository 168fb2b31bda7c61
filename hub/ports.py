"""The ports the hub's services use of each other, in one place.

The seal, signing, documents and webhooks services (and the seal owner's notices) meet
here, not in each other's modules: a service names the port it needs and the composition
root (`hub.services`) plugs in the implementation (the evidence log for `EventSink` and
`WritesAlong`, the SMS owner channel for `OwnerChannel`, the webhook service for the
`after_signing` hook that receives a `SignatureUse`). This module imports nothing of the
hub above the kernel, so any area may depend on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from hub.auth.principal import TENANT_STAFF
from hub.db.statements import Write


class Scope(Protocol):
    """The verified caller (from the token, never from the body)."""

    @property
    def tenant_id(self) -> uuid.UUID: ...
    @property
    def tenant_slug(self) -> str: ...
    @property
    def account_id(self) -> uuid.UUID: ...
    @property
    def roles(self) -> frozenset[str] | tuple[str, ...] | list[str]: ...


def has_role(scope: Scope, *roles: str) -> bool:
    """Whether the verified caller holds any of `roles`."""
    return any(r in scope.roles for r in roles)


def is_staff(scope: Scope) -> bool:
    """A clerk or tenant admin: sees every row of the tenant, not only the caller's."""
    return has_role(scope, *TENANT_STAFF)


class EventSink(Protocol):
    """Where seal events go (the evidence log). Returns the entry's leaf hash (hex)."""

    async def record(
        self, tenant_id: uuid.UUID, kind: str, fields: dict[str, Any]
    ) -> str | None: ...


@runtime_checkable
class WritesAlong(Protocol):
    """An event sink that can commit the recorded change in the entry's own transaction
    (the evidence log: its append batch). Signing uses it to complete the signature
    record and log it in one commit."""

    async def record_with(
        self, tenant_id: uuid.UUID, kind: str, fields: dict[str, Any], writes: Sequence[Write]
    ) -> tuple[str | None, list[list[dict[str, Any]]]]: ...


class NoEvents:
    """An `EventSink` that records nothing (a service built without the log, in tests)."""

    async def record(self, tenant_id: uuid.UUID, kind: str, fields: dict[str, Any]) -> str | None:
        return None


class OwnerChannel(Protocol):
    """Where a message to a seal's owner goes besides the notice record (SMS)."""

    async def tell(self, tenant_id: uuid.UUID, account_id: uuid.UUID, text: str) -> None: ...


class SignatureUse(Protocol):
    """What the signing service hands its `after_signing` hooks
    (hub.signing.services.SignatureMade)."""

    @property
    def tenant_id(self) -> uuid.UUID: ...
    @property
    def seal_id(self) -> uuid.UUID: ...
    @property
    def signature_id(self) -> uuid.UUID: ...
    @property
    def document_sm3(self) -> str: ...
    @property
    def vendor(self) -> str: ...
    @property
    def signed_at(self) -> datetime: ...
    @property
    def evidence_leaf_hash(self) -> str | None: ...
