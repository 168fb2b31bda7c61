"""Composite unique index: one username per tenant (raw SQL, identical on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T17:57:25:000000"
VERSION = "1.38.0"
DESCRIPTION = "account (tenant_id, username) unique"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)

    async def create_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS account_tenant_username "
            "ON account (tenant_id, username)"
        )

    manager.add_raw(create_index)
    return manager
