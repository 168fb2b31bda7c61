"""Piccolo app `trust`: the trust store (anchors, pinned makers, CRLs)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.trust.tables import TrustEntry

APP_CONFIG = AppConfig(
    app_name="trust",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[TrustEntry],
    migration_dependencies=["tenants.piccolo_app"],
    commands=[],
)
