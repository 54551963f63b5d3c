"""Query-string filters for the payment list."""

import django_filters

from orders.api.filters import BoundedIsoDateTimeFilter, StrictFilterSet
from payments.models import Payment


class PaymentFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Payment.Status.choices, label="Only payments in this status."
    )
    created_after = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Created at or after."
    )
    created_before = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Created before."
    )

    class Meta:
        model = Payment
        fields = ["status", "created_after", "created_before"]
