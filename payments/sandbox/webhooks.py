"""Webhook sender of the Bootpay emulator.

Bootpay POSTs the receipt plus ``webhook_type`` to the merchant's URL and counts a delivery as done
only when the answer is HTTP 200 with the JSON body ``{"success": true}``; anything else is retried.
``send_webhook`` delivers synchronously (the control API's hand-made ``/webhook`` answers its outcome);
the automatic notifications of changes go through it too, one attempt at a time, from the background
threads of notifications.py.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, TypedDict

import requests

logger = logging.getLogger(__name__)

BODY_PREVIEW_CHARS = 2000
# Automatic notifications (notifications.py): Bootpay's default count of retries, after pauses doubling
# from NOTIFY_INTERVAL_S to NOTIFY_MAX_INTERVAL_S (~30 s in all: a dev server's restart is waited out).
NOTIFY_RETRIES = 10
NOTIFY_INTERVAL_S = 0.2
NOTIFY_MAX_INTERVAL_S = 5.0
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class WebhookResult(TypedDict):
    delivered: bool
    attempts: int
    last_status: int | None
    last_body: str


def derive_webhook_type(receipt: dict[str, Any]) -> str | None:
    """The ``webhook_type`` Bootpay attaches for a receipt status (None for statuses without one)."""
    status = receipt.get("status")
    if status == 1:
        return "PAYMENT_COMPLETED"
    if status == 5:
        return "PAYMENT_VIRTUAL_ACCOUNT_ISSUED"
    if status == 20:
        partial = receipt.get("cancelled_price", 0) < receipt.get("price", 0)
        return "PAYMENT_PARTIAL_CANCELLED" if partial else "PAYMENT_CANCELLED"
    return None


def form_fields(payload: dict[str, Any]) -> dict[str, str]:
    """Flatten a payload for application/x-www-form-urlencoded: nested objects become JSON strings."""
    fields: dict[str, str] = {}
    for key, value in payload.items():
        if isinstance(value, dict | list):
            fields[key] = json.dumps(value, ensure_ascii=False)
        elif value is None:
            fields[key] = ""
        elif isinstance(value, bool):
            fields[key] = "true" if value else "false"
        else:
            fields[key] = str(value)
    return fields


def _acknowledged(response: requests.Response) -> bool:
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("success") is True


def send_webhook(
    receipt: dict[str, Any],
    url: str,
    *,
    webhook_type: str | None = None,
    form: bool = False,
    retries: int = 0,
    retry_interval_s: float = 0.1,
    timeout_s: float = 5.0,
) -> WebhookResult:
    """POST ``receipt`` + ``webhook_type`` to ``url``; up to ``1 + retries`` attempts."""
    payload = {**receipt, "webhook_type": webhook_type or derive_webhook_type(receipt)}
    attempts = 0
    last_status: int | None = None
    last_body = ""
    for attempt in range(1 + max(0, retries)):
        if attempt and retry_interval_s > 0:
            time.sleep(retry_interval_s)
        attempts += 1
        try:
            if form:
                response = requests.post(url, data=form_fields(payload), timeout=timeout_s)
            else:
                response = requests.post(url, json=payload, timeout=timeout_s)
        except requests.RequestException as exc:
            last_status, last_body = None, f"{type(exc).__name__}: {exc}"[:BODY_PREVIEW_CHARS]
            logger.debug("webhook to %s failed (attempt %d): %s", url, attempts, last_body)
            continue
        last_status, last_body = response.status_code, response.text[:BODY_PREVIEW_CHARS]
        if _acknowledged(response):
            return {
                "delivered": True,
                "attempts": attempts,
                "last_status": last_status,
                "last_body": last_body,
            }
        logger.debug("webhook to %s not acknowledged (attempt %d, HTTP %s)", url, attempts, last_status)
    return {"delivered": False, "attempts": attempts, "last_status": last_status, "last_body": last_body}


@dataclass(frozen=True)
class Notification:
    """A webhook a change owes: the receipt after the change, where to send it, and how."""

    receipt: dict[str, Any]
    url: str
    form: bool = False


def owed_notification(
    receipt: dict[str, Any], configured_url: str | None, feedback_url: Any = None, content_type: Any = None
) -> Notification | None:
    """Where a change is notified: the call's ``feedback_url`` (billing charges only), else the
    configured webhook URL; None when neither is set or the status is one Bootpay does not notify
    (awaiting approval, failed, a billing key's issuance)."""
    if derive_webhook_type(receipt) is None:
        return None
    url = feedback_url if isinstance(feedback_url, str) and feedback_url.startswith("http") else None
    url = url or configured_url
    return Notification(receipt, url, content_type == FORM_CONTENT_TYPE) if url else None
