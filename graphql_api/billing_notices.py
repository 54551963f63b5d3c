"""A subscription's pending price increase (docs/billing.md, "Notices the law requires"), as GraphQL
shows it on `BillingSubscription.pendingPriceChange`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from payments.billing.selectors import PendingPriceChange


@strawberry.type(
    name="PendingPriceChange",
    description="A seller's price increase waiting for the buyer's consent (or consented, not applied yet).",
)
class PendingPriceChangeType:
    price_change_id: str = strawberry.field(description="pc_…")
    price: int = strawberry.field(description="What the subscription is charged now (won).")
    new_price: int = strawberry.field(description="What it would be charged from effectiveAt (won).")
    effective_at: datetime = strawberry.field(description="Periods beginning at or after this cost newPrice.")
    consent_opens_at: datetime = strawberry.field(description="Consent counts from here (30 days before).")
    consent_deadline: datetime = strawberry.field(description="The last moment to consent.")
    on_no_consent: str = strawberry.field(description="keep_price or cancel_at_period_end.")
    consented_at: datetime | None = strawberry.field(description="Null until the buyer consents.")

    @classmethod
    def of(cls, pending: PendingPriceChange | None) -> PendingPriceChangeType | None:
        return cls(**vars(pending)) if pending is not None else None
