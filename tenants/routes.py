"""Every route of the tenants package, for `hub.app.create_app`."""

from __future__ import annotations

from tenants.controllers import AccountController, MyTenantController, TenantController
from tenants.identity.controllers import (
    EnterpriseController,
    PersonController,
    RegistrationController,
)
from tenants.policy.controllers import PolicyController, StatisticsController

TENANT_ROUTES = [
    TenantController,
    MyTenantController,
    AccountController,
    PersonController,
    RegistrationController,
    EnterpriseController,
    PolicyController,
    StatisticsController,
]
