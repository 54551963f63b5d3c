"""Staff console for price increases of existing subscriptions (docs/billing.md, "Notices the law
requires"): staff schedule one (through `subscription_price_change_create`, the same rules as the seller
API) and see who consented; nothing is edited or deleted afterwards. Registered by `admin.py`."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from config.errors import DomainError
from config.i18n import localize
from payments.admin import ReadOnlyInline
from payments.billing.models import SubscriptionPriceChange, SubscriptionPriceConsent
from payments.billing.services import subscription_price_change_create


class PriceChangeForm(forms.ModelForm):
    """Creating calls the service in `clean`, so its refusals show on the form, like a field's."""

    class Meta:
        model = SubscriptionPriceChange
        fields = ["product", "new_price", "effective_at", "consent_deadline", "on_no_consent"]

    def __init__(self, *args, **kwargs) -> None:
        self.actor = kwargs.pop("actor", None)
        super().__init__(*args, **kwargs)
        if "consent_deadline" in self.fields:
            self.fields["consent_deadline"].required = False

    def clean(self):
        data = super().clean()
        if self.errors or self.actor is None:
            return data
        try:
            self.instance = subscription_price_change_create(
                product_id=data["product"].pk,
                actor=self.actor,
                new_price=data["new_price"],
                effective_at=data["effective_at"],
                consent_deadline=data.get("consent_deadline"),
                on_no_consent=data["on_no_consent"],
            )
        except DomainError as exc:
            fields = (exc.details or {}).get("fields") or {}
            for name, messages in fields.items():
                self.add_error(name if name in self.fields else None, "; ".join(messages))
            if not fields:
                self.add_error(None, f"{exc.code}: {localize(exc.message)}")
        return data


class PriceConsentInline(ReadOnlyInline):
    model = SubscriptionPriceConsent
    fields = ["subscription", "price", "state", "consented_at", "settled_at"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("subscription")


@admin.register(SubscriptionPriceChange)
class SubscriptionPriceChangeAdmin(admin.ModelAdmin):
    form = PriceChangeForm
    list_display = [
        "price_change_id",
        "product",
        "new_price",
        "effective_at",
        "consent_deadline",
        "on_no_consent",
    ]
    list_filter = ["on_no_consent"]
    search_fields = ["price_change_id", "product__name"]
    autocomplete_fields = ["product"]
    inlines = [PriceConsentInline]
    ordering = ["-created_at", "-pk"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class WithActor(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, actor=actor, **kw)

        return WithActor

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "price_change_id",
            "product",
            "new_price",
            "new_tax_free",
            "effective_at",
            "consent_opens_at",
            "consent_deadline",
            "on_no_consent",
            "created_by",
            "created_at",
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a scheduled change is never edited: schedule another once it has applied

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        pass  # saved by the service in the form's clean()
