"""Request and response schemas of the hub.auth API."""

from __future__ import annotations

import msgspec

from hub.schemas_common import Key, Password, Token, Username


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    tenant: Key  # the tenant's slug ("hub" for hub operators and regulators)
    username: Username
    password: Password


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Token


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    old_password: Password
    new_password: Password


class TokenResponse(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    refresh_expires_in: int
    password_change_required: bool


class Me(msgspec.Struct):
    tenant_id: str
    tenant: str
    account_id: str
    roles: list[str]
