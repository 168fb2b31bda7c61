"""use_request and signature_record leave the seals app for the signing app.

No schema changes: the tables, their rows and indexes stay as they are. This migration
is fake (recorded, never run), so the seals app's migration state no longer lists the
two tables and a later `piccolo migrations new seals --auto` will not drop them; the
signing app's first migration (also fake) takes them over.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "seals: use_request and signature_record move to the signing app"


async def forwards() -> MigrationManager:
    manager = MigrationManager(
        migration_id=ID, app_name="seals", description=DESCRIPTION, fake=True
    )
    manager.drop_table(class_name="SignatureRecord", tablename="signature_record", schema=None)
    manager.drop_table(class_name="UseRequest", tablename="use_request", schema=None)
    return manager
