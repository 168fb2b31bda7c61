"""Request and response schemas of the hub.documents API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec

from hub.schemas_common import (
    BodyText,
    Count,
    FieldValue,
    Key,
    Label,
    Millimetres,
    Name,
    Page,
    Password,
)


class SignedDocumentOut(msgspec.Struct):
    id: uuid.UUID  # = the signature record id (GET /api/v1/signatures/{id}/ses)
    kind: str  # ofd | pdf
    seal_id: uuid.UUID
    subject_sm3: str  # SM3 of the uploaded document
    document_sm3: str  # SM3 of the signed document
    property_info: str  # the Signature.xml path or pdf:<field>
    filename: str
    created_at: datetime
    replayed: bool


class TemplateFieldIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Key
    label: Label = ""
    kind: Key = "text"  # text | date | id_number | phone
    required: bool = True
    max_length: Count = 200


class SignerStepIn(msgspec.Struct, forbid_unknown_fields=True):
    key: Key
    seal_kind: Key  # personal | official | contract | finance | legal-representative
    label: Label = ""
    order: Count = 1  # equal orders sign in parallel
    needs_approval: bool = False
    page: Page = -1  # -1: the last page
    x_mm: Millimetres = 130.0
    y_mm: Millimetres = 230.0


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True):
    key: Key
    title: Name
    body: BodyText  # text with {field} placeholders
    fields: Annotated[list[TemplateFieldIn], msgspec.Meta(max_length=100)]
    signers: Annotated[list[SignerStepIn], msgspec.Meta(max_length=20)]
    output: Key = "ofd"


class TemplateOut(msgspec.Struct):
    id: uuid.UUID
    key: str
    title: str
    body: str
    fields: list[dict[str, Any]]
    signers: list[dict[str, Any]]
    output: str
    created_at: datetime


class FillIn(msgspec.Struct, forbid_unknown_fields=True):
    template_id: uuid.UUID
    values: Annotated[dict[Key, FieldValue], msgspec.Meta(max_length=100)]
    parties: Annotated[dict[Key, uuid.UUID], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=dict
    )  # step -> account
    output: Key | None = None  # ofd | pdf (default: the template's)


class StepOut(msgspec.Struct):
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


class InstanceOut(msgspec.Struct):
    id: uuid.UUID
    template_id: uuid.UUID
    template_key: str
    title: str
    kind: str
    status: str  # signing | completed
    document_sm3: str  # of the current document: what a use request (用印审批) names
    values: dict[str, str]
    created_by: uuid.UUID
    created_at: datetime
    completed_at: datetime | None
    steps: list[StepOut]
    replayed: bool


class InstanceSummary(msgspec.Struct):
    id: uuid.UUID
    template_key: str
    title: str
    kind: str
    status: str
    created_at: datetime
    completed_at: datetime | None


class SignStepIn(msgspec.Struct, forbid_unknown_fields=True):
    step: Key
    seal_id: uuid.UUID
    password: Password
    use_request_id: uuid.UUID | None = None
