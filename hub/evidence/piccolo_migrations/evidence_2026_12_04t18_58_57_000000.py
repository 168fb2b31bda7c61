"""evidence_cosignature (size, witness) unique: a witness's repeat cosignature of one
checkpoint (a retry, another replica's round) is stored once. Raw SQL, same on both
engines; a migration of its own because raw steps run before the table is created."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T18:58:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "evidence: one cosignature per witness and checkpoint"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="evidence", description=DESCRIPTION)

    async def unique_per_witness() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS evidence_cosignature_witness "
            "ON evidence_cosignature (size, witness)"
        )

    manager.add_raw(unique_per_witness)
    return manager
