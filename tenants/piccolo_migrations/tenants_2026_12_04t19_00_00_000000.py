"""Tenant policy: require a registered mold for every enterprise seal (同模同轨), and an
SMS code confirming each signing (意愿认证)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant policy: require molds"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenants", description=DESCRIPTION)
    for column in ("require_molds", "intent_sms", "verify_mobile"):
        manager.add_column(
            table_class_name="TenantPolicy",
            tablename="tenant_policy",
            column_name=column,
            db_column_name=column,
            column_class_name="Boolean",
            column_class=Boolean,
            params={
                "default": False,
                "null": False,
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
            },
            schema=None,
        )
    return manager
