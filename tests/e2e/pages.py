"""What a buyer or seller does in the SPA, located only by role + accessible name or the contract's text.

The Korean strings are the UI text contract (frontend ↔ backend ↔ e2e); change them together.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

import requests
from playwright.sync_api import Locator, Page, Response, expect

PASSWORD = "pw-123456"

# Sandbox panel scenarios (radio buttons)
CARD = "카드 결제 (승인)"
CARD_SEPARATE = "카드 결제 (별도 승인)"
VBANK = "가상계좌 발급"
FAILED = "결제 실패"
CLOSE = "결제창 닫기"
TAMPERED = "금액 변조 (테스트)"

# The checkout's step before the order exists (from the cart): 현금영수증, then the order is created.
ORDER_NEXT = "다음: 결제 수단 선택"
CASH_RECEIPT_INCOME = "소득공제"
CASH_RECEIPT_EXPENSE = "지출증빙"
CASH_RECEIPT_NONE = "신청 안 함"
CASH_RECEIPT_PHONE_LABEL = "휴대폰 번호 또는 현금영수증카드 번호"
CASH_RECEIPT_BUSINESS_LABEL = "사업자등록번호"

PAID_HEADING = "결제가 완료되었습니다"
VBANK_HEADING = "가상계좌가 발급되었습니다"
CLOSED_TEXT = "결제창이 닫혔습니다. 다시 결제할 수 있습니다."
AMOUNT_MISMATCH_TEXT = "결제 금액이 주문 금액과 달라"

# Adult-only products (docs/identity.md): the card's badge, the checkout's 성인 인증 step and its TEST panel
ADULT_BADGE = "19세 이상"
ADULT_STEP = "성인 인증"
ADULT_REQUIRED_TEXT = "성인 전용 상품이 있습니다. 성인 인증 후 결제할 수 있습니다."
TEST_IDENTITY_BUTTON = "테스트 본인인증"
MINOR_IDENTITY_LABEL = "미성년자로 인증 (테스트)"
MINOR_REFUSED_TEXT = "만 19세 미만(청소년)은 성인 전용 상품을 구매할 수 없습니다."


def won(amount: int) -> str:
    return f"{amount:,}원"


def refund_question(product: str, amount: int) -> str:
    """What the buyer (내 주문) and the seller are asked before a line refund is requested."""
    return f"{product} ({won(amount)})을(를) 환불하시겠습니까? 환불을 요청하면 되돌릴 수 없습니다."


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="주요 메뉴")


def log_in(page: Page, username: str, *, base_url: str | None = None) -> None:
    """Sign in on /login/ (or on the login page the app redirected to) and wait for 로그아웃."""
    if base_url is not None:
        page.goto(base_url + "/login/")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인", exact=True).click()
    expect(nav(page).get_by_role("button", name="로그아웃")).to_be_visible()


def product_card(page: Page, name: str) -> Locator:
    return page.get_by_role("article").filter(has=page.get_by_role("heading", name=name, exact=True))


def add_to_cart(page: Page, name: str) -> None:
    page.get_by_role("button", name=f"장바구니 담기: {name}", exact=True).click()
    expect(cart(page)).to_contain_text(name)


def cart(page: Page) -> Locator:
    return page.get_by_role("region", name="장바구니")


def sandbox_panel(page: Page) -> Locator:
    return page.get_by_role("group", name=re.compile("TEST PAYMENT"))


def pay_button(page: Page) -> Locator:
    return page.get_by_role("button", name="결제하기", exact=True)


def choose_and_pay(page: Page, scenario: str) -> None:
    """Pick a sandbox scenario (it completes the method) and press 결제하기."""
    expect(sandbox_panel(page)).to_be_visible()
    sandbox_panel(page).get_by_role("radio", name=scenario, exact=True).check()
    expect(pay_button(page)).to_be_enabled()
    pay_button(page).click()


def adult_step(page: Page) -> Locator:
    """The checkout's 성인 인증 step (shown when the server answered adult_verification_required)."""
    return page.get_by_role("region", name=ADULT_STEP, exact=True)


def identity_panel(page: Page) -> Locator:
    """The sandbox stand-in for Bootpay's requestAuthentication window, inside the 성인 인증 step."""
    return adult_step(page).get_by_role("group", name=re.compile("TEST"))


def verify_identity(page: Page, *, minor: bool = False) -> None:
    """Run the sandbox identity verification as an adult (or, `minor`, as a minor) and wait for the
    server's verifyIdentity answer."""
    expect(identity_panel(page)).to_be_visible()
    choice = identity_panel(page).get_by_role("checkbox", name=MINOR_IDENTITY_LABEL, exact=True)
    choice.set_checked(minor)
    with graphql_call(page, "verifyIdentity"):
        identity_panel(page).get_by_role("button", name=TEST_IDENTITY_BUTTON, exact=True).click()


