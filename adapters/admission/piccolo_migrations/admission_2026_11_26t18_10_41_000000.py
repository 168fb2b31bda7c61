"""One admission row per (tenant, vendor): a composite unique index (raw SQL, both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T18:10:41:000000"
VERSION = "1.38.0"
DESCRIPTION = "admission: unique (tenant_id, vendor)"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="admission", description=DESCRIPTION)

    async def create_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS admission_tenant_vendor "
            "ON admission (tenant_id, vendor)"
        )

    manager.add_raw(create_index)
    return manager
