"""Automatic webhooks of the emulator: every change Bootpay notifies goes out through ``notify``.

Bootpay POSTs a receipt to the merchant's webhook URL when it is paid (1), when a virtual account is
issued (5) and again when it is paid into (1), and when it is cancelled, whole or in part (20); so do
the charges it makes with a billing key. The HTTP front (handler.py, control.py) calls ``notify`` right
after the state change it applied, for the /v2 calls and the control API alike (so the checkout's
TEST PAYMENT panel, which goes through the control API, notifies the same way). Calls made on the
Python state object directly notify nothing: tests set up their world that way without webhooks.

Delivery is asynchronous, from a thread of its own: the caller's answer never waits for it, and it is
sent whatever becomes of that answer (lost, timed out), as at Bootpay. A delivery that is not answered
HTTP 200 ``{"success": true}`` is tried again, up to NOTIFY_RETRIES more times (Bootpay's default
count) with a pause doubling from NOTIFY_INTERVAL_S up to NOTIFY_MAX_INTERVAL_S (Bootpay's own
schedule is minutes apart and unconfirmed; ours is short so a local run settles in seconds).

``hold_notifications(True)`` holds them back: they are logged as ``held`` and sent only by
``release_notifications()``. ``notifications()`` is the log (the last NOTIFY_LOG_SIZE). A reset or
the server's stop abandons deliveries still retrying.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import deque
from typing import Any

from payments.sandbox.common import bad_request
from payments.sandbox.webhooks import (
    NOTIFY_INTERVAL_S,
    NOTIFY_MAX_INTERVAL_S,
    NOTIFY_RETRIES,
    Notification,
    derive_webhook_type,
    owed_notification,
    send_webhook,
)

logger = logging.getLogger(__name__)

NOTIFY_LOG_SIZE = 200


class NotificationsState:
    """SandboxState's automatic webhooks; every public method takes the state lock (see state.py)."""

    def _reset_notifications_unlocked(self) -> None:
        stop = getattr(self, "_notify_stop", None)
        if stop is not None:
            stop.set()  # deliveries of the world being forgotten stop retrying
        self._notify_stop = threading.Event()
        self._notify_held = False
        self._notifications: deque[dict[str, Any]] = deque(maxlen=NOTIFY_LOG_SIZE)
        self._next_notification_id = 1

    def notify(
        self, receipt: dict[str, Any], *, feedback_url: Any = None, content_type: Any = None
    ) -> dict[str, Any] | None:
        """Notify the change that left ``receipt`` as it is: to the call's ``feedback_url`` (billing
        charges) or the configured ``webhook_url``. Returns the log entry (state ``sending`` or
        ``held``), or None when nothing is owed (no URL, or a status Bootpay does not notify)."""
        with self.lock:
            owed = owed_notification(receipt, self._webhook_url, feedback_url, content_type)
            if owed is None:
                return None
            entry = {
                "id": self._next_notification_id,
                "receipt_id": receipt.get("receipt_id"),
                "order_id": receipt.get("order_id"),
                "status": receipt.get("status"),
                "webhook_type": derive_webhook_type(receipt),
                "url": owed.url,
                "form": owed.form,
                "state": "held" if self._notify_held else "sending",
                "attempts": 0,
                "last_status": None,
                "created_at": self.iso(),
                "delivered_at": None,
                "_owed": owed,
            }
            self._next_notification_id += 1
            self._notifications.append(entry)
            if entry["state"] == "sending":
                self._start_delivery([entry])
            return _shown(entry)

    def hold_notifications(self, hold: Any) -> dict[str, Any]:
        """Hold automatic webhooks back (True) or send them again as changes happen (False); what was
        held stays held until ``release_notifications``."""
        if not isinstance(hold, bool):
            raise bad_request("hold must be true or false")
        with self.lock:
            self._notify_held = hold
            return self.notifications()

    def release_notifications(self) -> list[dict[str, Any]]:
        """Send the held webhooks now, oldest first, one after the other; returns them."""
        with self.lock:
            held = [entry for entry in self._notifications if entry["state"] == "held"]
            for entry in held:
                entry["state"] = "sending"
            if held:
                self._start_delivery(held)
            return [_shown(entry) for entry in held]

    def notifications(self) -> dict[str, Any]:
        """Control view: the switch, where webhooks go, and the log, oldest first."""
        with self.lock:
            return {
                "hold": self._notify_held,
                "webhook_url": self._webhook_url,
                "notifications": [_shown(entry) for entry in self._notifications],
            }

    def stop_notifications(self) -> None:
        """Abandon the deliveries still retrying (the server is stopping)."""
        with self.lock:
            self._notify_stop.set()

    # ----- delivery ----------------------------------------------------------------------------------

    def _start_delivery(self, entries: list[dict[str, Any]]) -> None:
        stop = self._notify_stop
        thread = threading.Thread(
            target=self._deliver_all, args=(entries, stop), name="bootpay-sandbox-webhook", daemon=True
        )
        thread.start()

    def _deliver_all(self, entries: list[dict[str, Any]], stop: threading.Event) -> None:
        for entry in entries:
            if stop.is_set():
                return
            try:
                self._deliver(entry, entry["_owed"], stop)
            except Exception:  # best effort: never take the emulator down
                logger.debug("sandbox webhook %s failed", entry["id"], exc_info=True)

    def _deliver(self, entry: dict[str, Any], owed: Notification, stop: threading.Event) -> None:
        pause = NOTIFY_INTERVAL_S
        for attempt in range(1 + NOTIFY_RETRIES):
            if attempt:
                if stop.wait(pause):
                    return  # reset or stopped: this world is gone
                pause = min(pause * 2, NOTIFY_MAX_INTERVAL_S)
            result = send_webhook(owed.receipt, owed.url, form=owed.form)  # one attempt
            with self.lock:  # the entry object is this delivery's own, even after a reset
                entry["attempts"] += 1
                entry["last_status"] = result["last_status"]
                if result["delivered"]:
                    entry["state"], entry["delivered_at"] = "delivered", self.iso()
                    return
        with self.lock:
            entry["state"] = "failed"
        # a developer's webhook URL that never answers is worth a line in the emulator's console
        logger.warning(
            "sandbox webhook %s (%s) for receipt %s not delivered to %s after %d attempts (last: %s)",
            entry["webhook_type"],
            entry["status"],
            entry["receipt_id"],
            owed.url,
            entry["attempts"],
            result["last_status"] or result["last_body"][:200],
        )


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in entry.items() if not key.startswith("_")}
