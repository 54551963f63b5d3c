"""Staff console for payments: shown, never edited.

Money records change only through `payments.services`: every money field here is read-only and
nothing can be added or deleted. Staff act through two doors that call the services: the refund
form of a payment (`payment_cancel`, as the acting user, one idempotency key per form) and the
"reprocess" action of webhook deliveries (`webhook_process`; that admin is the webhooks capability's,
payments/webhooks/admin.py). Subscriptions add two: "charge the due
period again" (`subscription_charge_retry`, after staff checked at Bootpay that an unknown charge took no
money) and "cancel" (`subscription_cancel`). Escrow registrations add one: "send the failed registration
again" (`escrow_registration_retry`, perhaps with a corrected courier and tracking number). A billing
key is shown by its masked card only: the key and its ciphertext never reach a page.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import ShownOnly, won
from config.errors import DomainError
from config.i18n import localize
from orders.admin import OrderAdmin
from orders.models import Order
from payments.admin_refund import RefundForm, new_idempotency_key, outcome_message, refusal_message
from payments.models import (
    Cancellation,
    EscrowRegistration,
    Payment,
    PaymentEvent,
)
from payments.services import escrow_registration_retry, payment_cancel

logger = logging.getLogger(__name__)

# Statuses a refund (or the withdrawal of a payment that took no money) may start from.
REFUNDABLE_STATUSES = (
    Payment.Status.AWAITING_CONFIRM,
    Payment.Status.AWAITING_DEPOSIT,
    Payment.Status.PAID,
    Payment.Status.PARTIALLY_CANCELLED,
)


class ReadOnlyAdmin(ShownOnly, admin.ModelAdmin):
    """Money records change only through `payments.services`; the admin only shows them."""

    def get_readonly_fields(self, request, obj=None):
        # Everything, listed or not (a read-only admin renders no inputs anyway: belt and braces).
        return [*self.readonly_fields, *(f.name for f in self.model._meta.concrete_fields)]


class ReadOnlyInline(ShownOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields


# --- Orders get their payments -----------------------------------------------------------------------


class OrderPaymentInline(ReadOnlyInline):
    model = Payment
    fields = [
        "public_id",
        "receipt_id",
        "status",
        "method",
        "amount",
        "tax_free_amount",
        "cancelled_amount",
        "created_at",
    ]
    verbose_name_plural = _("payments")


admin.site.unregister(Order)


@admin.register(Order)
class OrderWithPaymentsAdmin(OrderAdmin):
    """The orders app's admin, plus the order's payments (payments knows orders, not the reverse)."""

    inlines = [*OrderAdmin.inlines, OrderPaymentInline]
    search_fields = [*OrderAdmin.search_fields, "payments__receipt_id"]
    search_help_text = _("Order id, receipt id, buyer username or email, seller name.")


# --- Payments -------------------------------------------------------------------------------------------


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "actor_label", "data"]
    ordering = ["created_at", "pk"]
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class CancellationInline(ReadOnlyInline):
    model = Cancellation
    fields = [
        "cancel_id",
        "state",
        "amount",
        "tax_free_amount",
        "reason",
        "lines",
        "requested_by",
        "error_code",
        "created_at",
        "completed_at",
    ]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by").prefetch_related("items")

    @admin.display(description=_("lines"))
    def lines(self, cancellation: Cancellation) -> str:
        return ", ".join(f"#{item.pk} {item}" for item in cancellation.items.all()) or "—"


class EscrowRegistrationInline(ReadOnlyInline):
    """The escrow shipment's registration with Bootpay (at most one per payment)."""

    model = EscrowRegistration
    fields = [
        "state",
        "item",
        "courier",
        "tracking_number",
        "error_code",
        "attempt_started_at",
        "created_at",
        "completed_at",
    ]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "receipt_id",
        "order",
        "buyer_name",  # not "buyer": the payment's own copy of the buyer (a field) would win over it
        "status",
        "amount",
        "cancelled_amount",
        "method",
        "pg",
        "sandbox",
        "created_at",
    ]
    list_select_related = ["order", "order__buyer"]
    list_filter = ["status", "method", "sandbox", "escrow", "created_at"]
    date_hierarchy = "created_at"
    search_fields = [
        "receipt_id",
        "public_id",
        "order__order_id",
        "order__buyer__username",
        "order__buyer__email",
        "order__items__seller__name",
    ]
    search_help_text = _("Receipt id, payment id, order id, buyer username or email, seller name.")
    fields = [
        "public_id",
        "order",
        "receipt_id",
        "status",
        "refund",
        "amount",
        "tax_free_amount",
        "cancelled_amount",
        "cancelled_tax_free_amount",
        "balance",
        "method",
        "method_name",
        "pg",
        "sandbox",
        "escrow",
        "purchased_at",
        "created_at",
        "updated_at",
        "raw_receipt",
    ]
    readonly_fields = ["refund", "balance"]
    inlines = [PaymentEventInline, CancellationInline, EscrowRegistrationInline]
    actions = ["refund_selected"]
    change_form_template = "admin/payments/payment/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "order__buyer")

    @admin.display(description=_("buyer"), ordering="order__buyer__username")
    def buyer_name(self, payment: Payment) -> str:
        return payment.order.buyer.get_username()

    @admin.display(description=_("left to refund"))
    def balance(self, payment: Payment) -> str:
        tax_free = payment.tax_free_amount - payment.cancelled_tax_free_amount
        return won(payment.cancellable_amount(), tax_free)

    @admin.display(description=_("refund"))
    def refund(self, payment: Payment) -> str:
        if payment.status not in REFUNDABLE_STATUSES:
            return "—"
        return format_html('<a href="{}">{}</a>', self.refund_url(payment), gettext("Refund…"))

    # --- The refund door ------------------------------------------------------------------------------

    def has_refund_permission(self, request: HttpRequest, obj: Payment | None = None) -> bool:
        """Staff allowed to see payments and to book cancellations (superusers have both)."""
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and user.has_perm("payments.add_cancellation")
            and self.has_view_permission(request, obj)
        )

    def refund_url(self, payment: Payment) -> str:
        return reverse("admin:payments_payment_refund", args=[payment.pk], current_app=self.admin_site.name)

    def get_urls(self):
        refund = path(
            "<path:object_id>/refund/",
            self.admin_site.admin_view(self.refund_view),
            name="payments_payment_refund",
        )
        return [refund, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        refundable = payment is not None and payment.status in REFUNDABLE_STATUSES
        if refundable and self.has_refund_permission(request, payment):
            context["refund_url"] = self.refund_url(payment)
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self.has_refund_permission(request, obj):
            fields = [name for name in fields if name != "refund"]
        return fields

    @admin.action(description=_("Refund the selected payment…"), permissions=["refund"])
    def refund_selected(self, request, queryset):
        payments = list(queryset[:2])
        if len(payments) != 1:
            self.message_user(request, gettext("Select exactly one payment to refund."), messages.WARNING)
            return None
        return HttpResponseRedirect(self.refund_url(payments[0]))

    def refund_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_refund_permission(request, payment):
            raise PermissionDenied
        change_url = reverse(
            "admin:payments_payment_change", args=[payment.pk], current_app=self.admin_site.name
        )
        if request.method == "POST":
            form = RefundForm(request.POST, payment=payment)
            if form.is_valid():
                outcome = self._refund(request, payment, form)
                if outcome is not None:
                    return HttpResponseRedirect(change_url)
                form = self._form_after_refusal(request, payment, form)
        else:
            form = RefundForm(payment=payment, initial={"idempotency_key": new_idempotency_key()})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Refund %(receipt_id)s") % {"receipt_id": payment.receipt_id},
            "opts": self.opts,
            "payment": payment,
            "balance": self.balance(payment),
            "form": form,
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/payments/payment/refund.html", context)

    def _refund(self, request: HttpRequest, payment: Payment, form: RefundForm) -> Cancellation | None:
        arguments = form.service_arguments()
        key = arguments["idempotency_key"]
        repeat = payment.cancellations.filter(idempotency_key=key).exists()
        try:
            cancellation = payment_cancel(payment_pk=payment.pk, actor=request.user, **arguments)
        except DomainError as exc:
            self.message_user(request, refusal_message(exc), messages.ERROR)
            return None
        level = messages.SUCCESS if cancellation.state == Cancellation.State.SUCCEEDED else messages.WARNING
        self.message_user(request, outcome_message(cancellation, repeat=repeat), level)
        return cancellation

    def _form_after_refusal(self, request: HttpRequest, payment: Payment, form: RefundForm) -> RefundForm:
        """The same form again; its key is kept unless a cancellation under it was definitely refused
        (a replay would only repeat that refusal), so correcting and resubmitting is a new request."""
        key = form.cleaned_data["idempotency_key"]
        spent = payment.cancellations.filter(idempotency_key=key, state=Cancellation.State.FAILED).exists()
        if not spent:
            return form
        data = request.POST.copy()
        data["idempotency_key"] = new_idempotency_key()
        return RefundForm(data, payment=payment)


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["payment", "kind", "from_status", "to_status", "actor", "actor_label", "created_at"]
    list_select_related = ["payment", "actor"]
    list_filter = ["kind", "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["payment__receipt_id", "payment__order__order_id"]
    search_help_text = _("Receipt id, order id.")


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    list_display = [
        "cancel_id",
        "payment",
        "amount",
        "tax_free_amount",
        "state",
        "requested_by",
        "created_at",
        "completed_at",
    ]
    list_select_related = ["payment", "requested_by"]
    list_filter = ["state", "created_at"]
    date_hierarchy = "created_at"
    search_fields = [
        "cancel_id",
        "payment__receipt_id",
        "payment__order__order_id",
        "payment__order__buyer__username",
        "payment__order__buyer__email",
    ]
    search_help_text = _("Cancel id, receipt id, order id, buyer username or email.")
    # The refund account is kept for retries; staff see where the money went, not the whole number.
    fields = [
        "cancel_id",
        "payment",
        "state",
        "amount",
        "tax_free_amount",
        "reason",
        "lines",
        "charged_to",
        "refund_to",
        "requested_by",
        "idempotency_key",
        "error_code",
        "pg_response",
        "attempt_started_at",
        "created_at",
        "completed_at",
    ]
    readonly_fields = ["refund_to", "lines", "charged_to"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "refund_account"]

    @admin.display(description=_("charged to"))
    def charged_to(self, cancellation: Cancellation) -> str:
        """The sellers' shares (docs/statements.md)."""
        shares = cancellation.shares.select_related("seller")
        return (
            format_html_join(", ", "{} {}", ((s.seller, won(s.amount, s.tax_free_amount)) for s in shares))
            or "—"
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment", "requested_by")

    @admin.display(description=_("lines"))
    def lines(self, cancellation: Cancellation) -> str:
        return format_html_join(", ", "#{} {}", ((item.pk, str(item)) for item in cancellation.items.all()))

    @admin.display(description=_("refunded to"))
    def refund_to(self, cancellation: Cancellation) -> str:
        account = cancellation.refund_account or {}
        number = str(account.get("bank_account", ""))
        if not number:
            return "—"
        return gettext("bank %(bank_code)s, account …%(last4)s") % {
            "bank_code": account.get("bank_code", ""),
            "last4": number[-4:],
        }


class EscrowRetryForm(ActionForm):
    """Beside the action menu: corrected values for "send again" (both or neither: neither keeps them)."""

    courier = forms.CharField(label=capfirst(_("courier")), required=False, max_length=40)
    tracking_number = forms.CharField(label=capfirst(_("tracking number")), required=False, max_length=40)


@admin.register(EscrowRegistration)
class EscrowRegistrationAdmin(ReadOnlyAdmin):
    """Escrow shipments registered with Bootpay; `requested` ones are retried by reconcile, `failed` ones
    (Bootpay refused) by staff with the "send again" action, perhaps with corrected values."""

    action_form = EscrowRetryForm
    actions = ["send_again"]

    list_display = [
        "payment",
        "state",
        "courier",
        "tracking_number",
        "error_code",
        "created_at",
        "completed_at",
    ]
    list_select_related = ["payment"]
    list_filter = ["state", "created_at"]
    search_fields = ["payment__receipt_id", "payment__order__order_id", "tracking_number"]
    search_help_text = _("Receipt id, order id or tracking number.")
    fields = [
        "payment",
        "item",
        "state",
        "courier",
        "tracking_number",
        "error_code",
        "attempt_started_at",
        "created_at",
        "completed_at",
        "pg_response",
    ]

    def has_escrow_retry_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.has_perm("payments.change_escrowregistration"))

    @admin.action(
        description=_(
            "Send the failed registration again (courier and tracking number: corrected, or empty)"
        ),
        permissions=["escrow_retry"],
    )
    def send_again(self, request, queryset):
        courier = request.POST.get("courier", "").strip() or None
        tracking_number = request.POST.get("tracking_number", "").strip() or None
        for registration in queryset.order_by("pk"):
            try:
                registration = escrow_registration_retry(
                    registration_pk=registration.pk,
                    actor=request.user,
                    courier=courier,
                    tracking_number=tracking_number,
                )
            except DomainError as exc:
                self.message_user(
                    request, f"#{registration.pk}: {exc.code}: {localize(exc.message)}", messages.ERROR
                )
                continue
            level = (
                messages.SUCCESS
                if registration.state == EscrowRegistration.State.SUCCEEDED
                else messages.WARNING
            )
            detail = f" ({registration.error_code})" if registration.error_code else ""
            self.message_user(request, f"#{registration.pk}: {registration.state}{detail}.", level)
