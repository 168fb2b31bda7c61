"""Request and response schemas of the tenants.identity API."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec

from hub.schemas_common import Base64Blob, Key, Name, Password, Username


class RegisterPerson(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    id_number: Key
    mobile: Key
    face_image: Base64Blob  # base64 of the live photo (JPEG/PNG), at most 2 MiB
    username: Username
    password: Password


class SelfRegisterPerson(msgspec.Struct, forbid_unknown_fields=True):
    tenant: Key  # slug of the bureau the citizen registers with
    name: Name
    id_number: Key
    mobile: Key
    face_image: Base64Blob  # base64 of the live photo (JPEG/PNG), at most 2 MiB
    username: Username
    password: Password
    # The SMS code proving the mobile (POST /api/v1/register/mobile-code), when the
    # bureau's policy asks for it (verify_mobile).
    mobile_challenge_id: uuid.UUID | None = None
    mobile_code: Key | None = None


class MobileCodeRequest(msgspec.Struct, forbid_unknown_fields=True):
    tenant: Key
    mobile: Key


class MobileCodeOut(msgspec.Struct):
    challenge_id: uuid.UUID
    mobile_masked: str
    expires_at: datetime


class PersonOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    id_number_masked: str
    birth_date: date
    region_code: str
    mobile_masked: str
    account_id: uuid.UUID | None
    verifier: str
    face_score: float
    verified_at: datetime


class RegisterEnterprise(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    credit_code: Key
    legal_representative_id: uuid.UUID
    agent_person_id: uuid.UUID


class ChangeEnterprise(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    legal_representative_id: uuid.UUID | None = None


class EnterpriseOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    credit_code: str
    legal_representative_id: uuid.UUID
    legal_representative_name: str
    agent_person_id: uuid.UUID
    agent_account_id: uuid.UUID | None
    status: str
    created_at: datetime
    updated_at: datetime
    revoked_seals: list[uuid.UUID]
