"""seal_notice: an expiry notice once per seal and kind, whichever replica sends it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:00:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "seals: expiry notices once"

_INDEXES = (
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS seal_notice_once ON seal_notice (tenant_id, seal_id,"
        " kind) WHERE kind LIKE 'expiry-%'"
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
