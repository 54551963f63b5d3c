"""The soak's mixed traffic: what buyers, sellers, staff and the browser do, concurrently, over HTTP.

Our REST and GraphQL API as a client calls it (token auth), and the emulator's control API for what the
browser and Bootpay's payment window would do (a receipt, a deposit into a virtual account, a billing
key). A request that times out or answers 5xx is retried as a careful client would: the same request,
the same Idempotency-Key. Everything is counted in `Tally` by kind and status class.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

CLIENT_TIMEOUT_S = 8
RETRIES = 5
GQL_VERIFY = """mutation($o: String!, $r: String!) { verifyPayment(orderId: $o, receiptId: $r) {
  __typename ... on VerifyPaymentSuccess { payment { paymentId status } } ... on Error { code } } }"""
GQL_CANCEL = """mutation($p: ID!, $key: String!, $amount: Int, $items: [ID!]) {
  cancelPayment(paymentId: $p, reason: "soak", idempotencyKey: $key, amount: $amount, itemIds: $items) {
    __typename ... on Error { code } } }"""
GQL_MY_ORDERS = "{ myOrders(first: 5) { edges { node { orderId status totalAmount } } } }"


def _code(answer: requests.Response) -> str:
    """The error envelope's `code`, if the answer has one."""
    if answer.status_code < 300 or "json" not in answer.headers.get("Content-Type", ""):
        return ""
    try:
        body = answer.json()
    except ValueError:
        return ""
    return str(body.get("code") or body.get("error_code") or "") if isinstance(body, dict) else ""


def status_class(status: int | None) -> str:
    return "error" if status is None else f"{status // 100}xx"


