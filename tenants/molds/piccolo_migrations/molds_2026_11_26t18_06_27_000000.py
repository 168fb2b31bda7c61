"""Composite unique index: one mold per seal code in a tenant (raw SQL, both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T18:06:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "seal_mold (tenant_id, seal_code) unique"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="molds", description=DESCRIPTION)

    async def create_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS seal_mold_tenant_code "
            "ON seal_mold (tenant_id, seal_code)"
        )

    manager.add_raw(create_index)
    return manager
