"""`BootpayGateway`: the `Gateway` protocol over the official `bootpay-backend` SDK, and the process-wide
instance (`get_gateway` / `set_gateway`).

Every call is bounded in time (transport.py), authorised with a cached token or the Basic key pair
(tokens.py) and answered as a typed result or failure (types.py). Keys never leave this module: not
logged, not in exceptions, not in `repr`; a billing key is only ever an SDK argument.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests
from bootpay_backend import BootpayBackend
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from payments.gateway import metrics as gateway_metrics
from payments.gateway.cash_receipts import CashReceiptOperations
from payments.gateway.identity import IdentityOperations
from payments.gateway.tokens import token_cache
from payments.gateway.transport import ServerFault, bounded, install_transport
from payments.gateway.types import (
    KST,
    OUTCOME_UNKNOWN_CODES,
    RESERVE_ID_PATTERN,
    TOKEN_ERROR_CODES,
    BillingKeyInfo,
    Gateway,
    GatewayError,
    GatewayUnavailable,
    Receipt,
    RefundAccount,
    Reservation,
    ReservationStatus,
    is_billing_key,
    is_receipt_id,
    without_billing_key,
)

# The package's name, as before the split: log configuration and readers of the logs rely on it.
logger = logging.getLogger("payments.gateway")


class BootpayGateway(CashReceiptOperations, IdentityOperations):
    def __init__(
        self,
        *,
        mode: str,
        api_url: str = "",
        application_id: str = "",
        private_key: str = "",
        client_key: str = "",
        secret_key: str = "",
        timeout_s: float = 10.0,
    ):
        if api_url:
            self._base_url = {**BootpayBackend.BASE_URL, "configured": api_url.rstrip("/")}
            self._sdk_mode = "configured"
        elif mode in BootpayBackend.BASE_URL:
            self._base_url = BootpayBackend.BASE_URL
            self._sdk_mode = mode
        else:
            raise ImproperlyConfigured(f"BOOTPAY_API_URL is required for BOOTPAY_MODE={mode!r}")
        self.uses_client_key = bool(client_key and secret_key)
        if not self.uses_client_key and not (application_id and private_key):
            raise ImproperlyConfigured("Bootpay needs CLIENT_KEY/SECRET_KEY or APPLICATION_ID/PRIVATE_KEY")
        self._application_id = application_id
        self._private_key = private_key
        self._client_key = client_key
        self._secret_key = secret_key
        self.timeout_s = timeout_s
        install_transport()  # the per-call time limit needs it; see install_transport
        # A digest, not the key: a different private key must not reuse another pair's token.
        key_digest = hashlib.sha256(f"{application_id}:{private_key}".encode()).hexdigest()
        self._token_key = (self._base_url[self._sdk_mode], key_digest)

    @property
    def api_base_url(self) -> str:
        """The Bootpay REST base URL this gateway calls (for the sandbox: the emulator's `…/v2`)."""
        return self._base_url[self._sdk_mode]

    @classmethod
    def from_settings(cls) -> BootpayGateway:
        return cls(
            mode=settings.BOOTPAY_MODE,
            api_url=settings.BOOTPAY_API_URL,
            application_id=settings.BOOTPAY_APPLICATION_ID,
            private_key=settings.BOOTPAY_PRIVATE_KEY,
            client_key=settings.BOOTPAY_CLIENT_KEY,
            secret_key=settings.BOOTPAY_SECRET_KEY,
            timeout_s=settings.BOOTPAY_TIMEOUT_S,
        )

    def __repr__(self) -> str:  # never the keys
        auth = "client_key" if self.uses_client_key else "application_id"
        return f"<BootpayGateway {self._base_url[self._sdk_mode]} auth={auth} timeout={self.timeout_s}s>"

    # Public operations ---------------------------------------------------------------------------

    def lookup_receipt(self, receipt_id: str) -> Receipt:
        _check_receipt_id(receipt_id)
        return Receipt.from_payload(self._call("receipt", lambda sdk: sdk.receipt_payment(receipt_id)))

    def confirm(self, receipt_id: str) -> Receipt:
        _check_receipt_id(receipt_id)
        return Receipt.from_payload(self._call("confirm", lambda sdk: sdk.confirm_payment(receipt_id)))

    def cancel(
        self,
        *,
        receipt_id: str,
        cancel_id: str,
        reason: str,
        amount: int | None = None,
        tax_free: int | None = None,
        username: str = "",
        refund: RefundAccount | None = None,
        items: list[dict[str, Any]] | None = None,
    ) -> Receipt:
        """Cancel `amount` won (None = everything left). Reusing `cancel_id` makes a retry safe at the PG."""
        _check_receipt_id(receipt_id)
        if not cancel_id:
            raise ValueError("cancel_id is required: it is what makes a retried cancel safe")
        # What we ask for, at DEBUG; the refund account is redacted by the log formatter (config/logs.py).
        logger.debug(
            "bootpay cancel %s",
            cancel_id,
            extra={"receipt_id": receipt_id, "amount": amount, "tax_free": tax_free, "refund": refund},
        )
        return Receipt.from_payload(
            self._call(
                "cancel",
                lambda sdk: sdk.cancel_payment(
                    receipt_id=receipt_id,
                    cancel_id=cancel_id,
                    cancel_username=username,
                    cancel_message=reason,
                    cancel_price=amount,
                    cancel_tax_free=tax_free,
                    refund=refund.as_payload() if refund else None,
                    items=items,
                ),
            )
        )

    def shipping_start(
        self, *, receipt_id: str, courier: str, tracking_number: str, buyer_name: str, seller_name: str
    ) -> Receipt | None:
        """Register an escrow payment's shipment (`PUT escrow/shipping/start/{receipt_id}`): `courier` is
        Bootpay's `delivery_corp`. The success answer's shape is unconfirmed (probably the receipt): any
        JSON object that is no refusal means registered, and None is returned when it is not a receipt."""
        _check_receipt_id(receipt_id)
        if not courier or not tracking_number:
            raise ValueError("courier and tracking_number are required")
        logger.debug("bootpay shipping start", extra={"receipt_id": receipt_id, "courier": courier})
        answer = self._call(
            "shipping_start",
            lambda sdk: sdk.shipping_start(
                receipt_id=receipt_id,
                tracking_number=tracking_number,
                delivery_corp=courier,
                user={"username": buyer_name},
                company={"name": seller_name},
            ),
        )
        return Receipt.from_payload(answer) if answer.get("receipt_id") and "status" in answer else None

    # Automatic payments ----------------------------------------------------------------------------
    # The billing key is an SDK argument only: `conceal=` keeps it out of the error a refusal raises
    # (message and payload) and `_send` keeps it out of the answer it logs.

    def billing_key_for_receipt(self, receipt_id: str) -> BillingKeyInfo:
        """The key a billing-key issuance (`requestSubscription`) produced; RC_NOT_SUBSCRIBE otherwise."""
        _check_receipt_id(receipt_id)
        return BillingKeyInfo.from_payload(
            self._call("billing_key_for_receipt", lambda sdk: sdk.lookup_subscribe_billing_key(receipt_id))
        )

    def billing_key_lookup(self, billing_key: str) -> BillingKeyInfo:
        _check_billing_key(billing_key)
        return BillingKeyInfo.from_payload(
            self._call(
                "billing_key_lookup",
                lambda sdk: sdk.lookup_billing_key(billing_key=billing_key),
                conceal=(billing_key,),
            )
        )

    def charge_billing_key(
        self,
        *,
        billing_key: str,
        order_id: str,
        order_name: str,
        price: int,
        tax_free: int,
        buyer: dict[str, Any] | None = None,
    ) -> Receipt:
        """Charge the key now (one attempt: Bootpay never retries it). The reply is the receipt,
        status 1 when approved; a timeout may hide a charge that happened (settle by its webhook)."""
        _check_billing_key(billing_key)
        _check_amounts(price, tax_free)
        logger.debug("bootpay charge %s", order_id, extra={"price": price, "tax_free": tax_free})
        body = self._call(
            "charge_billing_key",
            lambda sdk: sdk.request_subscribe_card_payment(
                billing_key=billing_key,
                order_name=order_name,
                price=price,
                tax_free=tax_free,
                order_id=order_id,
                user=dict(buyer) if buyer else None,
            ),
            conceal=(billing_key,),
        )
        return Receipt.from_payload(without_billing_key(body))

    def reserve_charge(
        self,
        *,
        billing_key: str,
        order_id: str,
        order_name: str,
        price: int,
        tax_free: int,
        execute_at: datetime,
    ) -> Reservation:
        """Have Bootpay charge the key by itself at `execute_at` (at most 10 pending per key)."""
        _check_billing_key(billing_key)
        _check_amounts(price, tax_free)
        if execute_at.tzinfo is None or execute_at.utcoffset() is None:
            raise ValueError("execute_at must be timezone-aware")
        execute_at_kst = execute_at.astimezone(KST).isoformat(timespec="seconds")
        logger.debug("bootpay reserve %s at %s", order_id, execute_at_kst, extra={"price": price})
        body = self._call(
            "reserve_charge",
            lambda sdk: sdk.subscribe_payment_reserve(
                billing_key=billing_key,
                order_name=order_name,
                price=price,
                tax_free=tax_free,
                order_id=order_id,
                metadata={},  # the SDK's default is one shared dict: pass our own
                reserve_execute_at=execute_at_kst,
            ),
            conceal=(billing_key,),
        )
        return Reservation.from_payload(
            body,
            order_id=order_id,
            price=price,
            tax_free=tax_free,
            status=ReservationStatus.RESERVED,
            reserve_execute_at=execute_at_kst,
        )

    def reservation_lookup(self, reserve_id: str) -> Reservation:
        _check_reserve_id(reserve_id)
        return Reservation.from_payload(
            self._call("reservation_lookup", lambda sdk: sdk.subscribe_payment_reserve_lookup(reserve_id))
        )

    def reservation_cancel(self, reserve_id: str) -> None:
        """Revoke a pending reservation (RC_RESERVE_NOT_CANCELLABLE once executed or revoked)."""
        _check_reserve_id(reserve_id)
        body = self._call("reservation_cancel", lambda sdk: sdk.cancel_subscribe_reserve(reserve_id))
        if body.get("success") is False:  # no refusal code, yet not done: nothing we can rely on
            raise GatewayUnavailable("reservation cancel answered without success")

    def billing_key_destroy(self, billing_key: str) -> None:
        """Destroy the key at Bootpay. Its pending reservations stay: cancel them first."""
        _check_billing_key(billing_key)
        self._call(
            "billing_key_destroy",
            lambda sdk: sdk.destroy_billing_key(billing_key=billing_key),
            conceal=(billing_key,),
        )

    # Plumbing ------------------------------------------------------------------------------------

    def _new_sdk(self) -> BootpayBackend:
        sdk = BootpayBackend(
            application_id=self._application_id or None,
            private_key=self._private_key or None,
            client_key=self._client_key or None,
            secret_key=self._secret_key or None,
            mode=self._sdk_mode,
        )
        sdk.BASE_URL = self._base_url
        return sdk

    def _fetch_token(self) -> tuple[str, float]:
        body = self._send("request/token", lambda: self._new_sdk().get_access_token())
        if not body.get("access_token"):
            raise GatewayUnavailable("token response without access_token")
        return str(body["access_token"]), float(body.get("expire_in") or 0)

    def _authorised_sdk(self) -> BootpayBackend:
        sdk = self._new_sdk()
        if not self.uses_client_key:  # Basic auth needs no token call at all
            sdk.token = token_cache.get(self._token_key, self._fetch_token)
        return sdk

    _check_receipt_id = staticmethod(lambda receipt_id: _check_receipt_id(receipt_id))

    def _call(
        self,
        operation: str,
        action: Callable[[BootpayBackend], Any],
        *,
        conceal: tuple[str, ...] = (),
        allow_empty: bool = False,
    ) -> dict[str, Any]:
        """`allow_empty`: an answer of JSON `null` (or `{}`) is a success (Bootpay's cash-receipt cancel)."""
        sdk = self._authorised_sdk()
        if allow_empty:
            inner = action
            action = lambda sdk: {} if (answer := inner(sdk)) is None else answer  # noqa: E731
        try:
            return self._send(operation, lambda: action(sdk), conceal=conceal)
        except GatewayError as exc:
            if exc.code not in TOKEN_ERROR_CODES or self.uses_client_key:
                raise
            # The PG dropped our token early; rejected at auth, so nothing happened: renew and retry once.
            token_cache.forget(self._token_key)
            sdk = self._authorised_sdk()
            return self._send(operation, lambda: action(sdk), conceal=conceal)

    def _send(
        self, operation: str, call: Callable[[], Any], *, conceal: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """One SDK call, bounded in time, its answer typed. `conceal`: values (a billing key) that must
        not reach the error raised for a refusal, should Bootpay echo them in its message."""
        started = time.monotonic()
        outcome = "ok"
        # The metric's outcome and code, fixed words (metrics.py): unavailable until an answer is read.
        kind, metric_code = gateway_metrics.UNAVAILABLE, "unexpected"
        try:
            with bounded(self.timeout_s):
                body = call()
            if not isinstance(body, dict):
                metric_code = "not_an_object"
                raise GatewayUnavailable("response body is not a JSON object")
            if body.get("error_code"):
                code = metric_code = str(body["error_code"])
                if code in OUTCOME_UNKNOWN_CODES:
                    raise GatewayUnavailable(f"the PG behind Bootpay did not answer ({code})", code=code)
                refusal = _concealed(without_billing_key(body), conceal)
                raise GatewayError(code, str(refusal.get("message") or ""), payload=refusal)
            # The answer (card and account data, tokens) at DEBUG: redacted by the formatter (config/logs.py);
            # a billing key is not even handed to the logger.
            logger.debug("bootpay %s answer", operation, extra={"answer": without_billing_key(body)})
            kind, metric_code = gateway_metrics.OK, ""
            return body
        except ServerFault as exc:
            outcome = metric_code = f"http_{exc.status}"
            raise GatewayUnavailable("server error", status=exc.status, code=exc.code) from None
        except requests.Timeout:
            outcome = metric_code = "timeout"
            raise GatewayUnavailable(f"no answer within {self.timeout_s}s") from None
        except requests.ConnectionError:
            outcome = metric_code = "connection_error"
            raise GatewayUnavailable("connection failed") from None
        except ValueError as exc:  # requests' JSONDecodeError: HTML error pages, truncated bodies
            outcome = metric_code = "malformed"
            raise GatewayUnavailable("response is not JSON") from exc
        except requests.RequestException:
            outcome = metric_code = "transport_error"
            raise GatewayUnavailable("transport error") from None
        except GatewayError as exc:
            outcome = exc.code
            kind = gateway_metrics.REFUSED
            raise
        except GatewayUnavailable as exc:
            outcome = exc.reason
            raise
        finally:
            elapsed = time.monotonic() - started
            logger.info("bootpay %s %s in %.0f ms", operation, outcome, elapsed * 1000)
            gateway_metrics.bootpay_call_observed(
                operation=operation, outcome=kind, code=metric_code, seconds=elapsed
            )


def _check_receipt_id(receipt_id: str) -> None:
    if not is_receipt_id(receipt_id):
        raise GatewayError("INVALID_RECEIPT_ID", "receipt_id has an unexpected format")


def _check_billing_key(billing_key: str) -> None:
    # The message never quotes the value: it is a billing key.
    if not is_billing_key(billing_key):
        raise GatewayError("INVALID_BILLING_KEY", "billing_key has an unexpected format")


def _check_reserve_id(reserve_id: str) -> None:
    if not (isinstance(reserve_id, str) and RESERVE_ID_PATTERN.fullmatch(reserve_id)):
        raise GatewayError("INVALID_RESERVE_ID", "reserve_id has an unexpected format")


def _check_amounts(price: int, tax_free: int) -> None:
    for name, value in (("price", price), ("tax_free", tax_free)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an int (KRW)")
    if price <= 0 or not 0 <= tax_free <= price:
        raise ValueError("price must be positive and tax_free between 0 and price")


def _concealed(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with each of `secrets` replaced wherever it appears in a string, at any depth."""
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, "[REDACTED]")
        return value
    if isinstance(value, dict):
        return {_concealed(key, secrets): _concealed(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_concealed(item, secrets) for item in value]
    return value


_gateway: Gateway | None = None
_gateway_lock = threading.Lock()


def get_gateway() -> Gateway:
    """The process-wide gateway, built from settings on first use (tests swap it with `set_gateway`)."""
    global _gateway
    with _gateway_lock:
        if _gateway is None:
            _gateway = BootpayGateway.from_settings()
        return _gateway


def set_gateway(gateway: Gateway | None) -> None:
    global _gateway
    with _gateway_lock:
        _gateway = gateway
