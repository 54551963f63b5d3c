"""The soak's checks, as pure functions of plain data (tests/soak/collect.py gathers it; the unit tests in
tests/soak/test_checks.py plant discrepancies in it).

- books: for every receipt at Bootpay (the emulator), our payment has the same amount, tax-free part,
  cancelled amount and cancelled tax-free part, and a status that agrees on whether money is held;
  money Bootpay holds that our books lack is a loss unless an open outcome of that order is listed;
- orders: an order is paid at most once, and its status says paid exactly when a payment holds money;
- refunds: each payment's succeeded cancellations add up to its cancelled amount;
- deliveries: every stored Bootpay delivery processed; only forged ones `invalid` (no receipt id) or
  `unmatched` (a receipt Bootpay does not know);
- notifications: every webhook the emulator sent got through;
- renewals: no subscription period charged twice (one charge row per period, at most one receipt
  holding money per period order);
- open outcomes: every call to Bootpay whose outcome is still open is listed by our own listing
  (`pg_outcome.open`, payments/events/services/open_outcomes.py);
- metrics: after the faults, one scrape of the web's /metrics (multiprocess mode, the web's and both
  workers' directories merged) answers, counted Bootpay calls, webhook deliveries and verifies, and shows
  no webhook backlog once the deliveries drained.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

# Bootpay receipt statuses (docs/sandbox.md).
PAID, CANCELLED, VBANK_ISSUED, BILLING_KEY_ISSUED = 1, 20, 5, 11
MONEY_STATUSES = {PAID, CANCELLED}
HOLDING = {"paid", "partially_cancelled"}  # our payment statuses that say Bootpay holds money
PAID_ORDER = {"paid", "partially_refunded"}  # order statuses that say money is held
SHOWN = 12  # failures printed per check


@dataclass
class CheckResult:
    name: str
    examined: int
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return not self.failures


def held_at_pg(receipt: dict) -> int:
    """Won Bootpay holds for a receipt: its price less what was cancelled, once money moved."""
    if receipt["status"] not in MONEY_STATUSES:
        return 0
    return receipt["price"] - receipt["cancelled_price"]


def check_books(receipts: list[dict], payments: list[dict], listed_orders: set[str]) -> CheckResult:
    """`receipts`: the emulator's (receipt_id, order_id, status, price, tax_free, cancelled_price,
    cancelled_tax_free); `payments`: ours (receipt_id, order_id, status, amount, tax_free_amount,
    cancelled_amount, cancelled_tax_free_amount); `listed_orders`: orders with a listed open outcome."""
    result = CheckResult("books equal Bootpay's receipts", examined=0)
    ours = {payment["receipt_id"]: payment for payment in payments}
    theirs = {receipt["receipt_id"] for receipt in receipts}
    for receipt in receipts:
        if receipt["status"] == BILLING_KEY_ISSUED:
            continue
        result.examined += 1
        where = f"order {receipt['order_id']} receipt {receipt['receipt_id']}"
        payment = ours.get(receipt["receipt_id"])
        held = held_at_pg(receipt)
        if payment is None:
            if held and receipt["order_id"] in listed_orders:
                result.notes.append(f"{where}: {held} won at Bootpay, not booked; its open outcome is listed")
            elif held:
                result.failures.append(
                    f"{where}: Bootpay holds {held} won (status {receipt['status']}); no payment"
                )
            continue
        if receipt["status"] in MONEY_STATUSES:
            pairs = (
                ("amount", "price"),
                ("tax_free_amount", "tax_free"),
                ("cancelled_amount", "cancelled_price"),
                ("cancelled_tax_free_amount", "cancelled_tax_free"),
            )
            for ours_name, theirs_name in pairs:
                if payment[ours_name] != receipt[theirs_name]:
                    result.failures.append(
                        f"{where}: {ours_name} {payment[ours_name]} but Bootpay's {theirs_name} "
                        f"{receipt[theirs_name]} (payment {payment['status']})"
                    )
        if held and payment["status"] not in HOLDING:
            result.failures.append(f"{where}: Bootpay holds {held} won, our payment is {payment['status']}")
        if not held and payment["status"] in HOLDING:
            result.failures.append(
                f"{where}: our payment is {payment['status']}, "
                f"Bootpay holds nothing (status {receipt['status']})"
            )
    for payment in payments:
        if payment["receipt_id"] not in theirs:
            result.examined += 1
            result.failures.append(
                f"order {payment['order_id']} payment of receipt {payment['receipt_id']}: "
                "Bootpay has no such receipt"
            )
    return result


def check_refunds(payments: list[dict]) -> CheckResult:
    """Our own books among themselves: a payment's cancelled amount is its succeeded cancellations' sum."""
    result = CheckResult("refund rows add up", examined=len(payments))
    for payment in payments:
        if payment["succeeded_cancel_total"] != payment["cancelled_amount"]:
            result.failures.append(
                f"order {payment['order_id']} receipt {payment['receipt_id']}: cancelled_amount "
                f"{payment['cancelled_amount']}, succeeded cancellations {payment['succeeded_cancel_total']}"
            )
    return result


def check_orders(orders: list[dict], payments: list[dict]) -> CheckResult:
    """`orders`: (order_id, status). An order is paid at most once, and says it is paid (or partly
    refunded) exactly when one of its payments holds money."""
    result = CheckResult("orders agree with their payments", examined=len(orders))
    holding: dict[str, list[str]] = defaultdict(list)
    for payment in payments:
        if payment["status"] in HOLDING:
            holding[payment["order_id"]].append(payment["receipt_id"])
    for order in orders:
        paid_by = holding.get(order["order_id"], [])
        if len(paid_by) > 1:
            result.failures.append(
                f"order {order['order_id']}: paid {len(paid_by)} times ({', '.join(paid_by)})"
            )
        if bool(paid_by) != (order["status"] in PAID_ORDER):
            state = f"payment {paid_by[0]} holds money" if paid_by else "no payment holds money"
            result.failures.append(f"order {order['order_id']} is {order['status']}, {state}")
    return result


def check_deliveries(deliveries: list[dict], forged_receipt_ids: set[str]) -> CheckResult:
    """`deliveries`: (pk, receipt_id, state, error). Forged ones (no receipt id, or one we made up) must
    end `invalid` / `unmatched`; every other one `processed`."""
    result = CheckResult("webhook deliveries processed", examined=len(deliveries))
    states = Counter(delivery["state"] for delivery in deliveries)
    result.notes.append(", ".join(f"{state} {count}" for state, count in sorted(states.items())))
    for delivery in deliveries:
        receipt_id, state = delivery["receipt_id"], delivery["state"]
        if not receipt_id:
            expected = "invalid"
        elif receipt_id in forged_receipt_ids:
            expected = "unmatched"
        else:
            expected = "processed"
        if state != expected:
            error = (delivery.get("error") or "").strip().splitlines()[-1:] or [""]
            result.failures.append(
                f"delivery {delivery['pk']} of receipt {receipt_id or '(none)'}: {state}, "
                f"expected {expected} {error[0][:120]}".rstrip()
            )
    return result


def check_notifications(notifications: list[dict]) -> CheckResult:
    """The emulator's automatic webhooks (each in the latest state seen): each one delivered (200
    `{"success": true}`)."""
    result = CheckResult("Bootpay's webhooks got through", examined=len(notifications))
    for notification in notifications:
        if notification["state"] != "delivered":
            result.failures.append(
                f"notification {notification['id']} of receipt {notification['receipt_id']} "
                f"({notification.get('webhook_type')}): {notification['state']} after "
                f"{notification.get('attempts')} attempts, last status {notification.get('last_status')}"
            )
    return result


def check_renewals(charges: list[dict], receipts: list[dict]) -> CheckResult:
    """`charges`: our subscription charges (subscription_id, period, order_id, state). A period is charged
    twice when it has two charge rows, or its order two receipts that took money."""
    result = CheckResult("no renewal charged twice", examined=len(charges))
    per_period = Counter((charge["subscription_id"], charge["period"]) for charge in charges)
    for (subscription_id, period), count in sorted(per_period.items()):
        if count > 1:
            result.failures.append(f"subscription {subscription_id} period {period}: {count} charge rows")
    by_order: dict[str, list[dict]] = defaultdict(list)
    for receipt in receipts:
        if receipt["status"] in MONEY_STATUSES:
            by_order[receipt["order_id"]].append(receipt)
    for charge in charges:
        taken = by_order.get(charge["order_id"], [])
        holding = [receipt for receipt in taken if held_at_pg(receipt) > 0]
        where = (
            f"subscription {charge['subscription_id']} period {charge['period']} (order {charge['order_id']})"
        )
        if len(holding) > 1:
            ids = ", ".join(receipt["receipt_id"] for receipt in holding)
            result.failures.append(f"{where}: charged {len(holding)} times ({ids})")
        elif len(taken) > 1:
            result.notes.append(f"{where}: charged {len(taken)} times, all but one refunded")
    return result


def check_open_outcomes(open_rows: Iterable[dict], listed: set[tuple[str, str]]) -> CheckResult:
    """`open_rows`: (kind, ref, order_id) of every call whose outcome is open in our tables; `listed`:
    the (kind, ref) pairs our listing reported. An open outcome is allowed only when it is listed."""
    rows = list(open_rows)
    result = CheckResult("open outcomes listed", examined=len(rows))
    for row in rows:
        if (row["kind"], row["ref"]) not in listed:
            result.failures.append(f"{row['kind']} {row['ref']} (order {row['order_id']}): open, not listed")
        else:
            result.notes.append(f"{row['kind']} {row['ref']} (order {row['order_id']}): open, listed")
    return result


def _sample_sum(families: dict[str, list], name: str, **labels: str) -> float:
    return sum(
        found.value
        for samples in families.values()
        for found in samples
        if found.name == name and all(found.labels.get(key) == value for key, value in labels.items())
    )


def check_metrics(scrape: dict, deliveries: list[dict]) -> CheckResult:
    """`scrape`: {status, text} of GET /metrics after settling; `deliveries`: our stored deliveries."""
    from prometheus_client.parser import text_string_to_metric_families

    result = CheckResult("metrics scraped and add up", examined=1)
    if scrape.get("status") != 200:
        result.failures.append(f"/metrics answered {scrape.get('status')}")
        return result
    try:
        families = {family.name: family.samples for family in text_string_to_metric_families(scrape["text"])}
    except ValueError as exc:
        result.failures.append(f"/metrics is not valid exposition text: {exc}")
        return result
    result.examined = sum(len(samples) for samples in families.values())
    waiting = sum(1 for delivery in deliveries if delivery["state"] in {"received", "processing"})

    def total(name: str, **labels: str) -> float:
        return _sample_sum(families, name, **labels)

    expected = {
        "Bootpay calls counted": total("bootpay_calls_total") > 0,
        "webhook deliveries received counted": total("bootpay_webhook_deliveries_received_total") > 0,
        "webhook deliveries processed counted (the workers' directories merged)": (
            total("bootpay_webhook_deliveries_processed_total") > 0
        ),
        "verifies counted": total("payments_operations_total", operation="verify") > 0,
        "webhook backlog agrees with the deliveries": total("bootpay_webhook_backlog") == waiting,
    }
    result.failures += [f"{what}: no" for what, held in expected.items() if not held]
    return result


def run_checks(data: dict) -> list[CheckResult]:
    """Every check over what collect.gather() answered."""
    listed_orders = {
        row["order_id"] for row in data["open_rows"] if (row["kind"], row["ref"]) in data["listed"]
    }
    return [
        check_books(data["receipts"], data["payments"], listed_orders),
        check_refunds(data["payments"]),
        check_orders(data["orders"], data["payments"]),
        check_deliveries(data["deliveries"], data["forged_receipt_ids"]),
        check_notifications(data["notifications"]),
        check_renewals(data["charges"], data["receipts"]),
        check_open_outcomes(data["open_rows"], data["listed"]),
        check_metrics(data["metrics"], data["deliveries"]),
    ]
