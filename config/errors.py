"""One error vocabulary for every transport (REST envelope, GraphQL payloads).

Services raise only `DomainError`; adapters turn it into their wire shape. `code` values are
part of the public contract (docs/api.md "Errors"): never rename one.
"""

from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


class ErrorCode(models.TextChoices):
    VALIDATION_ERROR = "validation_error"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    ORDER_NOT_FOUND = "order_not_found"
    PAYMENT_NOT_FOUND = "payment_not_found"
    PRODUCT_NOT_FOUND = "product_not_found"
    THROTTLED = "throttled"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    INSUFFICIENT_STOCK = "insufficient_stock"
    ORDER_NOT_PAYABLE = "order_not_payable"
    AMOUNT_MISMATCH = "amount_mismatch"
    RECEIPT_ALREADY_USED = "receipt_already_used"
    RECEIPT_ORDER_MISMATCH = "receipt_order_mismatch"
    CANCEL_EXCEEDS_BALANCE = "cancel_exceeds_balance"
    PAYMENT_NOT_CANCELLABLE = "payment_not_cancellable"
    PAYMENT_NOT_CONFIRMABLE = "payment_not_confirmable"
    PAYMENT_FAILED = "payment_failed"
    CANCEL_IN_PROGRESS = "cancel_in_progress"
    # What the PG does not allow, refused before Bootpay is asked (payments.pg_rules).
    PARTIAL_CANCEL_UNSUPPORTED = "partial_cancel_unsupported"
    CANCEL_PERIOD_OVER = "cancel_period_over"
    CANCEL_UNSUPPORTED = "cancel_unsupported"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    GATEWAY_ERROR = "gateway_error"
    GATEWAY_UNAVAILABLE = "gateway_unavailable"
    # Automatic payments (payments.billing.services).
    BILLING_KEY_NOT_FOUND = "billing_key_not_found"
    BILLING_KEY_IN_USE = "billing_key_in_use"
    BILLING_KEY_INVALID = "billing_key_invalid"
    SUBSCRIPTION_NOT_FOUND = "subscription_not_found"
    PRODUCT_NOT_SUBSCRIBABLE = "product_not_subscribable"
    SUBSCRIPTION_NOT_ACTIVE = "subscription_not_active"
    SUBSCRIPTION_NOTHING_TO_RETRY = "subscription_nothing_to_retry"
    CHARGE_OUTCOME_OPEN = "charge_outcome_open"
    SUBSCRIPTION_EXISTS = "subscription_exists"
    # A seller's price increase for existing subscribers (payments.billing.services.price_changes).
    NO_PENDING_PRICE_CHANGE = "no_pending_price_change"
    PRICE_CHANGE_CONSENT_CLOSED = "price_change_consent_closed"
    PRICE_CHANGE_EXISTS = "price_change_exists"
    CASH_RECEIPT_IDENTIFIER_INVALID = "cash_receipt_identifier_invalid"
    CASH_RECEIPT_NOT_APPLICABLE = "cash_receipt_not_applicable"
    CASH_RECEIPT_IN_PROGRESS = "cash_receipt_in_progress"
    ADULT_VERIFICATION_REQUIRED = "adult_verification_required"
    IDENTITY_VERIFICATION_FAILED = "identity_verification_failed"
    # Transport-level refusals the REST handler maps from DRF (no service raises these).
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PARSE_ERROR = "parse_error"
    # Refused by config.middleware before any view: a query string over QUERY_STRING_MAX_BYTES.
    QUERY_TOO_LONG = "query_too_long"
    INTERNAL_ERROR = "internal_error"  # a bug: logged with its traceback, never raised on purpose


