"""Piccolo app of the mold registry (印模库); its rows belong to tenants."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from tenants.molds.tables import Mold

APP_CONFIG = AppConfig(
    app_name="molds",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Mold],
    migration_dependencies=["tenants.piccolo_app"],
    commands=[],
)
