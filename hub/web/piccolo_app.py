"""Piccolo app `web`: the portal's waiting files.

Add a table: list it in `table_classes`, then `piccolo migrations new web --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.web.tables import PortalFile

APP_CONFIG = AppConfig(
    app_name="web",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[PortalFile],
    migration_dependencies=[],
    commands=[],
)
