"""Composite unique indexes (raw SQL, identical on both engines).

* seal (tenant_id, esid): one esID per tenant.
* signature_record (tenant_id, account_id, idempotency_key): a retry never signs twice.
* vendor_record (vendor, namespace, key): the local vendor's put-if-absent.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T18:08:44:000000"
VERSION = "1.38.0"
DESCRIPTION = "seals: composite unique indexes"

_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS seal_tenant_esid ON seal (tenant_id, esid)",
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS signature_record_idem "
        "ON signature_record (tenant_id, account_id, idempotency_key)"
    ),
    "CREATE UNIQUE INDEX IF NOT EXISTS vendor_record_key ON vendor_record (vendor, namespace, key)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="seals", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for ddl in _INDEXES:
            await engine.run_ddl(ddl)

    manager.add_raw(create_indexes)
    return manager
