"""What seal making asks of identity (who is behind an application, what an enterprise's
seal says): answered here, so that identity tables are read only by `tenants.identity`.
One query per answer, as when `hub.seals` read the tables itself."""

from __future__ import annotations

import uuid

import msgspec

from tenants.identity.tables import Enterprise, Person


class PersonOnSeal(msgspec.Struct, frozen=True):
    id: uuid.UUID
    name: str


class EnterpriseOnSeal(msgspec.Struct, frozen=True):
    """What a seal of the enterprise is drawn from."""

    name: str
    credit_code: str
    legal_representative_id: uuid.UUID | None


class AgentsEnterprise(msgspec.Struct, frozen=True):
    id: uuid.UUID
    name: str
    status: str


async def person_of_account(tenant_id: uuid.UUID, account_id: uuid.UUID) -> PersonOnSeal | None:
    """The real-name registered person behind a login, if any."""
    row = await (
        Person.select(Person.id, Person.name)
        .where((Person.tenant_id == tenant_id) & (Person.account_id == account_id))
        .first()
    )
    return None if row is None else PersonOnSeal(**row)


async def person_name(tenant_id: uuid.UUID, person_id: uuid.UUID | None) -> str | None:
    row = await (
        Person.select(Person.name)
        .where((Person.tenant_id == tenant_id) & (Person.id == person_id))
        .first()
        .run()
    )
    return None if row is None else str(row["name"])


async def enterprise_on_seal(
    tenant_id: uuid.UUID, enterprise_id: uuid.UUID
) -> EnterpriseOnSeal | None:
    row = await (
        Enterprise.select(
            Enterprise.name, Enterprise.credit_code, Enterprise.legal_representative_id
        )
        .where((Enterprise.tenant_id == tenant_id) & (Enterprise.id == enterprise_id))
        .first()
        .run()
    )
    return None if row is None else EnterpriseOnSeal(**row)


async def agents_enterprise(
    tenant_id: uuid.UUID, enterprise_id: uuid.UUID, agent_account_id: uuid.UUID
) -> AgentsEnterprise | None:
    """The enterprise if `agent_account_id` is its agent (else None, as if none)."""
    row = await (
        Enterprise.select(Enterprise.id, Enterprise.name, Enterprise.status)
        .where(
            (Enterprise.tenant_id == tenant_id)
            & (Enterprise.id == enterprise_id)
            & (Enterprise.agent_account_id == agent_account_id)
        )
        .first()
    )
    return None if row is None else AgentsEnterprise(**row)
