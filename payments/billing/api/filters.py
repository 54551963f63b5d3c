"""Query-string filters for the payment list (the shared pieces are in `config/filters.py`)."""

import django_filters
from django.db.models import Exists, OuterRef

from config.filters import CreatedRangeFilterSet, StrictBooleanFilter
from payments.billing.models import Subscription, SubscriptionCharge


class SubscriptionFilter(CreatedRangeFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Subscription.Status.choices, label="Only subscriptions in this status."
    )
    open_outcome = StrictBooleanFilter(
        method="filter_open_outcome",
        label="Only subscriptions with a charge sent to Bootpay whose outcome is open (sending, unknown: "
        "money may be at Bootpay unbooked), whatever their status; or only those without.",
    )

    class Meta:
        model = Subscription
        fields = ["status", "open_outcome", "created_after", "created_before"]

    def filter_open_outcome(self, queryset, name, value):
        open_charges = SubscriptionCharge.objects.filter(
            subscription=OuterRef("pk"), state__in=SubscriptionCharge.OPEN_STATES
        )
        return queryset.filter(Exists(open_charges)) if value else queryset.exclude(Exists(open_charges))
