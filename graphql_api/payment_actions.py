"""What may be done with a payment now, by the PG's rules (REST's payment `actions`)."""

from __future__ import annotations

import strawberry

from config.i18n import localize
from payments.pg_rules import PaymentActions


@strawberry.type(name="ActionRefusal", description="Why an action would be refused, and what to do instead.")
class ActionRefusalType:
    action: str = strawberry.field(description="cancel | partial_cancel | line_cancel")
    code: str = strawberry.field(description="The error code it would be refused with.")
    message: str = strawberry.field(description="Why, and what to do instead (the request's language).")


@strawberry.type(
    name="PaymentActions",
    description=(
        "What the PG would take now (docs/cancellations.md); the caller's own permissions still apply on top."
    ),
)
class PaymentActionsType:
    cancel: bool = strawberry.field(description="A cancel of everything that is left.")
    partial_cancel: bool = strawberry.field(description="A cancel of part of the amount.")
    line_cancel: bool = strawberry.field(description="A refund of some of the order's lines.")
    refund_account_required: bool = strawberry.field(
        description="A cancel must name the bank account to refund to (a deposited virtual account)."
    )
    escrow_registration: bool = strawberry.field(
        description="The PG takes escrow shipment registration through Bootpay (Inicis, KCP)."
    )
    reasons: list[ActionRefusalType]


def payment_actions_type(actions: PaymentActions) -> PaymentActionsType:
    return PaymentActionsType(
        cancel=actions.cancel,
        partial_cancel=actions.partial_cancel,
        line_cancel=actions.line_cancel,
        refund_account_required=actions.refund_account_required,
        escrow_registration=actions.escrow_registration,
        reasons=[
            ActionRefusalType(action=r.action, code=r.code, message=localize(r.message))
            for r in actions.reasons
        ],
    )
