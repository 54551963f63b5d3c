"""An extra smoke test: the REAL Bootpay adapter and SDK chunk work in the browser, offline.

The main e2e suite (test_checkout.py, test_refunds.py) pays through the sandbox TEST PAYMENT panel. Here the
server runs with BOOTPAY_MODE=development, so the SPA mounts the real adapter (payment/bootpay.ts), which
loads the lazily built `bootpay-sdk-*.js` chunk (@bootpay/client-js 5.3.1) and renders BootpayWidget. The
gateway still talks to the session's emulator: the `bootpay` fixture injects a gateway with the emulator's
api_url whatever BOOTPAY_MODE says, and each test creates at the emulator the receipt a buyer would produce.

Bootpay's hosts are answered by tiny local HTML pages (Playwright routes registered after the offline
guard, so they run first; any other Bootpay host falls through to the guard, which aborts it and fails the
test). The adapter switches the SDK to the host table of the backend's mode (setEnvironmentMode), so in
development mode the SDK calls Bootpay's development servers: dev-widget.bootpay.co.kr,
dev-api.bootpay.co.kr/v2 and dev-analytics.bootpay.co.kr.

The stubs post the SDK's INTERNAL window messages, read from @bootpay/client-js 5.3.1's dist/index.mjs.
They are undocumented and may change in any release; when the pinned SDK is upgraded, re-read them there:
- widget iframe (GET https://dev-widget.bootpay.co.kr/p/<application id>/<encrypted params>): JSON strings
  `{bootpay_event: true, hook: "WidgetWindowMessage", event, data}` handled by the widget's message hooks,
  with event `bootpayWidgetReady` (the `ready` hook), `bootpayWidgetResize` (`data` is applied as the
  container's style: `{height: 120}` → 120px) and `bootpayWidgetSelectMethod` (`data` =
  `{pg, method, wallet_id, term_passed, select_terms, extra}`; the SDK computes `completed` itself and
  calls the `paymentMethodUpdated` hook);
- payment iframe (the overlay's form POST to https://dev-api.bootpay.co.kr/v2/request/payment): JSON strings
  `{bootpay_event: true, event, ...}` with event `done` (`data: {receipt_id, order_id, price, status}`),
  `confirm` (separately confirmed; `receipt_id`, `order_id` top-level), `hideProgress` and `showPayment`
  (`showCloseButton`);
- analytics (POST https://dev-analytics.bootpay.co.kr/event, XHR, at the start and after `done`): `{}`.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from orders.models import Order
from payments.models import Payment
from tests.e2e.conftest import assert_no_csp_violation
from tests.e2e.pages import CLOSED_TEXT, PAID_HEADING, log_in, pay_button, product_card, status_text, won

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WEB_APPLICATION_ID = "e2e-web-application-id"
# BOOTPAY_MODE=development: the adapter switches the SDK to Bootpay's development servers, as the backend's.
WIDGET_HOST = "dev-widget.bootpay.co.kr"
API_HOST = "dev-api.bootpay.co.kr"
ANALYTICS_HOST = "dev-analytics.bootpay.co.kr"
BOOTPAY_HOST = re.compile(r"^https?://[^/]*bootpay\.co\.kr(?:[:/]|$)")
SDK_CHUNK = re.compile(r"/static/assets/bootpay-sdk-[^/]+\.js$")
# The SDK's own element ids (dist/index.mjs): the widget's iframe, the payment overlay and its spinner.
WIDGET_IFRAME = "#bootpay-widget iframe#bootpay-widget-iframe"
OVERLAY = "#bootpay-window-id"
PROGRESS = "#bootpay-alfred-progress-id"
CLOSE_BUTTON = "#bootpay-close-btn"
SELECT_CARD = "카드 선택 (스텁)"

# The SDK's payment overlay carries three inline handlers (its close button, its popup notice's two
# buttons); the page's CSP admits exactly those by hash (config/spa.py). Every test here fails on a CSP
# violation, so a policy that refused them would show as a dead close button.


def _post_to_parent(*messages: dict) -> str:
    return "".join(f"parent.postMessage({json.dumps(json.dumps(m))}, '*');" for m in messages)


def widget_page() -> str:
    """The widget iframe: ready and resize on load; a button stands for the buyer picking a card."""
    ready = {"bootpay_event": True, "hook": "WidgetWindowMessage", "event": "bootpayWidgetReady", "data": {}}
    resize = {
        "bootpay_event": True,
        "hook": "WidgetWindowMessage",
        "event": "bootpayWidgetResize",
        "data": {"height": 120},
    }
    select = {
        "bootpay_event": True,
        "hook": "WidgetWindowMessage",
        "event": "bootpayWidgetSelectMethod",
        "data": {"pg": "nicepay", "method": "card", "term_passed": True, "select_terms": [], "extra": {}},
    }
    return (
        '<!doctype html><html lang="ko"><meta charset="utf-8"><title>widget stub</title>'
        f'<button type="button" id="card">{SELECT_CARD}</button>'
        f"<script>{_post_to_parent(ready, resize)}"
        f"document.getElementById('card').onclick = function () {{ {_post_to_parent(select)} }};"
        "</script></html>"
    )


def payment_page(*messages: dict) -> str:
    """The payment window (the overlay's iframe): posts `messages` to the page at once."""
    posts = _post_to_parent(*({"bootpay_event": True, **message} for message in messages))
    return (
        '<!doctype html><html lang="ko"><meta charset="utf-8"><title>payment stub</title>'
        f"<script>{posts}</script></html>"
    )


@dataclass
class BootpayStubs:
    """Bootpay's hosts, answered locally; every request they got, as "METHOD url"."""

    payment_messages: list[dict] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    payment_posts: list[str] = field(default_factory=list)

    def handle(self, route) -> None:
        request = route.request
        parts = urllib.parse.urlsplit(request.url)
        if parts.hostname == WIDGET_HOST and request.method == "GET" and parts.path.startswith("/p/"):
            self.seen.append(f"GET {request.url}")
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=widget_page())
        elif parts.hostname == API_HOST and request.method == "POST" and parts.path == "/v2/request/payment":
            self.seen.append(f"POST {request.url}")
            self.payment_posts.append(request.post_data or "")
            route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=payment_page(*self.payment_messages)
            )
        elif parts.hostname == ANALYTICS_HOST and parts.path == "/event":
            self.seen.append(f"{request.method} {request.url}")
            route.fulfill(
                status=200,
                content_type="application/json",
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Headers": "*",
                    "Access-Control-Allow-Methods": "POST, OPTIONS",
                },
                body="{}" if request.method != "OPTIONS" else "",
            )
        else:
            route.fallback()  # the offline guard: aborted, and the test fails

    def hosts(self) -> set[str]:
        return {urllib.parse.urlsplit(line.split(" ", 1)[1]).hostname for line in self.seen}


