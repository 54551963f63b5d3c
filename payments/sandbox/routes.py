"""The emulator's route tables and request helpers: CONTROL_ROUTES (the control API, which the dispatcher,
the index and `manage.py bootpay_sandbox --help` all read), BOOTPAY_ROUTES (the /v2 subset), the body
field sets, path templates and the masking of billing keys in log lines."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from payments.sandbox.identity import CERTIFICATE_FIELDS
from payments.sandbox.state import SandboxError

MAX_BODY_BYTES = 1024 * 1024
# identity_no: the number a cash receipt is issued to, or an SMS verification's birth digits; otp: its code
# Secrets, and the personal values of an identity verification (`request/authentication`'s name and phone
# besides `identity_no`): the request log is served to anyone at `GET /_sandbox/requests`.
REDACTED_BODY_KEYS = frozenset(
    {"private_key", "secret_key", "card_pw", "card_identity_no", "identity_no", "otp", "username", "phone"}
)
HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
MALFORMED_BODY = b'{"receipt_id": '


# Paths ending in an id: the template drops it (``receipt/<id>`` -> ``receipt``). Longest prefix first.
_ID_PATH_PREFIXES = (
    "request/receipt/cash/cancel/",
    "request/cash/receipt/",
    "escrow/shipping/start/",
    "subscribe/payment/reserve/",
    "subscribe/billing_key/",
    "billing_key/",
    "receipt/",
    "certificate/",
)
# A billing key in a path (`billing_key/<key>`, `subscribe/billing_key/<key>`, `billing-keys/<key>`):
# masked in the emulator's own log lines, as a real server's access log should.
_KEY_IN_PATH = re.compile(r"(billing[_-]keys?/)[^/\s?#]+")

# Fields of the charge and reserve bodies the SDK sends (both with null for what is not given).
CHARGE_BODY_FIELDS = frozenset(
    {
        "billing_key",
        "order_name",
        "price",
        "tax_free",
        "card_quota",
        "card_interest",
        "order_id",
        "items",
        "user",
        "extra",
        "feedback_url",
        "content_type",
        "metadata",
    }
)
RESERVE_BODY_FIELDS = frozenset(
    {
        "billing_key",
        "order_name",
        "price",
        "metadata",
        "tax_free",
        "order_id",
        "items",
        "user",
        "reserve_execute_at",
        "feedback_url",
        "content_type",
    }
)
# A write to a caller that is gone (timed out, closed the socket): expected, not a handler failure.
HUNG_UP = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


def path_template(path: str) -> str:
    """Path template used for call counting: ``receipt/<id>`` -> ``receipt``."""
    for prefix in _ID_PATH_PREFIXES:
        if path.startswith(prefix) and path.count("/") == prefix.count("/"):
            return prefix.rstrip("/")
    return path


def mask_billing_keys(text: str) -> str:
    """``GET /v2/billing_key/6258d0…`` -> ``GET /v2/billing_key/***`` (for log lines)."""
    return _KEY_IN_PATH.sub(r"\1***", text)


def redacted_body(body: bytes) -> Any:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return None
    if isinstance(data, dict):
        return {k: ("***" if k in REDACTED_BODY_KEYS else v) for k, v in data.items()}
    return data


def checked_fields(body: dict[str, Any], allowed: set[str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    unknown = set(body) - allowed
    if unknown:
        raise SandboxError(400, "INVALID_PARAMETER", f"unknown field(s): {', '.join(sorted(unknown))}")
    missing = [name for name in required if name not in body]
    if missing:
        raise SandboxError(400, "INVALID_PARAMETER", f"missing field(s): {', '.join(missing)}")
    return body


# ----- route tables ----------------------------------------------------------------------------------
#
# CONTROL_ROUTES is the control API: ``ControlApi._control`` (control.py) dispatches on it,
# ``GET /_sandbox/`` lists it and ``manage.py bootpay_sandbox --help`` prints it, so the three can never
# disagree. A ``{name}`` segment
# matches any one path segment and is passed to the handler. ``body`` names the accepted JSON fields (an
# unknown or a missing ``required`` one is refused with 400 INVALID_PARAMETER); ``None`` means the route
# reads no body.


@dataclass(frozen=True)
class ControlRoute:
    method: str
    path: str  # below /_sandbox/, "" for the index itself
    handler: str  # name of the ControlApi method answering it
    description: str
    body: Mapping[str, str] | None = None  # field -> what it means
    query: Mapping[str, str] | None = None  # query parameter -> what it means
    required: tuple[str, ...] = ()  # body fields that must be present

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """The path parameters when ``parts`` (the split path) fits this route, else None."""
        pattern = [p for p in self.path.split("/") if p]
        if len(pattern) != len(parts):
            return None
        params: dict[str, str] = {}
        for expected, given in zip(pattern, parts, strict=True):
            if expected.startswith("{") and expected.endswith("}"):
                params[expected[1:-1]] = given
            elif expected != given:
                return None
        return params

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": f"/_sandbox/{self.path}",
            "body": dict(self.body or {}),
            "required": list(self.required),
            "query": dict(self.query or {}),
            "description": self.description,
        }


RECEIPT_FIELDS = {
    "order_id": "the merchant order id the receipt belongs to",
    "price": "amount in KRW (> 0)",
    "tax_free": "tax-free part of price (default 0)",
    "method": "card (default) | vbank | bank | phone",
    "state": "paid (default) | awaiting_confirm | vbank_issued | failed",
    "order_name": "shown on the receipt (default 'Sandbox order')",
    "metadata": "object copied onto the receipt",
    "escrow": "true: an escrow payment (escrow_data, escrow_status; PUT escrow/shipping/start registers it)",
    "pg": "the PG's display name, e.g. KCP, 토스페이먼츠 (default per method); its cancel rules apply",
}
FAULT_FIELDS = {
    "path": "/v2 path prefix it applies to ('' = every path), e.g. receipt, cancel, subscribe/payment",
    "mode": "latency | hang | status_500 | html_502 | malformed | error_code | reset | lost_answer",
    "latency_s": "delay before answering; for hang, how long to hold the request (default 60)",
    "error_code": "Bootpay error_code to answer (required for mode error_code)",
    "message": "message to answer with",
    "status": "HTTP status to answer with",
    "times": "how many requests it affects (default: until cleared)",
}
WEBHOOK_FIELDS = {
    "url": "http(s) URL to POST the receipt to",
    "webhook_type": "override the webhook_type derived from the status",
    "form": "true: send application/x-www-form-urlencoded instead of JSON",
    "retries": 'extra attempts until answered 200 {"success": true} (0-100, default 0)',
    "retry_interval_s": "pause between attempts (default 0.1)",
    "status": "pretend this receipt status (out-of-order delivery tests)",
    "timeout_s": "per-attempt timeout (default 5)",
}

BILLING_KEY_FIELDS = {
    "subscription_id": "the subscription_id the widget's requestSubscription was given",
    "card_company": "card company name (default 신한)",
    "card_number": "13-19 digits (default 5123456789011234); Bootpay shows it masked: 51234567****1234",
    "decline": "true: every charge with the key is declined (RC_CARD_DECLINED)",
}

CONTROL_ROUTES: tuple[ControlRoute, ...] = (
    ControlRoute("GET", "", "_ctl_index", "this index: the control paths and the Bootpay REST v2 paths"),
    ControlRoute("GET", "health", "_ctl_health", 'liveness probe: {"ok": true}'),
    ControlRoute(
        "GET",
        "receipts",
        "_ctl_list_receipts",
        "list the receipts (all, or one order's)",
        query={"order_id": "only this order's receipts"},
    ),
    ControlRoute(
        "POST",
        "receipts",
        "_ctl_create_receipt",
        "create a receipt as if the buyer had gone through the payment window (201); paid and "
        "vbank_issued are notified to the webhook_url",
        body=RECEIPT_FIELDS,
        required=("order_id", "price"),
    ),
    ControlRoute(
        "GET", "receipts/{receipt_id}", "_ctl_receipt", "one receipt plus the cancellations made on it"
    ),
    ControlRoute(
        "POST",
        "receipts/{receipt_id}/deposit",
        "_ctl_deposit",
        "the buyer pays into the issued virtual account: status 5 -> 1, notified to the webhook_url",
    ),
    ControlRoute(
        "POST",
        "receipts/{receipt_id}/expire",
        "_ctl_expire",
        "a receipt awaiting confirmation that nobody confirmed ages out: status 2 -> -1",
    ),
    ControlRoute(
        "POST",
        "receipts/{receipt_id}/webhook",
        "_ctl_webhook",
        "POST the receipt to a webhook URL as Bootpay does; answers the delivery outcome",
        body=WEBHOOK_FIELDS,
        required=("url",),
    ),
    ControlRoute(
        "GET", "billing-keys", "_ctl_billing_keys", "the billing keys issued (the keys too: a test tool)"
    ),
    ControlRoute(
        "POST",
        "billing-keys",
        "_ctl_issue_billing_key",
        "issue a billing key as the widget's requestSubscription does: an issuance receipt, status 11 (201)",
        body=BILLING_KEY_FIELDS,
        required=("subscription_id",),
    ),
    ControlRoute(
        "POST",
        "billing-keys/{billing_key}/decline",
        "_ctl_decline",
        "the card behind the key declines every charge (decline: true) or approves again (false)",
        body={"decline": "true | false"},
        required=("decline",),
    ),
    ControlRoute("GET", "reservations", "_ctl_reservations", "the reserved charges (reserve objects)"),
    ControlRoute(
        "POST",
        "reservations/{reserve_id}/execute",
        "_ctl_execute_reservation",
        "Bootpay runs the reservation now: a paid receipt (status 2) or a failure (status 4); answers "
        "{reservation, receipt, error, webhook} (webhook: the notification's log entry; it is sent in the "
        "background)",
        body={"webhook_url": "where to POST the receipt (default: its feedback_url, else settings)"},
    ),
    ControlRoute(
        "GET",
        "cash-receipts",
        "_ctl_cash_receipts",
        "the cash receipts held (on a payment and stand-alone), identifiers as their last 4 digits",
        query={
            "order_id": "those of this order's payments, and the stand-alone ones with order_id X or X-cr<N>",
            "receipt_id": "those of this payment (on it, and stand-alone ones linked to its order_id)",
        },
    ),
    # identity verification (identity.py)
    ControlRoute(
        "POST",
        "certificates",
        "_ctl_create_certificate",
        "an identity verification as the browser's requestAuthentication leaves it (201); pending: an SMS "
        "one awaiting its code (`otp` in the answer)",
        body=CERTIFICATE_FIELDS,
    ),
    ControlRoute(
        "GET",
        "certificates/{receipt_id}",
        "_ctl_certificate",
        "one identity verification, person data and the current SMS code (`otp`) included",
    ),
    ControlRoute("GET", "faults", "_ctl_faults", "the active faults"),
    ControlRoute(
        "POST",
        "faults",
        "_ctl_add_fault",
        "inject a fault into matching /v2 requests (201)",
        body=FAULT_FIELDS,
        required=("path", "mode"),
    ),
    ControlRoute("DELETE", "faults", "_ctl_clear_faults", "remove every fault"),
    ControlRoute("GET", "calls", "_ctl_calls", '/v2 call counts by "METHOD template"'),
    ControlRoute("GET", "requests", "_ctl_requests", "the last 200 /v2 requests, secrets redacted"),
    ControlRoute("GET", "settings", "_ctl_settings", "the emulator's settings"),
    ControlRoute(
        "POST",
        "settings",
        "_ctl_update_settings",
        "change settings",
        body={
            "duplicate_cancel_id": "refuse (default) | replay: answer to a cancel_id used before",
            "webhook_url": "where changes are notified (payments, virtual accounts issued and deposited, "
            "confirms, cancels, charges), even when the caller's connection is gone (null: nowhere; the "
            "default unless bootpay_sandbox --webhook-url)",
            "vbank_refund_contract": "true (default) | false: the merchant's CMS special contract "
            "(deposited virtual accounts are refunded only with it)",
            "partial_cancel_methods": 'methods whose partial cancel the PG takes (default ["card"]; '
            "also bank, vbank, phone)",
        },
    ),
    ControlRoute(
        "GET",
        "notifications",
        "_ctl_notifications",
        "the automatic webhooks: {hold, webhook_url, notifications: the last 200, each held, sending, "
        "delivered or failed, with its attempts}",
    ),
    ControlRoute(
        "POST",
        "notifications",
        "_ctl_hold_notifications",
        "hold the automatic webhooks back (hold: true; logged as held) or send them as changes happen again",
        body={"hold": "true | false (default false: sent as changes happen)"},
        required=("hold",),
    ),
    ControlRoute(
        "POST",
        "notifications/release",
        "_ctl_release_notifications",
        "send the held webhooks now, oldest first; answers {released}",
    ),
    ControlRoute(
        "POST",
        "clock",
        "_ctl_clock",
        "move the emulator clock (token lifetimes and the timestamps it writes)",
        body={"advance_s": "seconds to add (may be negative)"},
    ),
    ControlRoute(
        "POST",
        "reset",
        "_ctl_reset",
        "forget everything: receipts, billing keys, reservations, cash receipts, tokens, faults, counters, "
        "clock, notifications; settings back to the start's",
    ),
)

# The Bootpay REST v2 subset served under /v2 (documentation for the index; a test checks each is routed).
BOOTPAY_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("POST", "request/token", "access token for application_id + private_key (legacy key pair)"),
    ("GET", "receipt/{receipt_id}", "receipt lookup (Bearer token or Basic client_key:secret_key)"),
    ("POST", "confirm", "separate approval of a receipt awaiting confirmation: status 2 -> 1"),
    ("POST", "cancel", "full or partial cancellation (cancel_price, cancel_tax_free, cancel_id, refund)"),
    (
        "GET",
        "subscribe/billing_key/{receipt_id}",
        "the billing key of a billing-key issuance receipt (RC_NOT_SUBSCRIBE for another receipt)",
    ),
    ("GET", "billing_key/{billing_key}", "the billing object of a key (SUBSCRIBE_BK_EXPIRED once destroyed)"),
    ("POST", "subscribe/payment", "charge a billing key now: a paid receipt (method card_rebill_rest)"),
    ("POST", "subscribe/payment/reserve", "reserve a charge for reserve_execute_at (10 pending per key)"),
    ("GET", "subscribe/payment/reserve/{reserve_id}", "the reserve object"),
    ("DELETE", "subscribe/payment/reserve/{reserve_id}", "revoke a pending reservation"),
    ("DELETE", "subscribe/billing_key/{billing_key}", "destroy a billing key (its reservations stay)"),
    (
        "GET",
        "certificate/{receipt_id}",
        "an identity verification (status 12 verified; AUTH_EXPIRED after 30 min)",
    ),
    ("POST", "request/authentication", "start an SMS identity verification: a code is 'texted' (status 0)"),
    ("POST", "authenticate/confirm", "confirm it with the code (AUTH_CONFIRM_READY_FAILED when wrong)"),
    ("POST", "authenticate/realarm", "send the code again (a new code)"),
    (
        "PUT",
        "escrow/shipping/start/{receipt_id}",
        "register an escrow payment's shipment (tracking_number, delivery_corp): the receipt, 배송중",
    ),
    (
        "POST",
        "request/receipt/cash/publish",
        "issue the cash receipt of a paid vbank/bank payment: the payment receipt, cash_receipt_data filled",
    ),
    (
        "DELETE",
        "request/receipt/cash/cancel/{receipt_id}",
        "cancel a payment's cash receipt: null (RC_CASH_RECEIPT_NOT_FOUND when none is live)",
    ),
    ("POST", "request/cash/receipt", "issue a stand-alone (별건) cash receipt: a receipt of its own"),
    (
        "DELETE",
        "request/cash/receipt/{receipt_id}",
        "cancel a stand-alone cash receipt: the receipt, status 20",
    ),
)


def control_index(base_url: str) -> dict[str, Any]:
    """The ``GET /_sandbox/`` answer."""
    return {
        "emulator": "Bootpay REST v2 sandbox emulator (development and tests only; no auth on /_sandbox/)",
        "api_url": f"{base_url}/v2",
        "control_url": f"{base_url}/_sandbox/",
        "bootpay_api": [{"method": m, "path": f"/v2/{p}", "description": d} for m, p, d in BOOTPAY_ROUTES],
        "control": [route.describe() for route in CONTROL_ROUTES],
    }


def describe_routes() -> str:
    """Plain-text listing of both tables (the management command's --help)."""
    lines = ["Bootpay REST v2 paths (the SDK's BASE_URL is <url>/v2):"]
    lines += [f"  {m:<6} /v2/{p}\n           {d}" for m, p, d in BOOTPAY_ROUTES]
    lines.append("")
    lines.append("Control API (no auth; JSON in and out; GET /_sandbox/ answers this list as JSON):")
    for route in CONTROL_ROUTES:
        lines.append(f"  {route.method:<6} /_sandbox/{route.path}\n           {route.description}")
        if route.query:
            lines.append(f"           query: {', '.join(route.query)}")
        if route.body:
            fields = [f"{name}*" if name in route.required else name for name in route.body]
            note = "  (* required)" if route.required else ""
            lines.append(f"           body: {', '.join(fields)}{note}")
    return "\n".join(lines)
