from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Domain events (the outbox), partner webhooks and notifications (docs/events.md).

    It hooks into the payment core and the capabilities through their signals and append-only logs,
    connected here; none of them imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments.events"
    label = "events"
    verbose_name = _("Events and notifications")

    def ready(self) -> None:
        from config.observability.collectors import scrape_collector_register
        from payments.events import receivers
        from payments.events.metrics import open_outcomes_collect, outbox_lag_collect

        receivers.connect()
        scrape_collector_register("pg_outcomes_open", open_outcomes_collect)
        scrape_collector_register("events_outbox", outbox_lag_collect)
