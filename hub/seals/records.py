"""What the seal service hands out: typed, read-only rows, not the tables' dicts.

Each record is built from one query's row (`SealRecord(**row)`): its fields are that
query's columns, so a column added to the table without its field fails loudly in the
tests rather than slipping through. msgspec Structs, not dataclasses: one is built on
every signing, and a Struct costs a fifth of a frozen dataclass to make.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

import msgspec


class SealRecord(msgspec.Struct, frozen=True):
    """A seal as stored (every column of `hub.seals.tables.Seal`)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    esid: str
    owner_account_id: uuid.UUID
    owner_kind: str  # person | enterprise
    subject_id: uuid.UUID | None
    seal_type: str
    name: str
    status: str
    vendor: str | None
    key_handle: str | None
    seal_der: bytes | None  # SES_Seal (GB/T 38540 V4), once made
    signer_cert: bytes | None
    picture: bytes | None
    width_mm: int
    height_mm: int
    valid_start: datetime | None
    valid_end: datetime | None
    password_hash: str | None
    password_changed_at: datetime | None
    password_failures: int
    password_locked_until: datetime | None
    created_at: datetime
    made_at: datetime | None
    suspended_by: str | None  # owner | staff, while suspended
    make_failure: str | None  # why the last make failed (cleared once made)
    make_failed_vendor: str | None
    make_failed_at: datetime | None
    mold_code: str | None  # 同模同轨: the registered mold's seal code

    @property
    def password_set(self) -> bool:
        return self.password_hash is not None


class SealEventRecord(msgspec.Struct, frozen=True):
    """One status change of a seal (a row of `hub.seals.tables.SealEvent`)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    seal_id: uuid.UUID
    from_status: str | None
    to_status: str
    actor_account_id: uuid.UUID | None
    actor_role: str | None  # owner | staff | hub
    reason: str
    at: datetime


class SealCertificates(msgspec.Struct, frozen=True):
    """A made seal's certificates, for offline checks (DER)."""

    signer_cert: bytes
    maker_cert: bytes
    ca_certs: tuple[bytes, ...]  # the vendor's CA chain, root last


class PasswordState(Protocol):
    """What checking a seal's 口令 reads of the seal."""

    @property
    def password_hash(self) -> str | None: ...
    @property
    def password_failures(self) -> int: ...
    @property
    def password_locked_until(self) -> datetime | None: ...
    @property
    def password_changed_at(self) -> datetime | None: ...


class SealPassword(msgspec.Struct, frozen=True):
    password_hash: str | None
    password_failures: int
    password_locked_until: datetime | None
    password_changed_at: datetime | None


class SigningSeal(msgspec.Struct, frozen=True):
    """The caller's seal with what one signing needs, and no picture (the hot path:
    one precompiled read, the made seal's bytes from the process's memory)."""

    id: uuid.UUID
    owner_account_id: uuid.UUID
    name: str
    status: str
    seal_type: str
    vendor: str | None
    key_handle: str | None
    valid_end: datetime | None
    password_hash: str | None
    password_failures: int
    password_locked_until: datetime | None
    password_changed_at: datetime | None
    seal_der: bytes | None
    signer_cert: bytes | None


class SealMade(msgspec.Struct, frozen=True):
    """What a rating needs of a seal: its vendor, its owner and when it was made."""

    vendor: str | None
    owner_account_id: uuid.UUID
    made_at: datetime | None


class SealOwner(msgspec.Struct, frozen=True):
    owner_account_id: uuid.UUID
    name: str


class SealCount(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    status: str
    vendor: str | None
    n: int


class RevokedSeal(msgspec.Struct, frozen=True):
    """A revoked seal for the CRL: its certificate, and when and why if recorded."""

    id: uuid.UUID
    signer_cert: bytes | None
    revoked_at: datetime | None
    reason: str | None
