"""The admin's refund form: what staff asks `payment_cancel` for, never an edit of an amount.

One idempotency key per form, generated when the form is first shown and carried in a hidden field,
so submitting the same form twice (a double click, a browser resubmit) books and sends one refund.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import won
from config.errors import DomainError, ErrorCode
from config.i18n import localize
from orders.models import OrderItem
from payments.gateway import REFUND_ACCOUNT_RULE, REFUND_BANKS, RefundAccount
from payments.models import Cancellation, Payment
from payments.selectors import payment_actions, payment_line_ids_in_flight

REASON_MAX = Cancellation._meta.get_field("reason").max_length


def new_idempotency_key() -> str:
    return f"admin-{uuid.uuid4().hex}"


def refundable_lines(payment: Payment) -> QuerySet[OrderItem]:
    """The payment's paid lines that no cancellation in flight already names."""
    return (
        OrderItem.objects.filter(order_id=payment.order_id, status=OrderItem.Status.PAID)
        .exclude(pk__in=payment_line_ids_in_flight(payment))
        .select_related("seller")
        .order_by("pk")
    )


class LineChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, item: OrderItem) -> str:
        notes = [item.seller.name]
        notes += [gettext("tax-free")] if item.is_tax_free else []
        notes += [gettext("shipped")] if item.shipped else []
        return f"#{item.pk} {item.product_name} × {item.quantity} = {item.line_total:,}₩ ({', '.join(notes)})"


class RefundForm(forms.Form):
    REMAINDER, AMOUNT, LINES = "remainder", "amount", "lines"

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    mode = forms.ChoiceField(
        label=_("Refund"),
        choices=[
            (AMOUNT, _("An amount")),
            (LINES, _("Order lines")),
            (REMAINDER, _("Everything left on the payment")),
        ],
        widget=forms.RadioSelect,
        initial=AMOUNT,
    )
    amount = forms.IntegerField(label=_("Amount (won)"), min_value=1, required=False)
    tax_free_amount = forms.IntegerField(
        label=_("Tax-free part (won)"),
        min_value=0,
        required=False,
        help_text=_("Amount refunds only. Left empty, taxable money goes back first."),
    )
    items = LineChoiceField(
        label=_("Lines"),
        queryset=OrderItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Paid lines not yet refunded; the amount is their total."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.TextInput(attrs={"size": 60})
    )
    # The banks and limits RefundAccount.problems() applies (payments/gateway/banks.py), as the shop has.
    bank_code = forms.ChoiceField(
        label=_("Refund bank"),
        required=False,
        choices=[("", "---------"), *((bank.code, f"{bank.name} ({bank.code})") for bank in REFUND_BANKS)],
    )
    bank_account = forms.CharField(
        label=_("Refund account number"),
        required=False,
        max_length=30,
        help_text=_("Hyphens and spaces are dropped."),
    )
    bank_username = forms.CharField(
        label=_("Account holder"), required=False, max_length=REFUND_ACCOUNT_RULE.holder_max_length
    )

    ACCOUNT_FIELDS = ("bank_code", "bank_account", "bank_username")

    def __init__(self, *args: Any, payment: Payment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment = payment
        self.fields["items"].queryset = refundable_lines(payment)
        # What the payment's PG takes (payments.pg_rules): only those modes are offered, with the reason.
        self.actions = payment_actions(payment)
        if (refusal := self.actions.refusal("cancel")) is not None:  # nothing the PG would take
            self.fields["mode"].choices = []
            self.fields["mode"].help_text = f"{refusal.code}: {localize(refusal.message)}"
        elif (refusal := self.actions.refusal("partial_cancel")) is not None:
            self.fields["mode"].choices = [c for c in self.fields["mode"].choices if c[0] == self.REMAINDER]
            self.fields["mode"].initial = self.REMAINDER
            self.fields["mode"].help_text = f"{refusal.code}: {localize(refusal.message)}"
            for name in ("amount", "tax_free_amount", "items"):
                del self.fields[name]
        self.account_required = self.actions.refund_account_required
        if not self.account_required:
            for name in self.ACCOUNT_FIELDS:
                del self.fields[name]

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("Give the reason for the refund."))
        return reason

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode = data.get("mode")
        amount, tax_free, items = data.get("amount"), data.get("tax_free_amount"), data.get("items")
        if mode == self.AMOUNT and amount is None:
            self.add_error("amount", gettext("Give the amount to refund."))
        if mode != self.AMOUNT:
            if amount is not None:
                self.add_error("amount", gettext("Only for an amount refund."))
            if tax_free is not None:
                self.add_error("tax_free_amount", gettext("Only for an amount refund."))
        if mode == self.LINES and not items:
            self.add_error("items", gettext("Choose at least one line."))
        if mode != self.LINES and items:
            self.add_error("items", gettext("Only for a refund of lines."))
        if self.account_required:
            for name in self.ACCOUNT_FIELDS:
                if not data.get(name, "").strip():
                    self.add_error(
                        name, gettext("A deposited virtual account is refunded to a bank account.")
                    )
        return data

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for `payment_cancel` (besides payment, actor)."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            "reason": data["reason"],
            "idempotency_key": data["idempotency_key"],
        }
        if data["mode"] == self.AMOUNT:
            arguments["amount"] = data["amount"]
            arguments["tax_free_amount"] = data.get("tax_free_amount")
        elif data["mode"] == self.LINES:
            arguments["item_ids"] = [item.pk for item in data["items"]]
        if self.account_required:
            arguments["refund"] = RefundAccount(**{name: data[name].strip() for name in self.ACCOUNT_FIELDS})
        return arguments


def outcome_message(cancellation: Cancellation, *, repeat: bool) -> str:
    """What became of the refund a form asked for (`repeat`: the form's key had been used already)."""
    text = (
        gettext("This form was already submitted: refund %(cancel_id)s of %(amount)s: %(state)s.")
        if repeat
        else gettext("Refund %(cancel_id)s of %(amount)s: %(state)s.")
    )
    amount = won(cancellation.amount, cancellation.tax_free_amount)
    return text % {"cancel_id": cancellation.cancel_id, "amount": amount, "state": cancellation.state}


def refusal_message(exc: DomainError) -> str:
    """`code: message` and what the details name (fields, balance…), for an admin error message, in the
    request's language (the service's English message and field problems are looked up like the API's)."""
    parts = [
        gettext("Refund refused (%(code)s): %(message)s")
        % {"code": exc.code, "message": localize(exc.message)}
    ]
    details = dict(exc.details)
    fields = details.pop("fields", None)
    if isinstance(fields, dict):
        parts += [f"{field}: {'; '.join(map(localize, problems))}" for field, problems in fields.items()]
    parts += [f"{key}: {value}" for key, value in details.items()]
    if exc.code == ErrorCode.GATEWAY_UNAVAILABLE:
        parts.append(
            gettext("The refund stays requested; submit the same form again or let reconcile settle it.")
        )
    return " — ".join(parts)
