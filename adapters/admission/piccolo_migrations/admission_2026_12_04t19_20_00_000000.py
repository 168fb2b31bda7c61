"""vendor_registration_change: corrections of a vendor's registration, with history;
vendor_observation: the live quality window shared by replicas."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import Column
from piccolo.columns.column_types import UUID, Boolean, Real, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "admission: registration corrections, shared observations"


def _p(
    default: object,
    *,
    null: bool = False,
    pk: bool = False,
    index: bool = False,
    length: int | None = None,
) -> dict[str, object]:
    params: dict[str, object] = {
        "default": default,
        "null": null,
        "primary_key": pk,
        "unique": False,
        "index": index,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    if length is not None:
        params["length"] = length
    return params


_OBSERVATION: list[tuple[str, type[Column], dict[str, object]]] = [
    ("id", UUID, _p(None, pk=True)),
    ("vendor", Varchar, _p("", length=64, index=True)),
    ("kind", Varchar, _p("", length=8)),
    ("ok", Boolean, _p(False)),
    ("seconds", Real, _p(0.0)),
    ("at", Timestamptz, _p(TimestamptzNow(), index=True)),
]

_COLUMNS: list[tuple[str, type[Column], dict[str, object]]] = [
    ("id", UUID, _p(None, pk=True)),
    ("vendor", Varchar, _p("", length=64, index=True)),
    ("before", Text, _p("{}")),
    ("after", Text, _p("{}")),
    ("reason", Text, _p("")),
    ("actor_account_id", UUID, _p(None, null=True)),
    ("at", Timestamptz, _p(TimestamptzNow())),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="admission", description=DESCRIPTION)
    manager.add_table(
        class_name="VendorRegistrationChange",
        tablename="vendor_registration_change",
        schema=None,
        columns=None,
    )
    for name, column_class, params in _COLUMNS:
        manager.add_column(
            table_class_name="VendorRegistrationChange",
            tablename="vendor_registration_change",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    manager.add_table(
        class_name="VendorObservation", tablename="vendor_observation", schema=None, columns=None
    )
    for name, column_class, params in _OBSERVATION:
        manager.add_column(
            table_class_name="VendorObservation",
            tablename="vendor_observation",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
