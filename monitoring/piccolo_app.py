"""Piccolo app `monitoring`: service ratings.

Add a table: list it in `table_classes`, then `piccolo migrations new monitoring --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from monitoring.tables import VendorRating

APP_CONFIG = AppConfig(
    app_name="monitoring",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[VendorRating],
    migration_dependencies=["tenants.piccolo_app"],
    commands=[],
)
