"""Request and response schemas of the tenants API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from hub.schemas_common import Key, Label, Name, Password, Username


class NewAdmin(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password
    display_name: Label = ""


class CreateTenant(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    slug: Key
    region_code: Key
    admin: NewAdmin


class TenantOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    region_code: str
    status: str
    created_at: datetime


class AccountOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    roles: list[str]
    status: str
    locked_until: datetime | None
    password_changed_at: datetime
    created_at: datetime


class TenantCreated(msgspec.Struct):
    tenant: TenantOut
    admin: AccountOut


class CreateAccount(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password
    roles: Annotated[list[Key], msgspec.Meta(max_length=16)]
    display_name: Label = ""


class AccountStatus(msgspec.Struct, forbid_unknown_fields=True):
    status: str  # active | disabled (disabling ends the account's sessions)


class RotateTokenKey(msgspec.Struct, forbid_unknown_fields=True):
    # True when the key leaked: every token it signed is refused from now on (all users
    # log in again). False: they stay valid until they expire.
    revoke_previous: bool = False


class TokenKeyRotated(msgspec.Struct):
    kid: str
    previous_kid: str
    previous_valid_until: datetime | None


class Jwk(msgspec.Struct):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class Jwks(msgspec.Struct):
    keys: list[Jwk]
