"""What the document service hands out: typed, read-only views (msgspec Structs).

The controllers turn them into their response schemas with `msgspec.convert(...,
from_attributes=True)`; the portal's templates read their attributes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec


class SignedDocumentRecord(msgspec.Struct, frozen=True):
    """An uploaded document signed by one of the caller's seals."""

    id: uuid.UUID  # = the signature record id
    account_id: uuid.UUID
    seal_id: uuid.UUID
    kind: str  # ofd | pdf
    subject_sm3: str  # SM3 of the uploaded document
    document_sm3: str  # SM3 of the signed document
    property_info: str  # the Signature.xml path or pdf:<field>
    filename: str
    created_at: datetime
    data: bytes = b""  # the signed file, when asked for (signed_document)
    replayed: bool = False  # a retry answered with the first attempt's document


class TemplateView(msgspec.Struct, frozen=True):
    """A document template of the tenant (fields and signers in their JSON form)."""

    id: uuid.UUID
    key: str
    title: str
    body: str
    fields: list[dict[str, Any]]
    signers: list[dict[str, Any]]
    output: str  # ofd | pdf
    created_at: datetime


class StepView(msgspec.Struct, frozen=True):
    """One signer step of an instance and where it stands."""

    key: str
    label: str
    seal_kind: str
    order: int
    needs_approval: bool
    party_account_id: str | None
    state: str  # waiting | needs_approval | ready | signed
    signed_at: datetime | None
    signature_id: uuid.UUID | None
    seal_id: uuid.UUID | None


class InstanceView(msgspec.Struct, frozen=True):
    """A filled document and every party's status, as the caller may see it."""

    id: uuid.UUID
    template_id: uuid.UUID
    template_key: str
    title: str
    kind: str
    status: str  # signing | completed
    document_sm3: str  # of the current document: what a use request names
    values: dict[str, str]  # whole for who filled it, masked for the others
    created_by: uuid.UUID
    created_at: datetime
    completed_at: datetime | None
    steps: list[StepView]
    replayed: bool


class InstanceSummary(msgspec.Struct, frozen=True):
    id: uuid.UUID
    template_key: str
    title: str
    kind: str
    status: str
    created_at: datetime
    completed_at: datetime | None


class DocumentFile(msgspec.Struct, frozen=True):
    """An instance's current document, to download."""

    data: bytes
    kind: str
    status: str
    filename: str
