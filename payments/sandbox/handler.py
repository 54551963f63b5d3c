"""The emulator's HTTP request handler: plumbing (reading, answering, dropping connections), dispatch
between /v2 and /_sandbox/, and the Bootpay REST v2 calls with their faults, auth and owed webhooks.
The control API's handlers are mixed in from control.py."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import socket
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from payments.sandbox.control import ControlApi
from payments.sandbox.routes import (
    CHARGE_BODY_FIELDS,
    HTML_502,
    HUNG_UP,
    MALFORMED_BODY,
    MAX_BODY_BYTES,
    RESERVE_BODY_FIELDS,
    mask_billing_keys,
    path_template,
    redacted_body,
)
from payments.sandbox.state import Fault, SandboxError, SandboxState

if TYPE_CHECKING:
    from payments.sandbox.server import SandboxServer, _HTTPServer

# One logger for the whole HTTP front, under the name it has always had.
logger = logging.getLogger("payments.sandbox.server")


class Handler(ControlApi, BaseHTTPRequestHandler):
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
        template = path_template(path)
        self.state.record_call(self.command, template, self._request_entry(path, template, raw))

        # Faults come before auth and before any state change, so a faulted call never mutates state;
        # except lost_answer, whose whole point is a call that was applied but never answered.
        fault = self.state.take_fault(path)
        if fault is not None and self._apply_fault(fault):
            return
        lose_answer = fault is not None and fault.mode == "lost_answer"
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

    def _bootpay_answer(self, path: str, raw: bytes) -> Any:
        """The 200 answer of a /v2 call (after auth); a refusal raises SandboxError."""
        body = self._parse_json(raw)
        if self.command == "POST" and path == "request/token":
            return self._issue_token(body)
        self._authenticate()
        template = path_template(path)
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
        if route == ("POST", "request/receipt/cash/publish", False):
            return self.state.cash_receipt_publish(**body)
        if route == ("DELETE", "request/receipt/cash/cancel", True):
            return self.state.cash_receipt_cancel_on_receipt(last, **self._query())  # answers null
        if route == ("POST", "request/cash/receipt", False):
            return self.state.cash_receipt_issue(**body)
        if route == ("DELETE", "request/cash/receipt", True):
            return self.state.cash_receipt_cancel(last, **self._query())
        handled, answer = self.state.identity_answer(self.command, path, body)  # identity.py
        if handled:
            return answer
        # never echo an id segment: on these paths it may be a billing key
        shown = f"{template}/{{id}}" if template != path else mask_billing_keys(path)
        raise SandboxError(404, "NOT_FOUND_PATH", f"no such API: {self.command} /v2/{shown}")

    def _query(self) -> dict[str, str]:
        """The query parameters of the request (the last value of a repeated one)."""
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))

    def _notify(self, receipt: dict[str, Any], feedback_url: Any = None, content_type: Any = None) -> Any:
        """Notify the change that left ``receipt`` so, as Bootpay does (notifications.py): started before
        the answer is written, delivered in the background, so it goes out whatever becomes of the answer
        (sent, lost, the caller gone); returns ``receipt``."""
        self.state.notify(receipt, feedback_url=feedback_url, content_type=content_type)
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
            "body": redacted_body(raw),
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
