from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Bootpay's webhooks: no models of their own (`WebhookDelivery` is the core's), so no migrations;
    an app so that its command, admin and Celery tasks are found."""

    name = "payments.webhooks"
    label = "webhooks"
    verbose_name = _("Bootpay webhooks")

    def ready(self) -> None:
        from config.observability.collectors import scrape_collector_register
        from payments.webhooks.metrics import webhook_backlog_collect

        scrape_collector_register("webhook_backlog", webhook_backlog_collect)
