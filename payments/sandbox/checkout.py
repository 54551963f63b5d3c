"""What the TEST PAYMENT panel of the checkout does in sandbox mode instead of Bootpay's widget.

Bootpay's real widget needs Bootpay's servers. With BOOTPAY_MODE=sandbox the frontend swaps it for a
panel that asks this module to create the receipt a buyer would have produced, at the emulator the
gateway talks to. The price always comes from the order (a "tampered" receipt deliberately differs);
the browser sends none. Outside sandbox mode every call is `not_found`, as if the endpoint did not exist.

The same for automatic payments: `sandbox_issue_billing_key` is what the widget's requestSubscription
produces, a billing-key issuance receipt. Like the widget, it answers only the receipt id: the billing
key stays at the emulator until the server registers the receipt (which checks the subscription_id).
"""

from dataclasses import dataclass
from enum import StrEnum

import requests
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.selectors import order_get_visible
from payments.gateway import get_gateway

# What the amount-tampering scenario takes off (or, for small orders, adds to) the order's total.
TAMPER_DELTA = 1_000


class Scenario(StrEnum):
    PAID = "paid"  # card approved → the widget resolves `done`
    CONFIRM = "confirm"  # card authenticated, waiting for our server's approval → `confirm`
    VBANK = "vbank"  # virtual account issued → `issued`
    FAILED = "failed"  # the PG refused → the widget rejects with `error`
    TAMPERED = "tampered"  # paid, but at another price than the order's → `done`, then amount_mismatch


# scenario → (emulator receipt state, the widget's event)
_RECEIPT = {
    Scenario.PAID: ("paid", "done"),
    Scenario.CONFIRM: ("awaiting_confirm", "confirm"),
    Scenario.VBANK: ("vbank_issued", "issued"),
    Scenario.FAILED: ("failed", "error"),
    Scenario.TAMPERED: ("paid", "done"),
}
FAILED_ERROR_CODE = "RC_PG_FAILED"


@dataclass(frozen=True)
class SandboxPayment:
    receipt_id: str
    order_id: str
    event: str  # done | confirm | issued | error, as BootpayWidget would report it
    error_code: str = ""
    message: str = ""


def sandbox_enabled() -> bool:
    return settings.BOOTPAY_MODE == "sandbox"


def sandbox_payment_create(
    *, order_id: str, scenario: Scenario, actor: AbstractBaseUser, escrow: bool = False
) -> SandboxPayment:
    """Create at the emulator the receipt the buyer's payment window would have produced; `escrow`:
    an escrow payment (the widget's `extra.escrow`), for an escrow_eligible order only."""
    if not sandbox_enabled():
        raise DomainError(ErrorCode.NOT_FOUND)
    order = order_get_visible(order_id=order_id, user=actor)
    if order.buyer_id != actor.pk:  # a seller or staff may see the order but never pays it
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if escrow and not order.escrow_eligible:
        raise DomainError.invalid("escrow", "only an order from one seller is paid by escrow")
    price, tax_free = order.total_amount, order.tax_free_amount
    if scenario == Scenario.TAMPERED:
        price = price - TAMPER_DELTA if price > TAMPER_DELTA else price + TAMPER_DELTA
        tax_free = min(tax_free, price)
    state, event = _RECEIPT[scenario]
    receipt = _emulator_create_receipt(
        order_id=order.order_id,
        price=price,
        tax_free=tax_free,
        state=state,
        order_name=order.order_name,
        metadata={"scenario": scenario.value},
        **({"escrow": True} if escrow else {}),
    )
    if event == "error":
        return SandboxPayment(
            receipt_id=receipt["receipt_id"],
            order_id=order.order_id,
            event=event,
            error_code=FAILED_ERROR_CODE,
            message="결제에 실패했습니다. (테스트 결제)",
        )
    return SandboxPayment(receipt_id=receipt["receipt_id"], order_id=order.order_id, event=event)


def sandbox_issue_billing_key(subscription_id: str, *, decline: bool = False) -> str:
    """Issue at the emulator the billing key the buyer's requestSubscription would have produced, for
    `subscription_id`; returns the issuance receipt's id (never the key). `decline`: a card that
    declines every charge, for trying the decline path."""
    if not sandbox_enabled():
        raise DomainError(ErrorCode.NOT_FOUND)
    answer = _emulator_post("billing-keys", {"subscription_id": subscription_id, "decline": decline})
    return answer["receipt_id"]


# The sandbox panel's identity verification: a person born in this year (adult: 30 years ago; minor: 10).
IDENTITY_AGES = {"adult": 30, "minor": 10}


def sandbox_identity_create(*, person: str) -> str:
    """Create at the emulator the verification the buyer's requestAuthentication would have produced, of
    an adult or a minor; returns its receipt id (the browser sends it to POST identity/verifications/)."""
    if not sandbox_enabled():
        raise DomainError(ErrorCode.NOT_FOUND)
    year = timezone.localdate().year - IDENTITY_AGES[person]
    return _emulator_post("certificates", {"birth": f"{year}0101"})["receipt_id"]


def _emulator_create_receipt(**fields) -> dict:
    return _emulator_post("receipts", fields)


def _emulator_post(path: str, fields: dict) -> dict:
    """POST to the emulator's control API; the answer must name a receipt (`receipt_id`)."""
    # The control API sits beside the emulator's REST API: http://host:port/v2 → http://host:port/_sandbox/
    base = get_gateway().api_base_url.rstrip("/").removesuffix("/v2")
    try:
        response = requests.post(f"{base}/_sandbox/{path}", json=fields, timeout=settings.BOOTPAY_TIMEOUT_S)
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise DomainError(
            ErrorCode.GATEWAY_UNAVAILABLE, "The Bootpay sandbox emulator did not answer (make sandbox)."
        ) from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("receipt_id"), str):
        raise DomainError(ErrorCode.GATEWAY_UNAVAILABLE, "The Bootpay sandbox emulator answered no receipt.")
    return answer
