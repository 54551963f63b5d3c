"""Staff's view of cash receipts: every issuance with its state, failures and open outcomes, and a retry
that calls the same reconciler as the tasks (docs/cash-receipts.md). Identifiers only masked."""

import logging

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.db import savepoint_if_in_transaction
from payments.cash_receipts.models import CashReceiptIssuance, CashReceiptRequest
from payments.cash_receipts.services import cash_receipt_reconcile


class OutcomeFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("open", _("Open at Bootpay (sent, unanswered)")), ("failed", _("Refused (staff retry)"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(state__in=CashReceiptIssuance.OPEN_STATES)
        if self.value() == "failed":
            return queryset.filter(state__in=("failed", "cancel_failed"))
        return queryset


@admin.register(CashReceiptIssuance)
class CashReceiptIssuanceAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "order",
        "kind",
        "state",
        "type",
        "identifier_masked",
        "amount",
        "approval_no",
        "self_issued",
        "error_code",
        "issued_at",
        "cancelled_at",
    )
    list_filter = (OutcomeFilter, "state", "kind", "type", "self_issued", "issued_by_pg")
    search_fields = ("order__order_id", "standalone_order_id", "receipt_id", "approval_no")
    list_select_related = ("order",)
    exclude = ("identifier_encrypted",)
    readonly_fields = [f.name for f in CashReceiptIssuance._meta.fields if f.name != "identifier_encrypted"]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(
        description=_("Retry: bring the receipt in line with the money kept (re-sends refused ones)")
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[CashReceiptIssuance]) -> None:
        outcomes: dict[str, int] = {}
        for order_pk in sorted(set(queryset.values_list("order_id", flat=True))):
            try:
                with savepoint_if_in_transaction():
                    outcome = cash_receipt_reconcile(order_pk=order_pk, retry_failed=True)
            except Exception:  # one order's bug must not stop the others; logged with its traceback
                logging.getLogger("payments.cash_receipts").exception("admin retry failed")
                outcome = "error"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
        self.message_user(
            request, gettext("Cash receipts reconciled — %(summary)s") % {"summary": summary}, messages.INFO
        )


@admin.register(CashReceiptRequest)
class CashReceiptRequestAdmin(admin.ModelAdmin):
    list_display = (
        "order",
        "type",
        "identifier_masked",
        "source",
        "status",
        "amount",
        "approval_no",
        "updated_at",
    )
    list_filter = ("type", "source", "status")
    search_fields = ("order__order_id",)
    list_select_related = ("order",)
    exclude = ("identifier_encrypted",)
    readonly_fields = [f.name for f in CashReceiptRequest._meta.fields if f.name != "identifier_encrypted"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
