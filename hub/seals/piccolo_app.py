"""Piccolo app `seals`: seals, their history, notices, job leases, one-time codes, local
vendor store. (Use requests and signature records are the `signing` app's since
`seals_2026_12_06t21_00_00_000000`.)

Add a table: list it in `table_classes`, then `piccolo migrations new seals --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.seals.tables import JobLease, Seal, SealEvent, SealNotice
from hub.sms.tables import OtpCode
from hub.vendors.tables import VendorRecord

APP_CONFIG = AppConfig(
    app_name="seals",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        Seal,
        SealEvent,
        VendorRecord,
        SealNotice,
        JobLease,
        OtpCode,
    ],
    migration_dependencies=["tenants.piccolo_app"],
    commands=[],
)