@pytest.fixture
def stubs(context) -> BootpayStubs:
    """Registered after the `context` fixture's offline guard, so Playwright tries these routes first."""
    bootpay_stubs = BootpayStubs()
    context.route(BOOTPAY_HOST, bootpay_stubs.handle)
    return bootpay_stubs


@pytest.fixture
def real_widget_shop(shop, settings):
    """The live server with checkoutConfig.mode = development: the SPA mounts the real Bootpay adapter."""
    settings.BOOTPAY_MODE = "development"
    settings.BOOTPAY_WEB_APPLICATION_ID = WEB_APPLICATION_ID
    settings.BOOTPAY_WIDGET_KEY = "e2e-widget-key"
    return shop


@pytest.fixture
def sdk_requests(page) -> list[str]:
    requested: list[str] = []
    page.on(
        "request", lambda request: requested.append(request.url) if SDK_CHUNK.search(request.url) else None
    )
    return requested


def open_real_checkout(page, shop, order: Order, sdk_requests: list[str]) -> None:
    """Sign in, look at the shop (no SDK yet), then resume the order at the checkout (the SDK loads)."""
    log_in(page, "buyer", base_url=shop)
    page.goto(shop + "/")
    expect(product_card(page, order.items.first().product_name)).to_be_visible()
    assert sdk_requests == [], f"the shop page loaded the Bootpay SDK chunk: {sdk_requests}"

    page.goto(f"{shop}/checkout/?order={order.order_id}")
    expect(page.get_by_text(order.order_id).first).to_be_visible()
    expect(page.get_by_text(won(order.total_amount)).first).to_be_visible()
    # The SDK rendered its iframe into our container; the stub's ready + resize messages grew it to 120px.
    iframe = page.locator(WIDGET_IFRAME)
    expect(iframe).to_have_attribute(
        "src", re.compile(rf"^https://{re.escape(WIDGET_HOST)}/p/{WEB_APPLICATION_ID}/")
    )
    expect(page.locator("#bootpay-widget")).to_have_css("height", "120px")
    assert len(sdk_requests) == 1, f"expected one request for the SDK chunk, got {sdk_requests}"

    expect(pay_button(page)).to_be_disabled()
    page.frame_locator(WIDGET_IFRAME).get_by_role("button", name=SELECT_CARD).click()
    expect(pay_button(page)).to_be_enabled()


