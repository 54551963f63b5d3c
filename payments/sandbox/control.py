"""The control API's handlers (`/_sandbox/...`): one method per CONTROL_ROUTES entry, mixed into the
HTTP handler (handler.py), which routes to them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from payments.sandbox.routes import CONTROL_ROUTES, checked_fields, control_index
from payments.sandbox.state import SandboxError
from payments.sandbox.webhooks import send_webhook


class ControlApi:
    """The `/_sandbox/` half of the request handler (no auth; never expose it)."""

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
                    body = checked_fields(body, set(route.body), route.required)
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
        # the payment window's outcome: paid (1) and a virtual account issued (5) are notified
        self._send_json(201, self._notify(self.state.create_receipt(**body)))

    def _ctl_receipt(self, body: dict[str, Any], receipt_id: str) -> None:
        self._send_json(200, self.state.receipt_detail(receipt_id))

    def _ctl_deposit(self, body: dict[str, Any], receipt_id: str) -> None:
        self._send_json(200, self._notify(self.state.deposit(receipt_id)))

    def _ctl_expire(self, body: dict[str, Any], receipt_id: str) -> None:
        self._send_json(200, self.state.expire(receipt_id))

    def _ctl_create_certificate(self, body: dict[str, Any]) -> None:
        self._send_json(201, self.state.create_certificate(**body))

    def _ctl_certificate(self, body: dict[str, Any], receipt_id: str) -> None:
        self._send_json(200, self.state.certificate_detail(receipt_id))

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
        outcome["webhook"] = None
        if receipt is not None:  # the charge is notified like any other: the log entry, in the background
            outcome["webhook"] = self.state.notify(
                receipt,
                feedback_url=url or reservation.get("feedback_url"),
                content_type=reservation.get("content_type"),
            )
        self._send_json(200, outcome)

    def _ctl_cash_receipts(self, body: dict[str, Any]) -> None:
        query = parse_qs(urlsplit(self.path).query)
        order_id = query.get("order_id", [None])[0]
        receipt_id = query.get("receipt_id", [None])[0]
        self._send_json(200, self.state.list_cash_receipts(order_id=order_id, receipt_id=receipt_id))

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

    def _ctl_notifications(self, body: dict[str, Any]) -> None:
        self._send_json(200, self.state.notifications())

    def _ctl_hold_notifications(self, body: dict[str, Any]) -> None:
        self._send_json(200, self.state.hold_notifications(body["hold"]))

    def _ctl_release_notifications(self, body: dict[str, Any]) -> None:
        self._send_json(200, {"released": self.state.release_notifications()})

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
