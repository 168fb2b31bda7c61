"""Registering persons and enterprises after real-name checks; reading them back masked.

ID numbers and mobiles are sealed under the tenant data key (SM4-GCM); duplicates are
found through a keyed blind index (HMAC-SM3), so the database never holds a plaintext
or an unkeyed hash of an ID number. Every query filters on the caller's tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from hub.auth.passwords import hash_password
from hub.auth.principal import Principal, Role
from hub.crypto import keystore
from hub.db import Database, is_unique_violation
from hub.errors import Conflict, NotFound, ValidationFailed
from tenants import services as tenant_services
from tenants.identity.tables import Enterprise, Person
from tenants.identity.verifier import IdentityVerifier, PersonClaim, VerificationResult
from tenants.keys import TenantKeyring
from tenants.policy.services import get_policy
from tenants.validation import (
    ResidentId,
    check_mobile,
    check_name,
    mask_mobile,
    parse_credit_code,
    parse_resident_id,
)

_MOBILE_SLOT = "mobile"
STAFF = (Role.TENANT_ADMIN, Role.CLERK)  # see every person and enterprise of the tenant

# Called inside the transaction that changes an enterprise's name or legal
# representative: (db, tenant_id, enterprise_id, reason, actor_account_id) -> ids of the
# seals it revoked. The composition root registers the seal service's (hub.services).
EnterpriseChangeHook = Callable[
    [Database, uuid.UUID, uuid.UUID, str, uuid.UUID | None], Awaitable[list[uuid.UUID] | None]
]


@dataclass(frozen=True)
class PersonView:
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


@dataclass(frozen=True)
class EnterpriseView:
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
    revoked_seals: list[uuid.UUID] = field(default_factory=list)


def _uuid(v: Any) -> uuid.UUID | None:
    if v is None:
        return None
    return _key(v)


def _key(v: Any) -> uuid.UUID:
    """A NOT NULL uuid column (a key): as `_uuid`, for a value that is never None."""
    return v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))


_PERSON_COLS = (
    Person.id,
    Person.name,
    Person.id_number_masked,
    Person.birth_date,
    Person.region_code,
    Person.mobile_masked,
    Person.account_id,
    Person.verifier,
    Person.face_score_bp,
    Person.verified_at,
)


async def _id_number_registered(tenant_id: uuid.UUID, index: str) -> bool:
    """Whether the tenant has a person with this ID number (by its blind index)."""
    found: bool = (
        await Person.exists()
        .where((Person.tenant_id == tenant_id) & (Person.id_number_index == index))
        .run()
    )
    return found


def _person_row(
    tenant_id: uuid.UUID,
    person_id: uuid.UUID,
    account_id: uuid.UUID,
    data_key: bytes,
    index: str,
    name: str,
    rid: ResidentId,
    mobile: str,
    verified: VerificationResult,
) -> Person:
    """A verified person's row: ID number and mobile sealed under the tenant data key
    (found again by the blind `index`), masked copies to show."""
    scope = str(tenant_id)
    return Person(
        id=person_id,
        tenant_id=tenant_id,
        account_id=account_id,
        name=name,
        id_number_sealed=keystore.seal_id_number(data_key, scope, rid.number),
        id_number_index=index,
        id_number_masked=rid.masked,
        birth_date=rid.birth_date,
        region_code=rid.region_code,
        mobile_sealed=keystore.seal_secret(data_key, scope, mobile.encode(), context=_MOBILE_SLOT),
        mobile_masked=mask_mobile(mobile),
        verifier=verified.verifier,
        face_score_bp=round(verified.face_score * 10000),
    )


def _person_view(r: dict[str, Any]) -> PersonView:
    return PersonView(
        id=_key(r["id"]),
        name=r["name"],
        id_number_masked=r["id_number_masked"],
        birth_date=r["birth_date"],
        region_code=r["region_code"],
        mobile_masked=r["mobile_masked"],
        account_id=_uuid(r["account_id"]),
        verifier=r["verifier"],
        face_score=r["face_score_bp"] / 10000,
        verified_at=r["verified_at"],
    )


class IdentityService:
    """Persons and enterprises of one hub. Every method takes the tenant id first."""

    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        verifier: IdentityVerifier,
        *,
        face_match_threshold: float = 0.80,
        enterprise_hooks: list[EnterpriseChangeHook] | None = None,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.verifier = verifier
        self.face_match_threshold = face_match_threshold
        self.enterprise_hooks = enterprise_hooks if enterprise_hooks is not None else []

    # ------------------------------------------------------------------ persons

    async def register_person(
        self,
        tenant_id: uuid.UUID,
        *,
        name: str,
        id_number: str,
        mobile: str,
        face_image: bytes,
        username: str,
        password: str,
    ) -> PersonView:
        """Real-name check, then one transaction: a `person` account and the person."""
        name = check_name(name, "name")
        rid = parse_resident_id(id_number, "id_number")
        mobile = check_mobile(mobile, "mobile")
        username = tenant_services.check_username(username)
        tenant_services.check_password(password, await get_policy(tenant_id))
        data_key = await self.keyring.data_key(tenant_id)
        scope = str(tenant_id)
        index = keystore.id_number_index(data_key, scope, rid.number).hex()
        if await _id_number_registered(tenant_id, index):
            raise Conflict("a person with this ID number is already registered", field="id_number")
        result = await self._verify_real_name(name, rid, face_image)
        password_hash = await hash_password(password)
        person_id, account_id = uuid.uuid4(), uuid.uuid4()
        try:
            async with self.db.transaction():
                await tenant_services.insert_person_account(
                    tenant_id, account_id, username, password_hash, name
                )
                await Person.insert(
                    _person_row(
                        tenant_id, person_id, account_id, data_key, index, name, rid, mobile, result
                    )
                ).run()
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            if await _id_number_registered(tenant_id, index):  # lost a race on the index
                raise Conflict(
                    "a person with this ID number is already registered", field="id_number"
                ) from exc
            raise Conflict(f"username {username!r} is taken", field="username") from exc
        return await self.get_person(tenant_id, person_id)

    async def _verify_real_name(
        self, name: str, rid: ResidentId, face_image: bytes
    ) -> VerificationResult:
        """The register must know the name with the ID number, and the face must match."""
        result = await self.verifier.verify_person(
            PersonClaim(name=name, id_number=rid.number, face_image=face_image)
        )
        if not result.identity_matched:
            raise ValidationFailed(
                "the name and ID number do not match the register",
                field="id_number",
                verifier=result.verifier,
            )
        if result.face_score < self.face_match_threshold:
            raise ValidationFailed(
                "the face photo does not match the ID holder",
                field="face_image",
                verifier=result.verifier,
            )
        return result

    async def get_person(self, tenant_id: uuid.UUID, person_id: uuid.UUID) -> PersonView:
        row = await (
            Person.select(*_PERSON_COLS)
            .where((Person.tenant_id == tenant_id) & (Person.id == person_id))
            .first()
            .run()
        )
        if row is None:
            raise NotFound("person not found")
        return _person_view(row)

    async def person_seen_by(self, scope: Principal, person_id: uuid.UUID) -> PersonView:
        """One person of the caller's tenant, if the caller may see it: staff see every
        person, anyone else only themself (another's is NotFound)."""
        view = await self.get_person(scope.tenant_id, person_id)
        if not scope.has(*STAFF) and view.account_id != scope.account_id:
            raise NotFound("person not found")
        return view

    async def person_for_account(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> PersonView:
        """The verified person behind a login (NotFound if the account is staff only)."""
        row = await (
            Person.select(*_PERSON_COLS)
            .where((Person.tenant_id == tenant_id) & (Person.account_id == account_id))
            .first()
            .run()
        )
        if row is None:
            raise NotFound("no verified person for this account")
        return _person_view(row)

    async def list_persons(
        self, tenant_id: uuid.UUID, *, limit: int = 100, offset: int = 0
    ) -> list[PersonView]:
        rows = await (
            Person.select(*_PERSON_COLS)
            .where(Person.tenant_id == tenant_id)
            .order_by(Person.created_at)
            .limit(limit)
            .offset(offset)
            .run()
        )
        return [_person_view(r) for r in rows]

    async def find_person_by_id_number(
        self, tenant_id: uuid.UUID, id_number: str
    ) -> PersonView | None:
        """Look a person up by full ID number through the blind index (no decryption)."""
        rid = parse_resident_id(id_number, "id_number")
        data_key = await self.keyring.data_key(tenant_id)
        index = keystore.id_number_index(data_key, str(tenant_id), rid.number).hex()
        row = await (
            Person.select(*_PERSON_COLS)
            .where((Person.tenant_id == tenant_id) & (Person.id_number_index == index))
            .first()
            .run()
        )
        return None if row is None else _person_view(row)

    async def reveal_id_number(self, tenant_id: uuid.UUID, person_id: uuid.UUID) -> str:
        """The full ID number (for a vendor certificate subject, never for an API answer)."""
        row = await (
            Person.select(Person.id_number_sealed)
            .where((Person.tenant_id == tenant_id) & (Person.id == person_id))
            .first()
            .run()
        )
        if row is None:
            raise NotFound("person not found")
        data_key = await self.keyring.data_key(tenant_id)
        return keystore.open_id_number(data_key, str(tenant_id), bytes(row["id_number_sealed"]))

    async def reveal_mobile(self, tenant_id: uuid.UUID, person_id: uuid.UUID) -> str:
        """The registered mobile number (to send a code to, never for an API answer)."""
        row = await (
            Person.select(Person.mobile_sealed)
            .where((Person.tenant_id == tenant_id) & (Person.id == person_id))
            .first()
            .run()
        )
        if row is None:
            raise NotFound("person not found")
        data_key = await self.keyring.data_key(tenant_id)
        return keystore.open_secret(
            data_key, str(tenant_id), bytes(row["mobile_sealed"]), context=_MOBILE_SLOT
        ).decode()

    async def person_id_of_account(
        self, tenant_id: uuid.UUID, account_id: uuid.UUID
    ) -> uuid.UUID | None:
        """The real-name registered person behind a login, if any (its id only)."""
        row = await (
            Person.select(Person.id)
            .where((Person.tenant_id == tenant_id) & (Person.account_id == account_id))
            .first()
            .run()
        )
        return None if row is None else cast(uuid.UUID, row["id"])

    async def reveal_account_mobile(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> str:
        """The mobile number of the person behind a login (to text the seal's owner)."""
        row = await (
            Person.select(Person.mobile_sealed)
            .where((Person.tenant_id == tenant_id) & (Person.account_id == account_id))
            .first()
            .run()
        )
        if row is None:
            raise NotFound("no real-name registered person for this account")
        data_key = await self.keyring.data_key(tenant_id)
        return keystore.open_secret(
            data_key, str(tenant_id), bytes(row["mobile_sealed"]), context=_MOBILE_SLOT
        ).decode()

    async def recheck_person(
        self, tenant_id: uuid.UUID, person_id: uuid.UUID, face_image: bytes
    ) -> VerificationResult:
        """A fresh real-name check of a registered person (face comparison through the
        identity verifier), e.g. before a forgotten password is reset."""
        row = await (
            Person.select(Person.name)
            .where((Person.tenant_id == tenant_id) & (Person.id == person_id))
            .first()
            .run()
        )
        if row is None:
            raise NotFound("person not found")
        id_number = await self.reveal_id_number(tenant_id, person_id)
        result = await self.verifier.verify_person(
            PersonClaim(name=row["name"], id_number=id_number, face_image=face_image)
        )
        if not result.identity_matched:
            raise ValidationFailed(
                "the identity register no longer confirms this person",
                field="face_image",
                verifier=result.verifier,
            )
        if result.face_score < self.face_match_threshold:
            raise ValidationFailed(
                "the face photo does not match the ID holder",
                field="face_image",
                verifier=result.verifier,
            )
        return result

    # ------------------------------------------------------------------ enterprises

    async def _verified_person(
        self, tenant_id: uuid.UUID, person_id: uuid.UUID, field_name: str
    ) -> dict[str, Any]:
        row = await (
            Person.select(Person.id, Person.name, Person.account_id)
            .where((Person.tenant_id == tenant_id) & (Person.id == person_id))
            .first()
            .run()
        )
        if row is None:  # same answer for "no such id" and "another tenant's id"
            raise ValidationFailed(
                "no verified person with this id in your tenant", field=field_name
            )
        return row

    async def register_enterprise(
        self,
        tenant_id: uuid.UUID,
        *,
        name: str,
        credit_code: str,
        legal_representative_id: uuid.UUID,
        agent_person_id: uuid.UUID,
    ) -> EnterpriseView:
        """Register an enterprise; its agent's account gains the enterprise_agent role."""
        name = check_name(name, "name", max_len=200)
        code = parse_credit_code(credit_code, "credit_code")
        await self._verified_person(tenant_id, legal_representative_id, "legal_representative_id")
        agent = await self._verified_person(tenant_id, agent_person_id, "agent_person_id")
        agent_account = _uuid(agent["account_id"])
        if agent_account is None:
            raise ValidationFailed("the agent has no login account", field="agent_person_id")
        enterprise_id = uuid.uuid4()
        try:
            async with self.db.transaction():
                await Enterprise.insert(
                    Enterprise(
                        id=enterprise_id,
                        tenant_id=tenant_id,
                        name=name,
                        credit_code=code,
                        legal_representative_id=legal_representative_id,
                        agent_person_id=agent_person_id,
                        agent_account_id=agent_account,
                    )
                ).run()
                await tenant_services.add_role(
                    self.db, tenant_id, agent_account, Role.ENTERPRISE_AGENT.value
                )
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(
                    "an enterprise with this credit code is already registered", field="credit_code"
                ) from exc
            raise
        return await self.get_enterprise(tenant_id, enterprise_id)

    async def get_enterprise(
        self, tenant_id: uuid.UUID, enterprise_id: uuid.UUID
    ) -> EnterpriseView:
        rows = await self._enterprises(tenant_id, Enterprise.id == enterprise_id)
        if not rows:
            raise NotFound("enterprise not found")
        return rows[0]

    async def enterprise_seen_by(
        self, scope: Principal, enterprise_id: uuid.UUID
    ) -> EnterpriseView:
        """One enterprise, if the caller may see it: staff, or the enterprise's agent."""
        view = await self.get_enterprise(scope.tenant_id, enterprise_id)
        if not scope.has(*STAFF) and view.agent_account_id != scope.account_id:
            raise NotFound("enterprise not found")
        return view

    async def enterprises_seen_by(
        self, scope: Principal, *, limit: int = 100, offset: int = 0
    ) -> list[EnterpriseView]:
        """Staff: every enterprise of the tenant; an agent: those they act for."""
        agent = None if scope.has(*STAFF) else scope.account_id
        return await self.list_enterprises(
            scope.tenant_id, agent_account_id=agent, limit=limit, offset=offset
        )

    async def list_enterprises(
        self,
        tenant_id: uuid.UUID,
        *,
        agent_account_id: uuid.UUID | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[EnterpriseView]:
        cond = None if agent_account_id is None else Enterprise.agent_account_id == agent_account_id
        return await self._enterprises(tenant_id, cond, limit=limit, offset=offset)

    async def _enterprises(
        self, tenant_id: uuid.UUID, cond: Any, *, limit: int = 100, offset: int = 0
    ) -> list[EnterpriseView]:
        where = Enterprise.tenant_id == tenant_id
        if cond is not None:
            where = where & cond
        rows = await (
            Enterprise.select(
                Enterprise.id,
                Enterprise.name,
                Enterprise.credit_code,
                Enterprise.legal_representative_id,
                Enterprise.legal_representative_id.name.as_alias("legal_rep_name"),
                Enterprise.agent_person_id,
                Enterprise.agent_account_id,
                Enterprise.status,
                Enterprise.created_at,
                Enterprise.updated_at,
            )
            .where(where)
            .order_by(Enterprise.created_at)
            .limit(limit)
            .offset(offset)
            .run()
        )
        return [
            EnterpriseView(
                id=_key(r["id"]),
                name=r["name"],
                credit_code=r["credit_code"],
                legal_representative_id=_key(r["legal_representative_id"]),
                legal_representative_name=r["legal_rep_name"],
                agent_person_id=_key(r["agent_person_id"]),
                agent_account_id=_uuid(r["agent_account_id"]),
                status=r["status"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
            )
            for r in rows
        ]

    async def change_enterprise(
        self,
        tenant_id: uuid.UUID,
        enterprise_id: uuid.UUID,
        *,
        actor: uuid.UUID | None,
        name: str | None = None,
        legal_representative_id: uuid.UUID | None = None,
    ) -> EnterpriseView:
        """Change name and/or legal representative. Either change revokes the enterprise's
        seals (through the registered hooks, in the same transaction) and says which."""
        current = await self.get_enterprise(tenant_id, enterprise_id)
        changes: dict[Any, Any] = {}
        reasons = []
        if name is not None:
            name = check_name(name, "name", max_len=200)
            if name != current.name:
                changes[Enterprise.name] = name
                reasons.append(f"name changed from {current.name!r} to {name!r}")
        if (
            legal_representative_id is not None
            and legal_representative_id != current.legal_representative_id
        ):
            rep = await self._verified_person(
                tenant_id, legal_representative_id, "legal_representative_id"
            )
            changes[Enterprise.legal_representative_id] = legal_representative_id
            reasons.append(f"legal representative changed to {rep['name']}")
        if not changes:
            return current
        changes[Enterprise.updated_at] = datetime.now(UTC)
        reason = "; ".join(reasons)
        revoked: list[uuid.UUID] = []
        async with self.db.transaction():
            await (
                Enterprise.update(changes)
                .where((Enterprise.tenant_id == tenant_id) & (Enterprise.id == enterprise_id))
                .run()
            )
            for hook in self.enterprise_hooks:
                revoked.extend(await hook(self.db, tenant_id, enterprise_id, reason, actor) or [])
        view = await self.get_enterprise(tenant_id, enterprise_id)
        return EnterpriseView(**{**view.__dict__, "revoked_seals": revoked})
