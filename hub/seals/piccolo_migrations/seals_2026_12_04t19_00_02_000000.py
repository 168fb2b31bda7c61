"""同模同轨 binding, owner notices and the scheduler lease.

* seal.mold_code: the registered mold an enterprise seal's picture is;
* seal_notice: what an owner was told (unique per seal for expiry notices);
* job_lease: which replica runs a scheduled job;
* otp_code: one-time SMS codes (hashed).

(The unique index on seal_notice is the next migration: raw steps run before tables.)
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import Column
from piccolo.columns.column_types import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "seals: mold binding, notices, job lease"


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


_COLUMNS: dict[str, tuple[str, list[tuple[str, type[Column], dict[str, object]]]]] = {
    "SealNotice": (
        "seal_notice",
        [
            ("id", UUID, _p(None, pk=True)),
            ("tenant_id", UUID, _p(None, index=True)),
            ("seal_id", UUID, _p(None, index=True)),
            ("account_id", UUID, _p(None, null=True)),
            ("kind", Varchar, _p("", length=32)),
            ("message", Text, _p("")),
            ("at", Timestamptz, _p(TimestamptzNow())),
        ],
    ),
    "OtpCode": (
        "otp_code",
        [
            ("id", UUID, _p(None, pk=True)),
            ("tenant_id", UUID, _p(None, index=True)),
            ("purpose", Varchar, _p("", length=16)),
            ("subject", Varchar, _p("", length=64)),
            ("number_tag", Varchar, _p("", length=64, index=True)),
            ("client", Varchar, _p("", length=64, index=True)),
            ("code_hash", Varchar, _p("", length=64)),
            ("attempts", Integer, _p(0)),
            ("expires_at", Timestamptz, _p(None)),
            ("used_at", Timestamptz, _p(None, null=True)),
            ("created_at", Timestamptz, _p(TimestamptzNow())),
        ],
    ),
    "JobLease": (
        "job_lease",
        [
            ("name", Varchar, _p("", pk=True, length=64)),
            ("holder", Varchar, _p("", length=64)),
            ("until", Timestamptz, _p(None, null=True)),
        ],
    ),
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="seals", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Seal",
        tablename="seal",
        column_name="mold_code",
        db_column_name="mold_code",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_p(None, null=True, index=True, length=32),
        schema=None,
    )
    for class_name, (table, columns) in _COLUMNS.items():
        manager.add_table(class_name=class_name, tablename=table, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=table,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
