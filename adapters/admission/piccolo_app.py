"""Piccolo app `admission`: vendor registrations, tenant admission rules, admissions and
their status history.

Add a table: list it in `table_classes`, then `piccolo migrations new admission --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from adapters.admission.tables import (
    Admission,
    AdmissionEvent,
    AdmissionRuleSet,
    VendorObservation,
    VendorRegistration,
    VendorRegistrationChange,
)

APP_CONFIG = AppConfig(
    app_name="admission",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        VendorRegistration,
        AdmissionRuleSet,
        Admission,
        AdmissionEvent,
        VendorRegistrationChange,
        VendorObservation,
    ],
    migration_dependencies=["tenants.piccolo_app"],
    commands=[],
)