def assert_overlay_gone(page) -> None:
    expect(page.locator(OVERLAY)).to_have_count(0)
    expect(page.locator(PROGRESS)).to_have_count(0)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bbootpay-open\b"))


def test_real_widget_card_payment(
    page, real_widget_shop, stubs, sdk_requests, catalogue, new_order, bootpay, csp_violations
):
    order = new_order(catalogue.keyboard, catalogue.tea)
    receipt = bootpay.state.create_receipt(
        order_id=order.order_id,
        price=order.total_amount,
        tax_free=order.tax_free_amount,
        order_name=order.order_name,
    )
    done = {
        "receipt_id": receipt["receipt_id"],
        "order_id": order.order_id,
        "price": order.total_amount,
        "status": 1,
    }
    stubs.payment_messages = [{"event": "done", "data": done}]
    open_real_checkout(page, real_widget_shop, order, sdk_requests)

    pay_button(page).click()
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()
    assert_overlay_gone(page)  # after `done` the SDK tears its overlay down itself

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    payment = order.payments.get()
    assert (payment.status, payment.receipt_id) == (Payment.Status.PAID, receipt["receipt_id"])
    assert payment.amount == order.total_amount
    assert len(stubs.payment_posts) == 1
    assert {"payload", "token"} <= set(urllib.parse.parse_qs(stubs.payment_posts[0]))
    assert {WIDGET_HOST, API_HOST} <= stubs.hosts() <= {WIDGET_HOST, API_HOST, ANALYTICS_HOST}
    assert len(sdk_requests) == 1
    assert_no_csp_violation(csp_violations)


def test_real_widget_separately_confirmed(
    page,
    real_widget_shop,
    settings,
    stubs,
    sdk_requests,
    catalogue,
    new_order,
    bootpay,
    emulator,
    csp_violations,
):
    settings.BOOTPAY_SEPARATELY_CONFIRMED = True
    order = new_order(catalogue.mouse)
    receipt = bootpay.state.create_receipt(
        order_id=order.order_id,
        price=order.total_amount,
        tax_free=order.tax_free_amount,
        order_name=order.order_name,
        state="awaiting_confirm",
    )
    stubs.payment_messages = [
        {"event": "confirm", "receipt_id": receipt["receipt_id"], "order_id": order.order_id}
    ]
    open_real_checkout(page, real_widget_shop, order, sdk_requests)

    pay_button(page).click()
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()
    # On `confirm` the SDK leaves its overlay up (it removes it itself only after done / issued / close):
    # here nothing but the adapter's closeOverlay() → Bootpay.destroy() can have removed it.
    assert_overlay_gone(page)

    assert bootpay.state.call_count("POST", "confirm") == 1
    assert emulator.calls().get("POST confirm") == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    payment = order.payments.get()
    assert (payment.status, payment.receipt_id) == (Payment.Status.PAID, receipt["receipt_id"])
    assert payment.events.filter(kind="verified", to_status="awaiting_confirm").exists()
    assert emulator.receipt(receipt["receipt_id"])["status"] == 1
    assert {WIDGET_HOST, API_HOST} <= stubs.hosts() <= {WIDGET_HOST, API_HOST, ANALYTICS_HOST}
    assert_no_csp_violation(csp_violations)


def test_real_widget_close_button(
    page, real_widget_shop, stubs, sdk_requests, catalogue, new_order, csp_violations
):
    """The payment window asks the SDK to show its close (X) button; the buyer closes the window with it."""
    order = new_order(catalogue.tea)
    stubs.payment_messages = [{"event": "hideProgress"}, {"event": "showPayment", "showCloseButton": True}]
    open_real_checkout(page, real_widget_shop, order, sdk_requests)

    pay_button(page).click()
    expect(page.locator(CLOSE_BUTTON)).to_be_visible()
    assert_no_csp_violation(csp_violations)  # the X's onclick was admitted
    page.locator(CLOSE_BUTTON).click()
    expect(status_text(page, CLOSED_TEXT)).to_be_visible()
    assert_overlay_gone(page)
    expect(pay_button(page)).to_be_enabled()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert not order.payments.exists()
