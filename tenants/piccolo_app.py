"""Piccolo app of the `tenants` package: tenants, accounts, identity, policy.

Add a table: list it in `table_classes`, then `piccolo migrations new tenants --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from tenants.identity.tables import Enterprise, Person
from tenants.policy.tables import TenantPolicy
from tenants.tables import Account, Tenant

APP_CONFIG = AppConfig(
    app_name="tenants",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Tenant, Account, TenantPolicy, Person, Enterprise],
    migration_dependencies=[],
    commands=[],
)
