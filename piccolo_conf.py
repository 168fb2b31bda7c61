"""Piccolo configuration: the app registry (one Piccolo app per package) and a default engine.

The engine here only serves the `piccolo` CLI (e.g. `piccolo migrations new tenants --auto`).
The running hub builds its engine from its settings in `hub.db.open_database`, which
rebinds every table and replaces `DB` below, so import order never decides the database.

Adding a package's tables: give it a `piccolo_app.py` with `APP_CONFIG` and add one line
to `APPS`.
"""

import os

from piccolo.conf.apps import AppRegistry

from hub.db import make_engine
from hub.settings import DatabaseSettings

APPS = [
    "hub.piccolo_app",
    "tenants.piccolo_app",
    "tenants.molds.piccolo_app",
    "hub.seals.piccolo_app",
    "hub.signing.piccolo_app",
    "adapters.admission.piccolo_app",
    "hub.evidence.piccolo_app",
    "monitoring.piccolo_app",
    "hub.documents.piccolo_app",
    "hub.webhooks.piccolo_app",
    "hub.trust.piccolo_app",
    "hub.web.piccolo_app",
]

APP_REGISTRY = AppRegistry(apps=APPS)

DB = make_engine(DatabaseSettings.from_env(os.environ))