def status_text(page: Page, text: str) -> Locator:
    """The live region (role=status) announcing `text` (a page may have more than one region)."""
    return page.get_by_role("status").filter(has_text=text)


def alert_text(page: Page, text: str) -> Locator:
    """An alert (role=alert) saying `text`; empty alert slots elsewhere on the page do not count."""
    return page.get_by_role("alert").filter(has_text=text)


def order_article(page: Page, order_id: str) -> Locator:
    """An order on 내 주문: the article whose heading contains the order id."""
    return page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=re.compile(re.escape(order_id)))
    )


def scope_of(page: Page, control: Locator, label: str) -> Locator:
    """The innermost element holding both `control` and the input labelled `label` (a line row or form)."""
    return page.locator("*", has=control).filter(has=page.get_by_label(label)).last


@contextmanager
def graphql_call(page: Page, operation: str, *, timeout_ms: int = 10_000):
    """Wait for the SPA's POST /graphql/ whose body names `operation` (e.g. a mutation) to answer."""

    def wanted(response: Response) -> bool:
        request = response.request
        return (
            request.method == "POST"
            and urlpath(response.url) == "/graphql/"
            and operation in (request.post_data or "")
        )

    with page.expect_response(wanted, timeout=timeout_ms) as info:
        yield info


def urlpath(url: str) -> str:
    return re.sub(r"^[a-z]+://[^/]+", "", url).split("?", 1)[0]


class Emulator:
    """The Bootpay emulator's control API (/_sandbox/) over HTTP, as a developer would drive it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/") + "/_sandbox"

    def _call(self, method: str, path: str, **json) -> dict | list:
        answer = requests.request(method, f"{self.base_url}/{path}", json=json or None, timeout=15)
        assert answer.ok, f"{method} /_sandbox/{path} answered {answer.status_code}: {answer.text}"
        return answer.json()

    def receipts(self, order_id: str) -> list[dict]:
        answer = requests.get(f"{self.base_url}/receipts", params={"order_id": order_id}, timeout=15)
        assert answer.ok, answer.text
        return answer.json()

    def only_receipt(self, order_id: str) -> dict:
        found = self.receipts(order_id)
        assert len(found) == 1, f"expected one receipt for {order_id}, the emulator has {found}"
        return self.receipt(found[0]["receipt_id"])

    def receipt(self, receipt_id: str) -> dict:
        return self._call("GET", f"receipts/{receipt_id}")

    def deposit(self, receipt_id: str) -> dict:
        return self._call("POST", f"receipts/{receipt_id}/deposit")

    def webhook(self, receipt_id: str, url: str) -> dict:
        return self._call("POST", f"receipts/{receipt_id}/webhook", url=url)

    def notify(self, webhook_url: str) -> dict:
        """Point the emulator's automatic webhooks at `webhook_url`, as `make run` starts it."""
        return self._call("POST", "settings", webhook_url=webhook_url)

    def notifications(self) -> list[dict]:
        """The webhooks the emulator sent (or holds) by itself, oldest first."""
        return self._call("GET", "notifications")["notifications"]

    def wait_delivered(self, receipt_id: str, status: int, timeout_s: float = 10.0) -> dict:
        """The emulator's own notification of `receipt_id` in `status`, once our server acknowledged it
        (without a broker the server processes a webhook before it answers)."""
        deadline = time.monotonic() + timeout_s
        while True:
            sent = [n for n in self.notifications() if (n["receipt_id"], n["status"]) == (receipt_id, status)]
            if sent and sent[-1]["state"] == "delivered":
                return sent[-1]
            assert time.monotonic() < deadline, (
                f"no delivered notification ({status}) of {receipt_id}: {sent}"
            )
            time.sleep(0.1)

    def certificate(self, receipt_id: str) -> dict:
        """An identity verification as the emulator holds it (person data included: a test tool)."""
        return self._call("GET", f"certificates/{receipt_id}")

    def cash_receipts(self, order_id: str) -> list[dict]:
        """The cash receipts the emulator holds for an order (on its payments, and stand-alone ones)."""
        answer = requests.get(f"{self.base_url}/cash-receipts", params={"order_id": order_id}, timeout=15)
        assert answer.ok, answer.text
        return answer.json()

    def calls(self) -> dict[str, int]:
        return self._call("GET", "calls")
