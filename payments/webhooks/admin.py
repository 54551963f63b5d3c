"""Staff console for Bootpay's webhook deliveries (the core's `WebhookDelivery`): shown, never edited;
one door, the "reprocess" action, which calls `webhook_process` (the refund form and the rest of the
payments console: payments/admin.py)."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.db import savepoint_if_in_transaction
from payments.admin import ReadOnlyAdmin
from payments.models import WebhookDelivery
from payments.webhooks.services import webhook_process

logger = logging.getLogger(__name__)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "receipt_id", "dedupe_key", "state", "attempts", "received_at", "processed_at"]
    list_filter = ["state", "received_at"]
    date_hierarchy = "received_at"
    search_fields = ["receipt_id", "dedupe_key"]
    search_help_text = _("Receipt id, dedupe key.")
    actions = ["reprocess"]

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.change_webhookdelivery")

    @admin.action(description=_("Reprocess the selected deliveries"), permissions=["reprocess"])
    def reprocess(self, request, queryset):
        """Re-fetch each delivery's receipt and sync it (failed ones too); one message per delivery."""
        for delivery in queryset.order_by("pk"):
            label = gettext("Delivery #%(pk)s (%(receipt_id)s)") % {
                "pk": delivery.pk,
                "receipt_id": delivery.receipt_id or gettext("no receipt"),
            }
            try:
                with savepoint_if_in_transaction():  # in a caller's transaction: one failure, not all
                    processed = webhook_process(delivery_pk=delivery.pk, retry_failed=True)
            except Exception:  # a bug: keep going with the others, and say so
                logger.exception("admin reprocess of webhook delivery %s failed", delivery.pk)
                message = gettext("%(delivery)s: processing raised an error (logged).")
                self.message_user(request, message % {"delivery": label}, messages.ERROR)
                continue
            if processed is None:
                delivery.refresh_from_db()
                message = gettext(
                    "%(delivery)s: nothing to do, it is %(state)s "
                    "(done already, or another worker holds its receipt)."
                )
                self.message_user(
                    request, message % {"delivery": label, "state": delivery.state}, messages.INFO
                )
                continue
            level = {
                WebhookDelivery.State.PROCESSED: messages.SUCCESS,
                WebhookDelivery.State.UNMATCHED: messages.WARNING,
            }.get(processed.state, messages.ERROR)
            error = processed.error.strip().splitlines()[-1:] if processed.error else []
            detail = f" — {error[0][:200]}" if error else ""
            self.message_user(request, f"{label}: {processed.state}{detail}", level)