class Tally:
    """Requests by (kind, status class), thread-safe."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.codes: Counter[str] = Counter()  # "kind status code" of the answers that were not 2xx
        self._lock = threading.Lock()

    def add(self, kind: str, status: int | None, code: str = "") -> None:
        with self._lock:
            self.counts[(kind, status_class(status))] += 1
            if status is not None and status >= 300:
                self.codes[f"{kind} {status} {code}".rstrip()] += 1


@dataclass
class World:
    """What the seeding made (tokens, products) and what the traffic did (for the flows and the checks)."""

    web: str  # gunicorn's base URL
    emulator: str
    staff_token: str
    buyer_tokens: list[str]
    seller_tokens: dict[int, str]  # seller pk -> token
    products: list[dict]  # {id, seller_id, price, tax_free, subscription}
    paid_card: list[dict] = field(default_factory=list)  # {order, payment_id, token}
    vbank_waiting: list[str] = field(default_factory=list)  # receipt ids awaiting a deposit
    escrow_unshipped: list[dict] = field(default_factory=list)  # {order}
    receipts: list[str] = field(default_factory=list)
    forged_receipt_ids: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api(self) -> str:
        return f"{self.web}/api/v1"

    def take(self, pool: list) -> Any:
        with self.lock:
            return pool.pop(random.randrange(len(pool))) if pool else None

    def put(self, pool: list, value: Any) -> None:
        with self.lock:
            pool.append(value)


class Client:
    """One thread's HTTP session; every call is counted, 5xx and timeouts retried."""

    def __init__(self, world: World, tally: Tally):
        self.world, self.tally = world, tally
        self.session = requests.Session()

    def call(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        token: str | None = None,
        json: Any = None,
        data: Any = None,
        headers: dict | None = None,
        retry: bool = True,
    ) -> requests.Response | None:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Token {token}"
        for attempt in range(RETRIES if retry else 1):
            try:
                answer = self.session.request(
                    method, url, json=json, data=data, headers=headers, timeout=CLIENT_TIMEOUT_S
                )
            except requests.RequestException:
                self.tally.add(kind, None)
                self.session = requests.Session()
            else:
                self.tally.add(kind, answer.status_code, _code(answer))
                if answer.status_code < 500:
                    return answer
            time.sleep(min(0.3 * 2**attempt, 4) * random.uniform(0.5, 1.5))
        return None

    def api(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        return self.call(kind, method, f"{self.world.api}{path}", **kwargs)

    def graphql(self, kind: str, **kwargs) -> requests.Response | None:
        return self.call(kind, "POST", f"{self.world.web}/graphql/", **kwargs)

    def emulator(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        return self.call(kind, method, f"{self.world.emulator}/_sandbox/{path}", **kwargs)


def _items(world: World, sellers: int) -> list[dict]:
    by_seller: dict[int, list[dict]] = {}
    for product in world.products:
        if not product["subscription"]:
            by_seller.setdefault(product["seller_id"], []).append(product)
    chosen = random.sample(sorted(by_seller), k=min(sellers, len(by_seller)))
    lines = []
    for seller in chosen:
        for product in random.sample(by_seller[seller], k=random.randint(1, len(by_seller[seller]))):
            lines.append({"product_id": product["id"], "quantity": random.randint(1, 2)})
    return lines


def _order(client: Client, token: str, sellers: int) -> dict | None:
    answer = client.api(
        "order create", "POST", "/orders/", token=token, json={"items": _items(client.world, sellers)}
    )
    return answer.json() if answer is not None and answer.status_code == 201 else None


def _verify(client: Client, token: str, order: dict, receipt_id: str) -> str | None:
    """The browser's verify after the payment window (REST, or GraphQL for one in three); the payment id."""
    body = {"order_id": order["order_id"], "receipt_id": receipt_id}
    if random.random() < 1 / 3:
        answer = client.graphql(
            "graphql verifyPayment", token=token,
            json={"query": GQL_VERIFY, "variables": {"o": order["order_id"], "r": receipt_id}},
        )  # fmt: skip
        if answer is None or answer.status_code != 200:
            return None
        result = (answer.json().get("data") or {}).get("verifyPayment") or {}
        return (result.get("payment") or {}).get("paymentId")
    answer = client.api("payment verify", "POST", "/payments/verify/", token=token, json=body)
    return answer.json().get("payment_id") if answer is not None and answer.status_code == 200 else None


def _receipt(client: Client, order: dict, **extra) -> str | None:
    body = {
        "order_id": order["order_id"],
        "price": order["total_amount"],
        "tax_free": order["tax_free_amount"],
    }
    answer = client.emulator("emulator receipt", "POST", "receipts", json=body | extra)
    if answer is None or answer.status_code != 201:
        return None
    receipt_id = answer.json()["receipt_id"]
    client.world.put(client.world.receipts, receipt_id)
    return receipt_id


def card_checkout(client: Client) -> None:
    """A multi-seller order paid by card: the receipt (its webhook races the verify), then verify."""
    token = random.choice(client.world.buyer_tokens)
    if (order := _order(client, token, sellers=random.randint(1, 3))) is None:
        return
    if (receipt_id := _receipt(client, order, method="card")) is None:
        return
    if payment_id := _verify(client, token, order, receipt_id):
        client.world.put(client.world.paid_card, {"order": order, "payment_id": payment_id, "token": token})


def confirm_checkout(client: Client) -> None:
    """Separate approval: the receipt awaits it, verify, then confirm (safe to retry)."""
    token = random.choice(client.world.buyer_tokens)
    if (order := _order(client, token, sellers=random.randint(1, 2))) is None:
        return
    if (receipt_id := _receipt(client, order, method="card", state="awaiting_confirm")) is None:
        return
    if (payment_id := _verify(client, token, order, receipt_id)) is None:
        return
    answer = client.api("payment confirm", "POST", f"/payments/{payment_id}/confirm/", token=token, json={})
    if answer is not None and answer.status_code == 200 and answer.json().get("status") == "paid":
        client.world.put(client.world.paid_card, {"order": order, "payment_id": payment_id, "token": token})


def double_payment(client: Client) -> None:
    """The buyer pays one order twice (two tabs): both receipts are verified, one is refused and its
    charge refunded (`receipt_already_used` / `order_not_payable`); the order is paid once."""
    token = random.choice(client.world.buyer_tokens)
    if (order := _order(client, token, sellers=random.randint(1, 2))) is None:
        return
    first, second = _receipt(client, order, method="card"), _receipt(client, order, method="card")
    for receipt_id in (first, second):
        if receipt_id is not None:
            _verify(client, token, order, receipt_id)


def tampered_checkout(client: Client) -> None:
    """A receipt for less than the order: verify refuses it (amount_mismatch) and refunds the charge."""
    token = random.choice(client.world.buyer_tokens)
    if (order := _order(client, token, sellers=1)) is None:
        return
    tampered = dict(order, total_amount=order["total_amount"] - 1_000, tax_free_amount=0)
    if (receipt_id := _receipt(client, tampered, method="card")) is not None:
        _verify(client, token, order, receipt_id)


def vbank_checkout(client: Client) -> None:
    """A virtual account issued and verified; the deposit comes later (`vbank_deposit`)."""
    token = random.choice(client.world.buyer_tokens)
    if (order := _order(client, token, sellers=random.randint(1, 2))) is None:
        return
    if (receipt_id := _receipt(client, order, method="vbank", state="vbank_issued")) is None:
        return
    _verify(client, token, order, receipt_id)
    client.world.put(client.world.vbank_waiting, receipt_id)


def vbank_deposit(client: Client) -> None:
    """The buyer pays into a virtual account: the emulator notifies us (our only news of it)."""
    if (receipt_id := client.world.take(client.world.vbank_waiting)) is not None:
        client.emulator("emulator deposit", "POST", f"receipts/{receipt_id}/deposit", json={})


def escrow_checkout(client: Client) -> None:
    """A one-seller escrow payment, shipped later by its seller (`ship`)."""
    token = random.choice(client.world.buyer_tokens)
    if (order := _order(client, token, sellers=1)) is None:
        return
    if (receipt_id := _receipt(client, order, method="card", escrow=True)) is None:
        return
    if _verify(client, token, order, receipt_id):
        client.world.put(client.world.escrow_unshipped, {"order": order})


def ship(client: Client) -> None:
    """The seller ships each line of an escrow order (the first registers the shipment with Bootpay)."""
    if (entry := client.world.take(client.world.escrow_unshipped)) is None:
        return
    order = entry["order"]
    tracking = str(random.randint(10**11, 10**12 - 1))
    for item in order["items"]:
        client.api(
            "order line ship", "POST", f"/orders/{order['order_id']}/items/{item['id']}/ship/",
            token=client.world.seller_tokens[item["seller_id"]],
            json={"courier": "CJ대한통운", "tracking_number": tracking},
        )  # fmt: skip


def refund(client: Client) -> None:
    """A line or an amount of a card payment refunded by staff (REST or GraphQL), or a line by its buyer,
    retried with the same Idempotency-Key after a 5xx, a timeout or `cancel_in_progress`."""
    if (entry := client.world.take(client.world.paid_card)) is None:
        return
    order, payment_id = entry["order"], entry["payment_id"]
    key = uuid.uuid4().hex
    line = random.choice(order["items"])["id"]
    roll = random.random()
    if roll < 0.2:
        _cancel_rest(client, "refund line (buyer)", payment_id, entry["token"], key, {"items": [line]})
    elif roll < 0.45:
        variables = {"p": payment_id, "key": key} | (
            {"items": [str(line)]} if random.random() < 0.5 else {"amount": random.randint(100, 2000)}
        )
        _cancel_graphql(client, variables)
    elif roll < 0.7:
        _cancel_rest(client, "refund line", payment_id, client.world.staff_token, key, {"items": [line]})
    else:
        body = {"amount": random.randint(100, 2000)}
        _cancel_rest(client, "refund amount", payment_id, client.world.staff_token, key, body)
    if random.random() < 0.5:  # some payments are refunded again later
        client.world.put(client.world.paid_card, entry)


def _cancel_rest(client: Client, kind: str, payment_id: str, token: str, key: str, body: dict) -> None:
    body = {"reason": "soak refund"} | body
    for attempt in range(3):
        answer = client.api(
            kind if not attempt else f"{kind} (retry)", "POST", f"/payments/{payment_id}/cancel/",
            token=token, json=body, headers={"Idempotency-Key": key},
        )  # fmt: skip
        if answer is None or answer.status_code != 409 or _code(answer) != "cancel_in_progress":
            return
        time.sleep(1)


def _cancel_graphql(client: Client, variables: dict) -> None:
    """GraphQL answers 200 with a typed error: retried on the codes a careful client retries."""
    for attempt in range(4):
        answer = client.graphql(
            "graphql cancelPayment" if not attempt else "graphql cancelPayment (retry)",
            token=client.world.staff_token, json={"query": GQL_CANCEL, "variables": variables},
        )  # fmt: skip
        if answer is not None and answer.status_code == 200:
            result = (answer.json().get("data") or {}).get("cancelPayment") or {}
            if result.get("code") not in {"gateway_unavailable", "cancel_in_progress"}:
                return
            client.tally.add(f"graphql cancelPayment {result['code']}", 200)
        time.sleep(min(0.5 * 2**attempt, 4))


def duplicate_webhook(client: Client) -> None:
    """Bootpay notifying a receipt again (it retries; duplicates are normal)."""
    with client.world.lock:
        receipt_id = random.choice(client.world.receipts) if client.world.receipts else None
    if receipt_id is not None:
        url = f"{client.world.api}/webhooks/bootpay/"
        client.emulator("emulator webhook again", "POST", f"receipts/{receipt_id}/webhook", json={"url": url})


def forged_webhook(client: Client) -> None:
    """Someone else posting to our webhook URL: an unknown receipt, a body without one, or a real
    receipt with a made-up amount (processing re-fetches the receipt, so none of them moves money)."""
    url = f"{client.world.api}/webhooks/bootpay/"
    roll = random.random()
    if roll < 0.4:
        receipt_id = "forged" + uuid.uuid4().hex[:18]
        client.world.forged_receipt_ids.add(receipt_id)
        body: Any = {
            "receipt_id": receipt_id,
            "status": 1,
            "price": 990_000,
            "webhook_type": "PAYMENT_COMPLETED",
        }
        client.call("webhook forged (unknown receipt)", "POST", url, json=body, retry=False)
    elif roll < 0.7:
        client.call("webhook forged (no receipt)", "POST", url, data=b"not json{", retry=False,
                    headers={"Content-Type": "application/json"})  # fmt: skip
    else:
        with client.world.lock:
            receipt_id = random.choice(client.world.receipts) if client.world.receipts else None
        if receipt_id is not None:
            body = {"receipt_id": receipt_id, "status": 20, "cancelled_price": 1, "price": 1}
            client.call("webhook forged (real receipt)", "POST", url, json=body, retry=False)


def subscribe(client: Client) -> None:
    """A buyer registers a card (the emulator stands in for requestSubscription) and subscribes."""
    token = random.choice(client.world.buyer_tokens)
    products = [p for p in client.world.products if p["subscription"]]
    answer = client.api("billing-key request", "POST", "/billing-keys/requests/", token=token, json={})
    if answer is None or answer.status_code != 201:
        return
    issued = client.emulator(
        "emulator billing key", "POST", "billing-keys",
        json={"subscription_id": answer.json()["subscription_id"], "decline": random.random() < 0.1},
    )  # fmt: skip
    if issued is None or issued.status_code != 201:
        return
    key = client.api("billing-key register", "POST", "/billing-keys/", token=token,
                     json={"receipt_id": issued.json()["receipt_id"]})  # fmt: skip
    if key is None or key.status_code != 201:
        return
    body = {"product_id": random.choice(products)["id"], "billing_key_id": key.json()["billing_key_id"]}
    answer = client.api("subscribe", "POST", "/subscriptions/", token=token, json=body)
    exists = answer is not None and answer.status_code == 409 and _code(answer) == "subscription_exists"
    # The buyer has one already: now and then they give it up (a past-due one too: a renewal whose
    # outcome is unknown waits for staff) and subscribe again with the new card.
    if exists and random.random() < 0.5:
        existing = answer.json()["details"]["subscription_id"]
        client.api("subscription cancel", "POST", f"/subscriptions/{existing}/cancel/", token=token, json={})
        answer = client.api("subscribe", "POST", "/subscriptions/", token=token, json=body)
    if answer is not None and answer.status_code == 201 and random.random() < 0.1:
        subscription_id = answer.json()["subscription_id"]
        client.api(
            "subscription cancel", "POST", f"/subscriptions/{subscription_id}/cancel/", token=token, json={}
        )


def browse(client: Client) -> None:
    """Reads: a buyer's orders over REST and GraphQL, and staff's payment list."""
    token = random.choice(client.world.buyer_tokens)
    client.api("orders list", "GET", "/orders/", token=token)
    client.graphql("graphql myOrders", token=token, json={"query": GQL_MY_ORDERS})
    client.api("payments list (staff)", "GET", "/payments/", token=client.world.staff_token)


FLOWS = {
    card_checkout: 26,
    confirm_checkout: 5,
    tampered_checkout: 3,
    double_payment: 3,
    vbank_checkout: 8,
    vbank_deposit: 8,
    escrow_checkout: 6,
    ship: 6,
    refund: 18,
    duplicate_webhook: 8,
    forged_webhook: 6,
    subscribe: 4,
    browse: 6,
}


def run_traffic(world: World, tally: Tally, stop: threading.Event, *, threads: int, seed: int) -> list:
    """Start `threads` threads each running random flows until `stop`; returns the threads."""

    def loop(n: int) -> None:
        random.seed(seed * 1000 + n)
        client = Client(world, tally)
        flows, weights = list(FLOWS), list(FLOWS.values())
        while not stop.is_set():
            flow = random.choices(flows, weights)[0]
            try:
                flow(client)
            except Exception as exc:  # a client bug must show, not end the thread silently
                tally.add(f"client error {flow.__name__}: {type(exc).__name__}", None)
            stop.wait(random.uniform(0, 0.2))

    started = [
        threading.Thread(target=loop, args=(n,), name=f"soak-traffic-{n}", daemon=True)
        for n in range(threads)
    ]
    for thread in started:
        thread.start()
    return started
