"""One approved use request (用印审批) signs one document: a unique index on
signature_record (tenant_id, use_request_id). NULLs are distinct on both engines, so
signings without an approval are unaffected.

The reservation row is the lock, as for idempotency keys: of concurrent signings with the
same approval only the first reservation is inserted; the others fail before any vendor
is called. (Should this migration fail on an existing database, the rows it names are
approvals that were used more than once before the fix: audit them.)
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "signing: one signature record per use request"

_INDEXES = (
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS signature_record_use_request "
        "ON signature_record (tenant_id, use_request_id)"
    ),
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
