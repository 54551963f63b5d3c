"""Staff console for automatic payments: shown, never edited (the core's `ReadOnlyAdmin`).

Subscriptions offer "charge the due period again" (`subscription_charge_retry`, after staff checked at
Bootpay that an unknown charge took no money), "cancel" (`subscription_cancel`) and, for an open
outcome, "book the receipt Bootpay shows" (`subscription_charge_book_receipt`). A billing key is shown
by its masked card only: the key and its ciphertext never reach a page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from config.i18n import localize
from payments.admin import ReadOnlyAdmin, ReadOnlyInline
from payments.billing.models import BillingKey, Subscription, SubscriptionCharge, SubscriptionEvent
from payments.billing.services import (
    subscription_cancel,
    subscription_charge_book_receipt,
    subscription_charge_retry,
)

# --- Automatic payments ------------------------------------------------------------------------------


class BookReceiptForm(forms.Form):
    receipt_id = forms.CharField(
        label=_("Receipt id"),
        max_length=64,
        help_text=_("The receipt id Bootpay's console shows for the order."),
    )


@admin.register(BillingKey)
class BillingKeyAdmin(ReadOnlyAdmin):
    list_display = ["billing_key_id", "buyer", "card_company", "card_number_masked", "status", "created_at"]
    list_select_related = ["buyer"]
    list_filter = ["status", "created_at"]
    search_fields = ["billing_key_id", "receipt_id", "buyer__username", "buyer__email"]
    search_help_text = _("Billing key id, issuance receipt id, buyer username or email.")
    # Never the key, nor its ciphertext or fingerprint.
    fields = [
        "billing_key_id",
        "buyer",
        "card_company",
        "card_number_masked",
        "status",
        "receipt_id",
        "expires_at",
        "created_at",
        "removed_at",
    ]
    HIDDEN = ("key_encrypted", "key_fingerprint")

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name not in self.HIDDEN]


class SubscriptionChargeInline(ReadOnlyInline):
    model = SubscriptionCharge
    fields = [
        "period",
        "order",
        "state",
        "attempts",
        "last_error_code",
        "receipt_id",
        "sent_at",
        "sending_until",
        "first_declined_at",
        "created_at",
        "updated_at",
    ]
    ordering = ["period", "pk"]
    show_change_link = False
    verbose_name_plural = _("charges (one order per period)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


class SubscriptionEventInline(ReadOnlyInline):
    model = SubscriptionEvent
    fields = ["created_at", "kind", "actor", "actor_label", "data"]
    ordering = ["created_at", "pk"]
    show_change_link = False
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class OpenOutcomeFilter(admin.SimpleListFilter):
    """Subscriptions with a charge sent to Bootpay whose outcome is open (`sending`, `unknown`), whatever
    their status: money may be at Bootpay unbooked (docs/billing.md, "Open outcomes")."""

    title = _("PG outcome")
    parameter_name = "open_outcome"

    def lookups(self, request, model_admin):
        return [("yes", _("open (sent, no answer)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(charges__state__in=SubscriptionCharge.OPEN_STATES).distinct()
        return queryset


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = [
        "subscription_id",
        "buyer",
        "product",
        "status",
        "mode",
        "price",
        "current_period",
        "next_charge_at",
        "created_at",
    ]
    list_select_related = ["buyer", "product"]
    list_filter = [OpenOutcomeFilter, "status", "mode", "interval", "created_at"]
    date_hierarchy = "created_at"
    search_fields = [
        "subscription_id",
        "buyer__username",
        "buyer__email",
        "product__name",
        "charges__order__order_id",
        "charges__receipt_id",
    ]
    search_help_text = _(
        "Subscription id, buyer username or email, product name, a period's order or receipt id."
    )
    fields = [
        "subscription_id",
        "buyer",
        "product",
        "billing_key",
        "status",
        "mode",
        "interval",
        "price",
        "tax_free",
        "current_period",
        "current_period_start",
        "current_period_end",
        "next_charge_at",
        "retry_count",
        "reserve_id",
        "created_at",
        "cancelled_at",
    ]
    readonly_fields = ["book_receipt"]
    inlines = [SubscriptionChargeInline, SubscriptionEventInline]
    actions = ["charge_again", "charge_again_confirmed", "cancel_selected"]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if (
            obj is not None
            and self.has_billing_permission(request)
            and (
                obj.status != Subscription.Status.CANCELLED
                or obj.charges.filter(state__in=SubscriptionCharge.OPEN_STATES).exists()
            )
        ):
            fields.append("book_receipt")
        return fields

    @admin.display(description=_("unknown outcome"))
    def book_receipt(self, subscription: Subscription) -> str:
        url = reverse(
            "admin:billing_subscription_book_receipt",
            args=[subscription.pk],
            current_app=self.admin_site.name,
        )
        return format_html('<a href="{}">{}</a>', url, gettext("Book the receipt Bootpay shows…"))

    def get_urls(self):
        book = path(
            "<path:object_id>/book-receipt/",
            self.admin_site.admin_view(self.book_receipt_view),
            name="billing_subscription_book_receipt",
        )
        return [book, *super().get_urls()]

    def book_receipt_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Staff book the receipt of a charge Bootpay did not answer (`subscription_charge_book_receipt`)."""
        subscription = self.get_object(request, unquote(object_id))
        if subscription is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_billing_permission(request):
            raise PermissionDenied
        change_url = reverse(
            "admin:billing_subscription_change", args=[subscription.pk], current_app=self.admin_site.name
        )
        form = BookReceiptForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                charge = subscription_charge_book_receipt(
                    subscription_id=subscription.subscription_id,
                    receipt_id=form.cleaned_data["receipt_id"],
                    actor=request.user,
                )
            except DomainError as exc:
                message = gettext("Not booked (%(code)s): %(message)s")
                self.message_user(
                    request, message % {"code": exc.code, "message": localize(exc.message)}, messages.ERROR
                )
            else:
                message = gettext("Period %(period)s: %(state)s.") % {
                    "period": charge.period,
                    "state": charge.state,
                }
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        charge = (
            subscription.charges.filter(period=subscription.current_period + 1)
            .select_related("order")
            .first()
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Book a receipt for %(subscription_id)s")
            % {"subscription_id": subscription.subscription_id},
            "opts": self.opts,
            "subscription": subscription,
            "period": subscription.current_period + 1,
            "order_id": charge.order.order_id if charge else "",
            "charge_state": charge.state if charge else "",
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/billing/subscription/book_receipt.html", context)

    def has_billing_permission(self, request: HttpRequest) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and request.user.has_perm("billing.change_subscription")
        )

    @admin.action(
        description=_("Charge the due period again (checked at Bootpay: no money taken)"),
        permissions=["billing"],
    )
    def charge_again(self, request, queryset, *, no_charge_confirmed: bool = False):
        for subscription in queryset.order_by("pk"):
            try:
                charge = subscription_charge_retry(
                    subscription_id=subscription.subscription_id,
                    actor=request.user,
                    no_charge_confirmed=no_charge_confirmed,
                )
            except DomainError as exc:
                self.message_user(request, self._refusal(subscription, exc), messages.ERROR)
                continue
            state = charge.state if charge is not None else gettext("nothing due")
            message = gettext("%(subscription_id)s: charge %(state)s.")
            self.message_user(
                request,
                message % {"subscription_id": subscription.subscription_id, "state": state},
                messages.INFO,
            )

    @admin.action(
        description=_(
            "Charge the due period again now: I checked Bootpay's console, the unknown charge took no money"
        ),
        permissions=["billing"],
    )
    def charge_again_confirmed(self, request, queryset):
        self.charge_again(request, queryset, no_charge_confirmed=True)

    @admin.action(description=_("Cancel the selected subscriptions"), permissions=["billing"])
    def cancel_selected(self, request, queryset):
        for subscription in queryset.order_by("pk"):
            try:
                subscription_cancel(subscription_id=subscription.subscription_id, actor=request.user)
            except DomainError as exc:
                self.message_user(request, self._refusal(subscription, exc), messages.ERROR)
                continue
            message = gettext("%(subscription_id)s: cancelled.") % {
                "subscription_id": subscription.subscription_id
            }
            self.message_user(request, message, messages.SUCCESS)

    @staticmethod
    def _refusal(subscription: Subscription, exc: DomainError) -> str:
        return f"{subscription.subscription_id}: {exc.code}: {localize(exc.message)}"


from payments.billing import admin_price_changes  # noqa: E402, F401  (registers the price changes' admin)
