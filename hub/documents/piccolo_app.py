"""Piccolo app `documents`: signed documents and the application center's tables.

Add a table: list it in `table_classes`, then `piccolo migrations new documents --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.documents.tables import (
    DocumentInstance,
    DocumentTemplateRow,
    InstanceSigning,
    SignedDocument,
)

APP_CONFIG = AppConfig(
    app_name="documents",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[SignedDocument, DocumentTemplateRow, DocumentInstance, InstanceSigning],
    migration_dependencies=["tenants.piccolo_app"],
    commands=[],
)
