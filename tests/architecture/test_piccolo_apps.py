"""Each area owns its Piccolo app: every table is in exactly one app, and an app's
migrations build exactly the tables it lists.

The second check is what makes moving a table between apps safe: the app that gives a
table away records (with a fake migration) that it no longer has it, and the app that
takes it records (also fake) that it now does. Without that, `piccolo migrations new
APP --auto` would drop the table from the old app's database or create it twice.
"""

from __future__ import annotations

from collections import Counter

from piccolo.apps.migrations.auto.schema_snapshot import SchemaSnapshot
from piccolo.apps.migrations.commands.base import BaseMigrationManager

import piccolo_conf


def test_every_table_is_in_exactly_one_app() -> None:
    owners = Counter(
        table._meta.tablename
        for app in piccolo_conf.APP_REGISTRY.app_configs.values()
        for table in app.table_classes
    )
    assert [name for name, n in owners.items() if n > 1] == []


async def test_each_apps_migrations_build_the_tables_it_lists() -> None:
    finder = BaseMigrationManager()
    for name, app in piccolo_conf.APP_REGISTRY.app_configs.items():
        managers = await finder.get_migration_managers(app)
        built = {t.tablename for t in SchemaSnapshot(managers).get_snapshot()}
        listed = {table._meta.tablename for table in app.table_classes}
        assert built == listed, f"app {name}: migrations build {built}, it lists {listed}"