HTTP_STATUS_BY_CODE: dict[str, int] = {
    ErrorCode.VALIDATION_ERROR: 400,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.ORDER_NOT_FOUND: 404,
    ErrorCode.PAYMENT_NOT_FOUND: 404,
    ErrorCode.PRODUCT_NOT_FOUND: 404,
    ErrorCode.THROTTLED: 429,
    ErrorCode.PRODUCT_UNAVAILABLE: 409,
    ErrorCode.INSUFFICIENT_STOCK: 409,
    ErrorCode.ORDER_NOT_PAYABLE: 409,
    ErrorCode.AMOUNT_MISMATCH: 409,
    ErrorCode.RECEIPT_ALREADY_USED: 409,
    ErrorCode.RECEIPT_ORDER_MISMATCH: 409,
    ErrorCode.CANCEL_EXCEEDS_BALANCE: 409,
    ErrorCode.PAYMENT_NOT_CANCELLABLE: 409,
    ErrorCode.PAYMENT_NOT_CONFIRMABLE: 409,
    ErrorCode.PAYMENT_FAILED: 409,
    ErrorCode.CANCEL_IN_PROGRESS: 409,
    ErrorCode.PARTIAL_CANCEL_UNSUPPORTED: 409,
    ErrorCode.CANCEL_PERIOD_OVER: 409,
    ErrorCode.CANCEL_UNSUPPORTED: 409,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 422,
    ErrorCode.GATEWAY_ERROR: 502,
    ErrorCode.GATEWAY_UNAVAILABLE: 503,
    ErrorCode.BILLING_KEY_NOT_FOUND: 404,
    ErrorCode.BILLING_KEY_IN_USE: 409,
    ErrorCode.BILLING_KEY_INVALID: 400,
    ErrorCode.SUBSCRIPTION_NOT_FOUND: 404,
    ErrorCode.PRODUCT_NOT_SUBSCRIBABLE: 400,
    ErrorCode.SUBSCRIPTION_NOT_ACTIVE: 409,
    ErrorCode.SUBSCRIPTION_NOTHING_TO_RETRY: 409,
    ErrorCode.CHARGE_OUTCOME_OPEN: 409,
    ErrorCode.SUBSCRIPTION_EXISTS: 409,
    ErrorCode.NO_PENDING_PRICE_CHANGE: 409,
    ErrorCode.PRICE_CHANGE_CONSENT_CLOSED: 409,
    ErrorCode.PRICE_CHANGE_EXISTS: 409,
    ErrorCode.CASH_RECEIPT_IDENTIFIER_INVALID: 400,
    ErrorCode.CASH_RECEIPT_NOT_APPLICABLE: 409,
    ErrorCode.CASH_RECEIPT_IN_PROGRESS: 409,
    ErrorCode.ADULT_VERIFICATION_REQUIRED: 403,
    ErrorCode.IDENTITY_VERIFICATION_FAILED: 400,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NOT_ACCEPTABLE: 406,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.PARSE_ERROR: 400,
    ErrorCode.QUERY_TOO_LONG: 414,
    ErrorCode.INTERNAL_ERROR: 500,
}

