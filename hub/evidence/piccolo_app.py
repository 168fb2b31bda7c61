"""Piccolo app `evidence`: the evidence log's leaves, node table, checkpoints, log key.

Add a table: list it in `table_classes`, then `piccolo migrations new evidence --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.evidence.tables import (
    EvidenceCheckpoint,
    EvidenceCosignature,
    EvidenceEntry,
    EvidenceLogKey,
    EvidenceNode,
)

APP_CONFIG = AppConfig(
    app_name="evidence",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        EvidenceEntry,
        EvidenceNode,
        EvidenceCheckpoint,
        EvidenceLogKey,
        EvidenceCosignature,
    ],
    migration_dependencies=[],
    commands=[],
)
