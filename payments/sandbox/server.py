"""HTTP front of the Bootpay emulator (stdlib only, no Django).

``/v2/...``      the subset of Bootpay REST v2 the payment flow uses (token, receipt, confirm, cancel, and
                 the billing-key calls of automatic payments).
``/_sandbox/...`` control API for tests and the local checkout (no auth; never expose it publicly).
                 ``GET /_sandbox/`` lists it, from the CONTROL_ROUTES table the dispatcher uses.

A /v2 call that changes something (charge, cancel, confirm) notifies the configured ``webhook_url`` as
Bootpay does, whatever becomes of its own answer (sent, lost, or the caller gone); see webhooks.py.

Point the unmodified SDK at it with::

    client = BootpayBackend(application_id, private_key, mode="sandbox")
    client.BASE_URL = {**BootpayBackend.BASE_URL, "sandbox": server.api_url}
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import re
import socket
import socketserver
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .state import Fault, SandboxCredentials, SandboxError, SandboxState
from .webhooks import (
    FORM_CONTENT_TYPE,
    NOTIFY_INTERVAL_S,
    NOTIFY_RETRIES,
    Notification,
    notify_in_background,
    owed_notification,
    send_webhook,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
REDACTED_BODY_KEYS = frozenset({"private_key", "secret_key", "card_pw", "card_identity_no"})
HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
MALFORMED_BODY = b'{"receipt_id": '


# Paths ending in an id: the template drops it (``receipt/<id>`` -> ``receipt``). Longest prefix first.
_ID_PATH_PREFIXES = (
    "escrow/shipping/start/",
    "subscribe/payment/reserve/",
    "subscribe/billing_key/",
    "billing_key/",
    "receipt/",
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


def _template(path: str) -> str:
    """Path template used for call counting: ``receipt/<id>`` -> ``receipt``."""
    for prefix in _ID_PATH_PREFIXES:
        if path.startswith(prefix) and path.count("/") == prefix.count("/"):
            return prefix.rstrip("/")
    return path


def mask_billing_keys(text: str) -> str:
    """``GET /v2/billing_key/6258d0…`` -> ``GET /v2/billing_key/***`` (for log lines)."""
    return _KEY_IN_PATH.sub(r"\1***", text)


def _redacted(body: bytes) -> Any:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return None
    if isinstance(data, dict):
        return {k: ("***" if k in REDACTED_BODY_KEYS else v) for k, v in data.items()}
    return data


def _fields(body: dict[str, Any], allowed: set[str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    unknown = set(body) - allowed
    if unknown:
        raise SandboxError(400, "INVALID_PARAMETER", f"unknown field(s): {', '.join(sorted(unknown))}")
    missing = [name for name in required if name not in body]
    if missing:
        raise SandboxError(400, "INVALID_PARAMETER", f"missing field(s): {', '.join(missing)}")
    return body


# ----- route tables ----------------------------------------------------------------------------------
#
# CONTROL_ROUTES is the control API: ``_Handler._control`` dispatches on it, ``GET /_sandbox/`` lists it and
# ``manage.py bootpay_sandbox --help`` prints it, so the three can never disagree. A ``{name}`` segment
# matches any one path segment and is passed to the handler. ``body`` names the accepted JSON fields (an
# unknown or a missing ``required`` one is refused with 400 INVALID_PARAMETER); ``None`` means the route
# reads no body.


@dataclass(frozen=True)
class ControlRoute:
    method: str
    path: str  # below /_sandbox/, "" for the index itself
    handler: str  # name of the _Handler method answering it
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
        "create a receipt as if the buyer had gone through the payment window (201)",
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
        "the buyer pays into the issued virtual account: status 5 -> 1",
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
        "Bootpay runs the reservation now: a paid receipt (status 2) or a failure (status 4), then the "
        "webhook; answers {reservation, receipt, error, webhook}",
        body={"webhook_url": "where to POST the receipt (default: its feedback_url, else settings)"},
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
            "webhook_url": "where /v2 changes are notified: charges, cancels, confirms, even when the "
            "caller's connection is gone (null: nowhere, the default)",
        },
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
        "forget everything: receipts, billing keys, reservations, tokens, faults, counters, clock, settings",
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
        "PUT",
        "escrow/shipping/start/{receipt_id}",
        "register an escrow payment's shipment (tracking_number, delivery_corp): the receipt, 배송중",
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


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 resets connections when tests fire 20 requests at once

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall without network
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def shutdown_request(self, request: Any) -> None:
        if self.sandbox._take_reset(request):
            # SO_LINGER 0 turns close() into a TCP RST instead of an orderly FIN
            with contextlib.suppress(OSError):
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.close()
            return
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # dropped connections during stop() or a reset fault are expected; keep stderr quiet
        logger.debug("sandbox connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BootpaySandbox/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are dropped eventually
    server: _HTTPServer

    # ----- plumbing ----------------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK add ~40 ms a call.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sandbox._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox._untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # request lines carry paths only; headers (Authorization) are never logged, billing keys masked
        logger.debug("%s - %s", self.address_string(), mask_billing_keys(format % args))

    @property
    def sandbox(self) -> SandboxServer:
        return self.server.sandbox

    @property
    def state(self) -> SandboxState:
        return self.server.sandbox.state

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self._responded = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _drop(self, reset: bool) -> None:
        """End the exchange without any response bytes."""
        self._responded = True
        self.close_connection = True
        if reset:
            self.sandbox._mark_reset(self.connection)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    self.close_connection = True
                    raise SandboxError(413, "REQUEST_TOO_LARGE", "request body is too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise SandboxError(400, "INVALID_REQUEST", "invalid Content-Length") from None
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise SandboxError(413, "REQUEST_TOO_LARGE", "request body is too large")
        return self.rfile.read(length) if length > 0 else b""

    @staticmethod
    def _parse_json(raw: bytes) -> dict[str, Any]:
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise SandboxError(400, "INVALID_JSON", "request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise SandboxError(400, "INVALID_JSON", "request body must be a JSON object")
        return data

    def _dispatch(self) -> None:
        self._responded = False
        try:
            path = urlsplit(self.path).path
            if path == "/v2" or path.startswith("/v2/"):
                self._bootpay(path[len("/v2/") :])
            elif path == "/_sandbox" or path.startswith("/_sandbox/"):
                self._control(path[len("/_sandbox/") :])
            else:
                self._read_body()
                raise SandboxError(404, "NOT_FOUND_PATH", f"no such path: {path}")
        except SandboxError as exc:
            if not self._responded:
                self._send_json(exc.status, exc.to_body())
        except HUNG_UP as exc:
            self.close_connection = True
            logger.debug(
                "sandbox caller hung up on %s %s: %r",
                self.command,
                mask_billing_keys(urlsplit(self.path).path),
                exc,
            )
        except Exception:
            logger.exception(
                "sandbox handler failed on %s %s", self.command, mask_billing_keys(urlsplit(self.path).path)
            )
            if not self._responded:
                self.close_connection = True
                self._send_json(500, {"error_code": "SANDBOX_INTERNAL", "message": "sandbox internal error"})

    # ----- Bootpay REST v2 ---------------------------------------------------------------------------

    def _bootpay(self, path: str) -> None:
        raw = self._read_body()
        template = _template(path)
        self.state.record_call(self.command, template, self._request_entry(path, template, raw))

        # Faults come before auth and before any state change, so a faulted call never mutates state;
        # except lost_answer, whose whole point is a call that was applied but never answered.
        fault = self.state.take_fault(path)
        if fault is not None and self._apply_fault(fault):
            return
        lose_answer = fault is not None and fault.mode == "lost_answer"
        self._owed: list[Notification] = []  # the webhooks of the changes this call applies
        try:
            try:
                answer = self._bootpay_answer(path, raw)
            except SandboxError:
                if not lose_answer:
                    raise
                answer = None
            if lose_answer:
                self._drop(reset=False)  # applied (or refused), then the connection closes: no answer at all
            else:
                self._send_json(200, answer)
        finally:
            # Bootpay notifies whatever became of its answer: sent, lost, or the caller gone (broken pipe)
            for owed in self._owed:
                self.sandbox._notify_in_background(owed.receipt, owed.url, form=owed.form)

    def _bootpay_answer(self, path: str, raw: bytes) -> Any:
        """The 200 answer of a /v2 call (after auth); a refusal raises SandboxError."""
        body = self._parse_json(raw)
        if self.command == "POST" and path == "request/token":
            return self._issue_token(body)
        self._authenticate()
        template = _template(path)
        # (method, path template, whether the path ends in an id): `POST subscribe/payment/reserve/<id>`
        # is no route at all, not a second way to reserve
        route = (self.command, template, template != path)
        last = unquote(path.rsplit("/", 1)[-1])
        if route == ("GET", "receipt", True):
            return self.state.get_receipt(last)
        if route == ("POST", "confirm", False):
            return self._notify(self.state.confirm(body.get("receipt_id")))
        if route == ("POST", "cancel", False):
            allowed = {
                "cancel_price",
                "cancel_tax_free",
                "cancel_id",
                "cancel_username",
                "cancel_message",
                "refund",
                "items",
                "metadata",
            }
            kwargs = {k: v for k, v in body.items() if k in allowed}
            receipt, applied = self.state.apply_cancel(body.get("receipt_id"), **kwargs)
            return self._notify(receipt) if applied else receipt  # a replayed cancel_id changed nothing
        if route == ("GET", "subscribe/billing_key", True):
            return self.state.billing_key_for_receipt(last)
        if route == ("GET", "billing_key", True):
            return self.state.billing_key_lookup(last)
        if route == ("DELETE", "subscribe/billing_key", True):
            return self.state.destroy_billing_key(last)
        if route == ("POST", "subscribe/payment", False):
            fields = {k: v for k, v in body.items() if k in CHARGE_BODY_FIELDS and k != "billing_key"}
            receipt = self.state.charge_billing_key(body.get("billing_key"), **fields)
            return self._notify(receipt, body.get("feedback_url"), body.get("content_type"))
        if route == ("POST", "subscribe/payment/reserve", False):
            fields = {k: v for k, v in body.items() if k in RESERVE_BODY_FIELDS and k != "billing_key"}
            return self.state.reserve_charge(body.get("billing_key"), **fields)
        if route == ("GET", "subscribe/payment/reserve", True):
            return self.state.get_reservation(last)
        if route == ("DELETE", "subscribe/payment/reserve", True):
            return self.state.cancel_reservation(last)
        if route == ("PUT", "escrow/shipping/start", True):
            return self.state.shipping_start(last, **body)
        # never echo an id segment: on these paths it may be a billing key
        shown = f"{template}/{{id}}" if template != path else mask_billing_keys(path)
        raise SandboxError(404, "NOT_FOUND_PATH", f"no such API: {self.command} /v2/{shown}")

    def _notify(self, receipt: dict[str, Any], feedback_url: Any = None, content_type: Any = None) -> Any:
        """Owe the webhook of a change (sent once the call ends, however it ends); returns ``receipt``."""
        owed = owed_notification(receipt, self.state.webhook_url, feedback_url, content_type)
        if owed is not None:
            self._owed.append(owed)
        return receipt

    def _request_entry(self, path: str, template: str, raw: bytes) -> dict[str, Any]:
        headers = {}
        auth = None
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                auth = value.split(" ", 1)[0] if value else ""
                headers[name] = auth
            else:
                headers[name] = value
        return {
            "method": self.command,
            "path": path,
            "query": urlsplit(self.path).query,
            "template": template,
            "headers": headers,
            "auth": auth,
            "body": _redacted(raw),
        }

    def _apply_fault(self, fault: Fault) -> bool:
        """Play a fault; True when it replaced the response, False to continue normally (latency, and
        lost_answer, which the caller plays after applying the call)."""
        stopping = self.sandbox._stopping
        logger.debug("sandbox fault %s on %s", fault.mode, mask_billing_keys(fault.path) or "<all>")
        if fault.latency_s and fault.mode != "hang":
            stopping.wait(fault.latency_s)
        if fault.mode in ("latency", "lost_answer"):
            return False
        if fault.mode == "hang":
            # hold the connection silently; stop() sets the event so no thread outlives the server
            stopping.wait(fault.latency_s)
            self._drop(reset=False)
        elif fault.mode == "reset":
            self._drop(reset=True)
        elif fault.mode == "status_500":
            self._send_json(
                fault.status or 500,
                {
                    "error_code": fault.error_code or "INTERNAL_SERVER_ERROR",
                    "message": fault.message or "일시적인 서버 오류입니다. (sandbox fault)",
                },
            )
        elif fault.mode == "html_502":
            self._send(fault.status or 502, HTML_502, "text/html; charset=utf-8")
        elif fault.mode == "malformed":
            self._send(fault.status or 200, MALFORMED_BODY, "application/json; charset=utf-8")
        else:  # error_code
            self._send_json(
                fault.status or 400,
                {
                    "error_code": fault.error_code,
                    "message": fault.message or f"{fault.error_code} (sandbox fault)",
                },
            )
        return True

    def _issue_token(self, body: dict[str, Any]) -> dict[str, Any]:
        application_id = body.get("application_id")
        private_key = body.get("private_key")
        application_id = application_id if isinstance(application_id, str) else ""
        private_key = private_key if isinstance(private_key, str) else ""
        error = self.sandbox.credentials.check_legacy(application_id, private_key)
        if error == "APP_KEY_NOT_FOUND":
            raise SandboxError(401, error, "존재하지 않는 application_id 입니다.")
        if error is not None:
            raise SandboxError(401, error, "private_key가 일치하지 않습니다.")
        return self.state.issue_token(application_id)

    def _authenticate(self) -> None:
        scheme, _, value = self.headers.get("Authorization", "").strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value and self.state.token_valid(value):
            return
        if scheme.lower() == "basic" and value:
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            client_key, sep, secret_key = decoded.partition(":")
            if sep and self.sandbox.credentials.check_client(client_key, secret_key):
                return
        raise SandboxError(401, "TOKEN_KEY_INVALID", "유효하지 않은 인증 정보입니다.")

    # ----- control API -------------------------------------------------------------------------------

    def _control(self, path: str) -> None:
        body = self._parse_json(self._read_body())
        parts = [unquote(p) for p in path.split("/") if p]
        matches = [(route, params) for route in CONTROL_ROUTES if (params := route.match(parts)) is not None]
        if not matches:
            raise SandboxError(404, "NOT_FOUND_PATH", f"no such control path: /_sandbox/{path}")
        for route, params in matches:
            if route.method == self.command:
                if route.body is not None:
                    body = _fields(body, set(route.body), route.required)
                getattr(self, route.handler)(body, **params)
                return
        raise SandboxError(405, "METHOD_NOT_ALLOWED", f"{self.command} is not allowed on /_sandbox/{path}")

    # one method per CONTROL_ROUTES entry: (validated body, path parameters)

    def _ctl_index(self, body: dict[str, Any]) -> None:
        host = self.headers.get("Host")
        self._send_json(200, control_index(f"http://{host}" if host else self.sandbox.url))

    def _ctl_health(self, body: dict[str, Any]) -> None:
        self._send_json(200, {"ok": True})

    def _ctl_list_receipts(self, body: dict[str, Any]) -> None:
        order_id = parse_qs(urlsplit(self.path).query).get("order_id", [None])[0]
        self._send_json(200, self.state.list_receipts(order_id))

    def _ctl_create_receipt(self, body: dict[str, Any]) -> None:
        self._send_json(201, self.state.create_receipt(**body))

    def _ctl_receipt(self, body: dict[str, Any], receipt_id: str) -> None:
        self._send_json(200, self.state.receipt_detail(receipt_id))

    def _ctl_deposit(self, body: dict[str, Any], receipt_id: str) -> None:
        self._send_json(200, self.state.deposit(receipt_id))

    def _ctl_expire(self, body: dict[str, Any], receipt_id: str) -> None:
        self._send_json(200, self.state.expire(receipt_id))

    def _ctl_webhook(self, body: dict[str, Any], receipt_id: str) -> None:
        self._send_json(200, self._webhook(receipt_id, body))

    def _ctl_billing_keys(self, body: dict[str, Any]) -> None:
        self._send_json(200, self.state.list_billing_keys())

    def _ctl_issue_billing_key(self, body: dict[str, Any]) -> None:
        self._send_json(201, self.state.issue_billing_key(**body))

    def _ctl_decline(self, body: dict[str, Any], billing_key: str) -> None:
        self._send_json(200, self.state.set_decline(billing_key, body["decline"]))

    def _ctl_reservations(self, body: dict[str, Any]) -> None:
        self._send_json(200, self.state.list_reservations())

    def _ctl_execute_reservation(self, body: dict[str, Any], reserve_id: str) -> None:
        url = body.get("webhook_url")
        if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise SandboxError(400, "INVALID_PARAMETER", "webhook_url must be an http(s) URL or null")
        outcome = self.state.execute_reservation(reserve_id)
        reservation, receipt = outcome["reservation"], outcome["receipt"]
        url = url or reservation.get("feedback_url") or self.state.webhook_url
        outcome["webhook"] = None
        if receipt is not None and url:
            # delivered before answering (outside the state lock: the receiver may call back in)
            outcome["webhook"] = dict(
                send_webhook(
                    receipt,
                    url,
                    form=reservation.get("content_type") == FORM_CONTENT_TYPE,
                    retries=NOTIFY_RETRIES,
                    retry_interval_s=NOTIFY_INTERVAL_S,
                )
            )
        self._send_json(200, outcome)

    def _ctl_faults(self, body: dict[str, Any]) -> None:
        self._send_json(200, self.state.faults())

    def _ctl_add_fault(self, body: dict[str, Any]) -> None:
        self._send_json(201, self.state.add_fault(**body))

    def _ctl_clear_faults(self, body: dict[str, Any]) -> None:
        self.state.clear_faults()
        self._send_json(200, {"cleared": True})

    def _ctl_calls(self, body: dict[str, Any]) -> None:
        self._send_json(200, self.state.calls())

    def _ctl_requests(self, body: dict[str, Any]) -> None:
        self._send_json(200, self.state.requests)

    def _ctl_settings(self, body: dict[str, Any]) -> None:
        self._send_json(200, self.state.settings())

    def _ctl_update_settings(self, body: dict[str, Any]) -> None:
        self.state.update_settings(**body)
        self._send_json(200, self.state.settings())

    def _ctl_clock(self, body: dict[str, Any]) -> None:
        offset = self.state.advance_clock(body.get("advance_s", 0))
        self._send_json(200, {"offset_s": offset, "now": self.state.iso()})

    def _ctl_reset(self, body: dict[str, Any]) -> None:
        self.state.reset()
        self._send_json(200, {"ok": True})

    def _webhook(self, receipt_id: str, options: dict[str, Any]) -> dict[str, Any]:
        """Deliver a receipt; ``options`` holds WEBHOOK_FIELDS only (the dispatcher checked)."""
        url = options.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise SandboxError(400, "INVALID_PARAMETER", "url must be an http(s) URL")
        retries = options.get("retries") or 0
        interval = options.get("retry_interval_s", 0.1)
        timeout = options.get("timeout_s", 5.0)
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 100:
            raise SandboxError(400, "INVALID_PARAMETER", "retries must be an integer between 0 and 100")
        for name, value in (("retry_interval_s", interval), ("timeout_s", timeout)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 60:
                raise SandboxError(400, "INVALID_PARAMETER", f"{name} must be a number between 0 and 60")
        # snapshot under the lock, deliver outside it: the receiver may call back into the emulator
        receipt = self.state.snapshot(receipt_id, status=options.get("status"))
        return dict(
            send_webhook(
                receipt,
                url,
                webhook_type=options.get("webhook_type") or None,
                form=bool(options.get("form")),
                retries=retries,
                retry_interval_s=float(interval),
                timeout_s=float(timeout) or 5.0,
            )
        )


class SandboxServer:
    """The emulator as a background HTTP server; ``port=0`` picks a free port."""

    def __init__(
        self,
        state: SandboxState | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: SandboxCredentials | None = None,
    ) -> None:
        self.state = state if state is not None else SandboxState()
        self.credentials = credentials if credentials is not None else SandboxCredentials()
        self.host = host
        self.port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._resets: set[int] = set()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("SandboxServer is not started")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + "/v2"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            raise RuntimeError("SandboxServer already started")
        if self._stopping.is_set():
            raise RuntimeError("a stopped SandboxServer cannot be restarted; create a new one")
        self._httpd = _HTTPServer((self.host, self.port), self)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"bootpay-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("bootpay sandbox listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, release hanging requests and close open connections. Idempotent."""
        self._stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes handler threads blocked on keep-alive reads
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self if self._httpd is not None else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "not started"
        return f"<SandboxServer {where}>"

    # bookkeeping used by the handler
    def _notify_in_background(self, receipt: dict[str, Any], url: str, *, form: bool = False) -> None:
        """POST the receipt of a change to ``url`` from a thread of its own, best effort (as Bootpay
        notifies): the answer to the call never waits for it."""
        notify_in_background(receipt, url, form=form)

    def _track(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(conn)

    def _mark_reset(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._resets.add(id(conn))

    def _take_reset(self, conn: socket.socket) -> bool:
        with self._conn_lock:
            if id(conn) in self._resets:
                self._resets.discard(id(conn))
                return True
            return False
