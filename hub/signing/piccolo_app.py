"""Piccolo app `signing`: use requests (用印审批) and signature records.

The two tables were created by the `seals` app's first migrations and handed over to this
app by two migrations that change no schema (see `signing_2026_12_06t21_00_00_000000`).

Add a table: list it in `table_classes`, then `piccolo migrations new signing --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.signing.tables import SignatureRecord, UseRequest

APP_CONFIG = AppConfig(
    app_name="signing",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[UseRequest, SignatureRecord],
    # The tables exist once the seals app's migrations ran (they created them).
    migration_dependencies=["hub.seals.piccolo_app"],
    commands=[],
)
