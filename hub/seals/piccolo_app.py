"""Piccolo app `seals`: seals, their history, use requests, signatures, local vendor store.

Add a table: list it in `table_classes`, then `piccolo migrations new seals --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.seals.tables import JobLease, Seal, SealEvent, SealNotice
from hub.signing.tables import SignatureRecord, UseRequest
from hub.sms.tables import OtpCode
from hub.vendors.tables import VendorRecord

APP_CONFIG = AppConfig(
    app_name="seals",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        Seal,
        SealEvent,
        UseRequest,
        SignatureRecord,
        VendorRecord,
        SealNotice,
        JobLease,
        OtpCode,
    ],
    migration_dependencies=["tenants.piccolo_app"],
    commands=[],
)
