"""The emulator describes itself: ``GET /_sandbox/`` and ``manage.py bootpay_sandbox --help``.

Both are generated from ``CONTROL_ROUTES``, the table the control dispatcher routes with; these tests
check that every listed path is really served (never 404) and that the help lists every one of them.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from payments.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_SECRET_KEY, SandboxServer
from payments.sandbox.server import BOOTPAY_ROUTES, CONTROL_ROUTES, ControlRoute

# A receipt in the state each receipt route acts on, so the call reaches the state, not a 404 lookup.
RECEIPT_STATE_FOR = {"deposit": "vbank_issued", "expire": "awaiting_confirm"}
# Smallest valid body per (method, path); other routes get {}.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "receipts"): {"order_id": "o-index", "price": 1_000},
    ("POST", "receipts/{receipt_id}/webhook"): {"url": "http://127.0.0.1:9/unreachable", "timeout_s": 0.5},
    ("POST", "faults"): {"path": "never-called", "mode": "latency", "times": 1},
    ("POST", "settings"): {"duplicate_cancel_id": "refuse"},
    ("POST", "notifications"): {"hold": False},
    ("POST", "clock"): {"advance_s": 0},
    ("POST", "billing-keys"): {"subscription_id": "bkr_index"},
    ("POST", "billing-keys/{billing_key}/decline"): {"decline": True},
}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(port=0) as srv:
        yield srv


def _billing_key(server: SandboxServer) -> str:
    return server.state.issue_billing_key("bkr_index")["billing_key"]


def _reserve_id(server: SandboxServer, billing_key: str | None = None) -> str:
    answer = server.state.reserve_charge(
        billing_key or _billing_key(server),
        reserve_execute_at="2999-01-01T00:00:00+09:00",
        order_id="o-index",
        price=1_000,
        order_name="index",
    )
    return answer["reserve_id"]


def _url_for(server: SandboxServer, route: ControlRoute) -> str:
    path = route.path
    if path.startswith("certificates/"):  # an identity verification's own receipt id
        path = path.replace("{receipt_id}", server.state.create_certificate()["receipt_id"])
    if "{receipt_id}" in path:
        state = RECEIPT_STATE_FOR.get(path.rsplit("/", 1)[-1], "paid")
        receipt = server.state.create_receipt(order_id="o-index", price=1_000, state=state)
        path = path.replace("{receipt_id}", receipt["receipt_id"])
    if "{billing_key}" in path:
        path = path.replace("{billing_key}", _billing_key(server))
    if "{reserve_id}" in path:
        path = path.replace("{reserve_id}", _reserve_id(server))
    return f"{server.url}/_sandbox/{path}"


@pytest.mark.parametrize("path", ["/_sandbox/", "/_sandbox"])
def test_index_lists_the_dispatch_table(server: SandboxServer, path: str) -> None:
    response = requests.get(server.url + path, timeout=5)
    assert response.status_code == 200
    index = response.json()
    assert index["api_url"] == server.api_url and index["control_url"] == f"{server.url}/_sandbox/"
    assert index["control"] == [route.describe() for route in CONTROL_ROUTES]
    assert [(e["method"], e["path"]) for e in index["bootpay_api"]] == [
        (m, f"/v2/{p}") for m, p, _ in BOOTPAY_ROUTES
    ]
    for entry in index["control"]:
        assert entry["method"] in {"GET", "POST", "DELETE"}
        assert entry["path"].startswith("/_sandbox/") and entry["description"]
        assert set(entry["required"]) <= set(entry["body"])
    listed = {(e["method"], e["path"]) for e in index["control"]}
    assert ("POST", "/_sandbox/receipts") in listed and ("DELETE", "/_sandbox/faults") in listed
    create = next(e for e in index["control"] if e["path"] == "/_sandbox/receipts" and e["method"] == "POST")
    assert set(create["body"]) == {
        "order_id",
        "price",
        "tax_free",
        "method",
        "state",
        "order_name",
        "metadata",
        "escrow",
        "pg",
    }


def test_every_listed_control_path_is_routed(server: SandboxServer) -> None:
    # reset (which forgets everything) last, so the other calls see the receipts they were given
    routes = sorted(CONTROL_ROUTES, key=lambda r: r.path == "reset")
    for route in routes:
        url = _url_for(server, route)
        body = BODIES.get((route.method, route.path), {})
        response = requests.request(route.method, url, json=body, timeout=10)
        assert response.status_code < 400, (route.method, route.path, response.status_code, response.text)
        # a method the route does not list is refused as such, not as an unknown path
        other = "PATCH"
        assert requests.request(other, url, timeout=5).status_code == 405, route.path
    server.state.clear_faults()


def test_body_fields_are_the_ones_listed(server: SandboxServer) -> None:
    for route in CONTROL_ROUTES:
        if route.body is None:
            continue
        url = _url_for(server, route)
        valid = BODIES.get((route.method, route.path), {})
        unknown = requests.request(route.method, url, json={**valid, "colour": "red"}, timeout=5)
        assert (unknown.status_code, unknown.json()["error_code"]) == (400, "INVALID_PARAMETER"), route.path
        assert "colour" in unknown.json()["message"]
        for name in route.required:
            missing = {k: v for k, v in valid.items() if k != name}
            answer = requests.request(route.method, url, json=missing, timeout=5)
            assert answer.status_code == 400 and name in answer.json()["message"], (route.path, name)
    server.state.clear_faults()


def test_unlisted_control_path_is_404(server: SandboxServer) -> None:
    for path in ("nothing", "receipts/x/y/z", "receipts/x/refund"):
        response = requests.get(f"{server.url}/_sandbox/{path}", timeout=5)
        assert (response.status_code, response.json()["error_code"]) == (404, "NOT_FOUND_PATH")


def test_every_listed_bootpay_path_is_routed(server: SandboxServer) -> None:
    token = base64.b64encode(f"{SANDBOX_CLIENT_KEY}:{SANDBOX_SECRET_KEY}".encode()).decode()
    auth = {"Authorization": f"Basic {token}"}
    for method, path, _ in BOOTPAY_ROUTES:
        receipt = server.state.create_receipt(order_id="o-v2", price=1_000, state="awaiting_confirm")
        billing_key = _billing_key(server)
        if path.startswith(("certificate/", "authenticate/")):  # an identity verification's own id
            receipt = server.state.create_certificate(state="pending")
        filled = (
            path.replace("{receipt_id}", receipt["receipt_id"])
            .replace("{billing_key}", billing_key)
            .replace("{reserve_id}", _reserve_id(server, billing_key))
        )
        url = f"{server.api_url}/{filled}"
        body = {"receipt_id": receipt["receipt_id"], "billing_key": billing_key}
        response = requests.request(method, url, json=body, headers=auth, timeout=5)
        # request/token with a body of the wrong keys is refused (401), never an unknown path
        assert response.status_code != 404, (path, response.text)
        assert response.json().get("error_code") != "NOT_FOUND_PATH"


def _django_ready() -> bool:
    try:
        import django
        from django.conf import settings

        if not settings.configured:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            django.setup()
    except Exception:
        return False
    return True


def test_management_command_help_lists_options_and_every_path() -> None:
    if not _django_ready():
        pytest.skip("Django settings cannot be loaded")
    from payments.sandbox.management.commands.bootpay_sandbox import Command

    text = Command().create_parser("manage.py", "bootpay_sandbox").format_help()
    assert "Bootpay" in text and "emulator" in text and "BOOTPAY_API_URL" in text
    assert "--port" in text and "--host" in text and "production" in text
    lines = text.splitlines()
    for route in CONTROL_ROUTES:
        assert any(line.split() == [route.method, f"/_sandbox/{route.path}"] for line in lines), route.path
        assert route.description in text
    for method, path, _ in BOOTPAY_ROUTES:
        assert any(line.split() == [method, f"/v2/{path}"] for line in lines), path