# Lazy: rendered in the request's language (Accept-Language; config/i18n.py, locale/).
DEFAULT_MESSAGES: dict[str, StrOrPromise] = {
    ErrorCode.VALIDATION_ERROR: _("The request is invalid."),
    ErrorCode.NOT_AUTHENTICATED: _("Authentication credentials were not provided or are invalid."),
    ErrorCode.PERMISSION_DENIED: _("You may not perform this action."),
    ErrorCode.NOT_FOUND: _("Not found."),
    ErrorCode.ORDER_NOT_FOUND: _("Order not found."),
    ErrorCode.PAYMENT_NOT_FOUND: _("Payment not found."),
    ErrorCode.PRODUCT_NOT_FOUND: _("Product not found."),
    ErrorCode.THROTTLED: _("Too many requests."),
    ErrorCode.PRODUCT_UNAVAILABLE: _("A product in the order is not available."),
    ErrorCode.INSUFFICIENT_STOCK: _("Not enough stock for a product in the order."),
    ErrorCode.ORDER_NOT_PAYABLE: _("The order cannot be paid in its current state."),
    ErrorCode.AMOUNT_MISMATCH: _("The paid amount does not match the order total."),
    ErrorCode.RECEIPT_ALREADY_USED: _("The receipt is already bound to another payment."),
    ErrorCode.RECEIPT_ORDER_MISMATCH: _("The receipt belongs to another order."),
    ErrorCode.CANCEL_EXCEEDS_BALANCE: _("The cancel amount exceeds the remaining balance."),
    ErrorCode.PAYMENT_NOT_CANCELLABLE: _("The payment cannot be cancelled in its current state."),
    ErrorCode.PAYMENT_NOT_CONFIRMABLE: _("The payment is not waiting for approval."),
    ErrorCode.PAYMENT_FAILED: _("Bootpay reports this payment as failed or cancelled."),
    ErrorCode.CANCEL_IN_PROGRESS: _(
        "Another request is settling this cancellation with Bootpay; retry soon."
    ),
    ErrorCode.PARTIAL_CANCEL_UNSUPPORTED: _(
        "This payment's PG or method takes no partial cancel: cancel the whole payment instead."
    ),
    ErrorCode.CANCEL_PERIOD_OVER: _("The period in which the PG takes a cancel of this payment is over."),
    ErrorCode.CANCEL_UNSUPPORTED: _(
        "The PG does not take a cancel of this payment under the merchant's contract."
    ),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: _("This Idempotency-Key was already used for a different request."),
    ErrorCode.GATEWAY_ERROR: _("The payment gateway refused the request."),
    ErrorCode.GATEWAY_UNAVAILABLE: _("The payment gateway is unavailable; try again later."),
    ErrorCode.BILLING_KEY_NOT_FOUND: _("Billing key not found."),
    ErrorCode.BILLING_KEY_IN_USE: _("A subscription still uses this billing key."),
    ErrorCode.BILLING_KEY_INVALID: _("This receipt cannot be registered as your billing key."),
    ErrorCode.SUBSCRIPTION_NOT_FOUND: _("Subscription not found."),
    ErrorCode.PRODUCT_NOT_SUBSCRIBABLE: _("This product is not sold by subscription."),
    ErrorCode.SUBSCRIPTION_NOT_ACTIVE: _("The subscription is cancelled."),
    ErrorCode.SUBSCRIPTION_NOTHING_TO_RETRY: _("The period due has no unknown or declined charge to retry."),
    ErrorCode.CHARGE_OUTCOME_OPEN: _(
        "Bootpay may have taken this charge: wait for its notice, or confirm in Bootpay's console "
        "that no money was taken."
    ),
    ErrorCode.SUBSCRIPTION_EXISTS: _("You already have a live subscription to this product."),
    ErrorCode.NO_PENDING_PRICE_CHANGE: _("This subscription has no price change waiting for your consent."),
    ErrorCode.PRICE_CHANGE_CONSENT_CLOSED: _(
        "Consent to this price change is not open now: it opens 30 days before the new price applies and "
        "closes at its deadline."
    ),
    ErrorCode.PRICE_CHANGE_EXISTS: _("This product already has a price change that has not applied yet."),
    ErrorCode.CASH_RECEIPT_IDENTIFIER_INVALID: _(
        "The cash receipt number is not valid for this receipt type: a mobile phone or cash receipt card "
        "number for income deduction, a business registration number for expense proof."
    ),
    ErrorCode.CASH_RECEIPT_NOT_APPLICABLE: _(
        "A cash receipt cannot be requested for this order: it applies to a paid virtual-account or bank "
        "transfer payment, within the period the law allows."
    ),
    ErrorCode.CASH_RECEIPT_IN_PROGRESS: _(
        "This order's cash receipt is being issued or cancelled with Bootpay; try again shortly."
    ),
    ErrorCode.ADULT_VERIFICATION_REQUIRED: _(
        "This order contains an adult-only product: verify your identity as an adult first."
    ),
    ErrorCode.IDENTITY_VERIFICATION_FAILED: _(
        "The identity verification is not complete, has expired, or was made for someone else."
    ),
    ErrorCode.METHOD_NOT_ALLOWED: _("This HTTP method is not allowed here."),
    ErrorCode.NOT_ACCEPTABLE: _("No acceptable response format."),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: _("Unsupported media type in the request."),
    ErrorCode.PARSE_ERROR: _("The request body could not be parsed."),
    ErrorCode.QUERY_TOO_LONG: _("The query string is too long."),
    ErrorCode.INTERNAL_ERROR: _("Internal server error."),
}


class DomainError(Exception):
    """A business rule refused the request; `code` is the stable, machine-readable reason."""

    def __init__(self, code: ErrorCode, message: str | None = None, details: dict[str, Any] | None = None):
        self.code = ErrorCode(code)
        self.raw_message = message  # English, as written; `message` is it in the request's language
        self.details = details or {}
        super().__init__(f"{self.code}: {message or self.code.value}")

    @property
    def message(self) -> str:
        from config.i18n import localize

        return localize(self.raw_message) if self.raw_message else str(DEFAULT_MESSAGES[self.code])

    @property
    def localized_details(self) -> dict[str, Any]:
        """`details` with its field problems in the request's language."""
        from config.i18n import localize_details

        return localize_details(self.details)

    @property
    def http_status(self) -> int:
        return HTTP_STATUS_BY_CODE[self.code]

    @classmethod
    def invalid(cls, field: str, problem: str) -> "DomainError":
        return cls(ErrorCode.VALIDATION_ERROR, details={"fields": {field: [problem]}})
