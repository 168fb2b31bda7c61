"""Token key rotation: the replaced key's public half and how long it still verifies."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Bytea, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-27T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant token key rotation"


def _params(default: object) -> dict[str, object]:
    return {
        "default": default,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Tenant",
        tablename="tenant",
        column_name="jwt_previous_public",
        db_column_name="jwt_previous_public",
        column_class_name="Bytea",
        column_class=Bytea,
        params=_params(None),
        schema=None,
    )
    manager.add_column(
        table_class_name="Tenant",
        tablename="tenant",
        column_name="jwt_previous_until",
        db_column_name="jwt_previous_until",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(None),
        schema=None,
    )
    return manager
