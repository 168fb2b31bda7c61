"""Unique per-tenant identity indexes (raw SQL, identical on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T18:14:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "person/enterprise per-tenant unique indexes"

INDEXES = [
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS person_tenant_id_index "
        "ON person (tenant_id, id_number_index)"
    ),
    "CREATE UNIQUE INDEX IF NOT EXISTS person_account ON person (account_id)",
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS enterprise_tenant_credit_code "
        "ON enterprise (tenant_id, credit_code)"
    ),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for ddl in INDEXES:
            await engine.run_ddl(ddl)

    manager.add_raw(create_indexes)
    return manager
