"""Query-string filters for the payment list (the shared pieces are in `config/filters.py`)."""

import django_filters

from config.filters import CreatedRangeFilterSet
from payments.models import Payment


class PaymentFilter(CreatedRangeFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Payment.Status.choices, label="Only payments in this status."
    )

    class Meta:
        model = Payment
        fields = ["status", "created_after", "created_before"]
