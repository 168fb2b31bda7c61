"""Piccolo app of the `hub` package: its tables and migrations (hub/piccolo_migrations/).

Add a hub table: list it in `table_classes`, then `piccolo migrations new hub --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.auth.tables import AuthSession, LoginGuard, RefreshToken

APP_CONFIG = AppConfig(
    app_name="hub",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[RefreshToken, AuthSession, LoginGuard],
    migration_dependencies=["tenants.piccolo_app"],
    commands=[],
)
