"""Composite indexes (raw SQL, identical on both engines).

* webhook_delivery (subscription_id, signature_id) UNIQUE: one delivery per use and
  subscription, however many times the hook or the repair sweep tries to queue it.
* webhook_delivery (status, next_attempt_at): the worker's "what is due" query.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T18:58:45:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhooks: composite indexes"

_INDEXES = (
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS webhook_delivery_once "
        "ON webhook_delivery (subscription_id, signature_id)"
    ),
    "CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (status, next_attempt_at)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="webhooks", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for ddl in _INDEXES:
            await engine.run_ddl(ddl)

    manager.add_raw(create_indexes)
    return manager
