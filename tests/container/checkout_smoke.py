"""One card checkout through a running web container and the emulator container (make container-check).

Standard library only (it runs on the host): a token for seed_demo's buyer, an order of two products, a paid
receipt at the emulator (what the widget would make), verify, the order paid, and the emulator's webhook
answered by web. Exits non-zero with the failing step.

    python3 tests/container/checkout_smoke.py http://127.0.0.1:8000 http://127.0.0.1:8765
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request


def call(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {url}: {error.code} {error.read()[:500]!r}") from error


def main(api: str, sandbox: str) -> None:
    for path in ("/healthz", "/readyz"):
        answer = call("GET", api + path)
        assert answer["ok"] is True, (path, answer)
        print(f"GET {path}: {answer}")
    # seed_demo's buyer (its password is printed by seed_demo, the same for every demo account).
    credentials = {"username": "buyer", "password": "demo-pass-1234"}
    token = call("POST", f"{api}/api/v1/auth/token/", credentials)["token"]
    products = call("GET", f"{api}/api/v1/products/?page_size=100")["results"]
    by_name = {product["name"]: product["id"] for product in products}
    # A taxable and a tax-free product, as the README's curl walk-through.
    names = ("에티오피아 원두 200g", "제주 감귤 5kg")
    items = [{"product_id": by_name[name], "quantity": 1} for name in names]
    order = call("POST", f"{api}/api/v1/orders/", {"items": items}, token)
    print(f"order {order['order_id']}: {order['status']} total {order['total_amount']}")
    receipt = call(
        "POST",
        f"{sandbox}/_sandbox/receipts",
        {"order_id": order["order_id"], "price": order["total_amount"], "tax_free": order["tax_free_amount"]},
    )
    payment = call(
        "POST",
        f"{api}/api/v1/payments/verify/",
        {"order_id": order["order_id"], "receipt_id": receipt["receipt_id"]},
        token,
    )
    assert payment["status"] == "paid" and payment["amount"] == order["total_amount"], payment
    print(f"verify: {payment['status']} {payment['amount']} ({payment['method']})")
    paid = call("GET", f"{api}/api/v1/orders/{order['order_id']}/", token=token)
    assert paid["status"] == "paid", paid
    print(f"order {paid['order_id']}: {paid['status']}")
    # The emulator's PAYMENT_COMPLETED webhook reaches web's endpoint (retried until answered).
    for _ in range(60):
        notifications = call("GET", f"{sandbox}/_sandbox/notifications")["notifications"]
        mine = [n for n in notifications if n.get("receipt_id") == receipt["receipt_id"]]
        if mine and all(n["state"] == "delivered" for n in mine):
            print(f"webhooks: {[(n['webhook_type'], n['state']) for n in mine]}")
            return
        time.sleep(0.5)
    raise SystemExit(f"webhooks not delivered: {mine}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/"))
