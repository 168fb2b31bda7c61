"""Composite unique indexes (raw SQL, both engines): one template per key in a tenant,
one signing per step of an instance (a racing second signer of the same step loses)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T18:51:41:000000"
VERSION = "1.38.0"
DESCRIPTION = "documents unique indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="documents", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS document_template_tenant_key "
            "ON document_template (tenant_id, key)"
        )
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS document_instance_signing_step "
            "ON document_instance_signing (tenant_id, instance_id, step_key)"
        )

    manager.add_raw(create_indexes)
    return manager
