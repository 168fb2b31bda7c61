"""Piccolo app `webhooks`: subscriptions, deliveries, attempts.

Add a table: list it in `table_classes`, then `piccolo migrations new webhooks --auto`.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.webhooks.tables import WebhookAttempt, WebhookDelivery, WebhookSubscription

APP_CONFIG = AppConfig(
    app_name="webhooks",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[WebhookSubscription, WebhookDelivery, WebhookAttempt],
    migration_dependencies=["hub.seals.piccolo_app"],
    commands=[],
)
