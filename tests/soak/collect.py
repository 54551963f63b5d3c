"""What the checks (tests/soak/checks.py) compare, read after the soak: our tables (Django ORM, the soak's
database) and the emulator's (its control API), as plain dicts; and our own open-outcome listing run once."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import requests


def emulator_get(emulator_url: str, path: str) -> dict | list:
    answer = requests.get(f"{emulator_url}/_sandbox/{path}", timeout=30)
    answer.raise_for_status()
    return answer.json()


def receipts(emulator_url: str) -> list[dict]:
    fields = (
        "receipt_id",
        "order_id",
        "status",
        "price",
        "tax_free",
        "cancelled_price",
        "cancelled_tax_free",
    )
    found = emulator_get(emulator_url, "receipts")
    rows = found["receipts"] if isinstance(found, dict) else found
    return [{name: row.get(name, 0) for name in fields} for row in rows]


def payments() -> list[dict]:
    from django.db.models import Q, Sum

    from payments.models import Cancellation, Payment

    rows = Payment.objects.annotate(
        succeeded=Sum("cancellations__amount", filter=Q(cancellations__state=Cancellation.State.SUCCEEDED))
    ).values(
        "receipt_id", "order__order_id", "status", "amount", "tax_free_amount", "cancelled_amount",
        "cancelled_tax_free_amount", "succeeded",
    )  # fmt: skip
    return [
        {**row, "order_id": row.pop("order__order_id"), "succeeded_cancel_total": row.pop("succeeded") or 0}
        for row in rows
    ]


def orders() -> list[dict]:
    from orders.models import Order

    return list(Order.objects.values("order_id", "status"))


def deliveries() -> list[dict]:
    from payments.models import WebhookDelivery

    return list(WebhookDelivery.objects.values("pk", "receipt_id", "state", "error"))


def charges() -> list[dict]:
    from payments.billing.models import SubscriptionCharge

    rows = SubscriptionCharge.objects.values(
        "subscription__subscription_id", "period", "order__order_id", "state"
    )
    return [
        {
            "subscription_id": row["subscription__subscription_id"],
            "period": row["period"],
            "order_id": row["order__order_id"],
            "state": row["state"],
        }
        for row in rows
    ]


def open_rows() -> list[dict]:
    """Every call to Bootpay whose outcome our tables hold open, keyed as the listing keys them."""
    from payments.billing.models import SubscriptionCharge
    from payments.cash_receipts.models import CashReceiptIssuance
    from payments.models import Cancellation, EscrowRegistration

    found = [
        {"kind": "refund", "ref": row.cancel_id, "order_id": row.payment.order.order_id}
        for row in Cancellation.objects.filter(state=Cancellation.State.REQUESTED).select_related(
            "payment__order"
        )
    ]
    found += [
        {"kind": "escrow_registration", "ref": str(row.pk), "order_id": row.payment.order.order_id}
        for row in EscrowRegistration.objects.filter(state=EscrowRegistration.State.REQUESTED).select_related(
            "payment__order"
        )
    ]
    found += [
        {"kind": f"cash_receipt_{row.state}", "ref": str(row.pk), "order_id": row.order.order_id}
        for row in CashReceiptIssuance.objects.filter(
            state__in=CashReceiptIssuance.OPEN_STATES
        ).select_related("order")
    ]
    found += [
        {
            "kind": "subscription_charge",
            "ref": f"{row.subscription.subscription_id}:{row.period}:{row.attempts}",
            "order_id": row.order.order_id if row.order else None,
        }
        for row in SubscriptionCharge.objects.filter(state__in=SubscriptionCharge.OPEN_STATES).select_related(
            "subscription", "order"
        )
    ]
    return found


def listed_open_outcomes() -> set[tuple[str, str]]:
    """Our listing, run now as if every grace had passed: the (kind, ref) of each `pg_outcome.open`."""
    from django.conf import settings
    from django.utils import timezone

    from payments.events.models import Event, EventType
    from payments.events.services.open_outcomes import pg_outcomes_report_open

    later = timezone.now() + timedelta(seconds=settings.EVENTS_OPEN_OUTCOME_GRACE_S + 1)
    while pg_outcomes_report_open(now=later):
        pass  # at most LIMIT of each kind per run
    listed = set()
    for key in Event.objects.filter(type=EventType.PG_OUTCOME_OPEN).values_list("dedup_key", flat=True):
        _, kind, ref = key.split(":", 2)
        listed.add((kind, ref))
    return listed


class NotificationWatch:
    """The emulator keeps only its last 200 webhook notifications: this polls the log during the soak and
    keeps the latest state of each one, so a webhook that failed early is still seen at the end."""

    def __init__(self, emulator_url: str, interval: float = 3.0):
        self.emulator_url, self.interval = emulator_url, interval
        self.seen: dict[int, dict] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="soak-notifications", daemon=True)

    def start(self) -> NotificationWatch:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(requests.RequestException, ValueError):  # the next poll reads it
                self.poll()

    def poll(self) -> None:
        for notification in emulator_get(self.emulator_url, "notifications")["notifications"]:
            self.seen[notification["id"]] = notification

    def stop(self) -> list[dict]:
        """Stop polling; every notification seen, each in its latest state."""
        self._stop.set()
        self._thread.join(timeout=30)
        self.poll()
        return sorted(self.seen.values(), key=lambda notification: notification["id"])


def metrics_scrape(web_url: str) -> dict:
    """One scrape of the web's /metrics from loopback, as a Prometheus on the same host would."""
    try:
        answer = requests.get(f"{web_url}/metrics", timeout=30)
    except requests.RequestException as exc:
        return {"status": None, "text": str(exc)}
    return {"status": answer.status_code, "text": answer.text}


def gather(emulator_url: str, scrape: dict, forged_receipt_ids: set[str], notifications: list[dict]) -> dict:
    listed = listed_open_outcomes()
    return {
        "metrics": scrape,
        "receipts": receipts(emulator_url),
        "payments": payments(),
        "orders": orders(),
        "deliveries": deliveries(),
        "notifications": notifications,
        "charges": charges(),
        "open_rows": open_rows(),
        "listed": listed,
        "forged_receipt_ids": set(forged_receipt_ids),
    }
