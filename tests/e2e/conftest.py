"""Browser end-to-end tests: headless Chromium → the live Django server → the Bootpay emulator.

The browser is the system Chromium (Debian's `chromium` package; `CHROMIUM_PATH` overrides the path).
Playwright never downloads one: do not run `playwright install`. Without the executable (or when
`.ci/run` sets `E2E_SKIP_REASON` because it could not install it) every test here is skipped and a
banner says so at the start and the end of the run.

The browser is offline: every request to a host other than the loopback is aborted, and a test that
attempted one fails; so does a test whose page logged a Content-Security-Policy violation. The Django
app runs in-process (pytest-django's `live_server`, transactional DB) in sandbox mode, its gateway
pointing at the session's emulator, webhooks processed inline.
The SPA is built once per session (`npm ci` when node_modules is missing, then `npm run build`)
unless `frontend/dist/index.html` is newer than its sources or `E2E_SKIP_BUILD=1`.
A full-page screenshot of each test's last state goes to `tests/e2e/artifacts/<test name>.png`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest

from orders.models import Order, Product, Seller

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
DIST_INDEX = FRONTEND / "dist" / "index.html"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
E2E_DIR = Path(__file__).resolve().parent

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# --no-sandbox: CI runs as root. The rest keep Chromium from calling home (the network is closed anyway).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
EXPECT_TIMEOUT_MS = 10_000
ACTION_TIMEOUT_MS = 15_000


def _skip_reason() -> str | None:
    if reason := os.environ.get("E2E_SKIP_REASON"):
        return reason
    if os.environ.get("E2E_SKIP_BUILD") != "1" and not (FRONTEND / "package.json").exists():
        return "frontend/package.json is missing: there is no SPA in this tree to test"
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return (
            f"no Chromium executable at {CHROMIUM_PATH}: install Debian's `chromium` package "
            "(apt-get install -y chromium) or set CHROMIUM_PATH. Never `playwright install`."
        )
    return None


SKIP_REASON = _skip_reason()
_BANNER = "BROWSER (E2E) TESTS SKIPPED"


def _is_e2e(item: pytest.Item) -> bool:
    return E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_report_header(config):
    # Shown when tests/e2e is named on the command line (an initial conftest); the summary always is.
    if SKIP_REASON:
        return [f"!!!!! {_BANNER}: {SKIP_REASON}"]
    return [f"e2e browser: {CHROMIUM_PATH}"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests go last (after pytest-django's own ordering); skipped loudly without a browser."""
    e2e = [item for item in items if _is_e2e(item)]
    if SKIP_REASON:
        for item in e2e:
            item.add_marker(pytest.mark.skip(reason=f"{_BANNER}: {SKIP_REASON}"))
    chosen = set(e2e)
    items[:] = [item for item in items if item not in chosen] + e2e
    config.stash[_e2e_collected] = bool(e2e)


_e2e_collected = pytest.StashKey[bool]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SKIP_REASON and config.stash.get(_e2e_collected, False):
        terminalreporter.write_sep("!", _BANNER, red=True, bold=True)
        terminalreporter.write_line(SKIP_REASON, red=True, bold=True)
        terminalreporter.write_sep("!", _BANNER, red=True, bold=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


# --- the browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if SKIP_REASON:
        pytest.skip(f"{_BANNER}: {SKIP_REASON}")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_FLAGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Desktop by default; a test asks for a phone with @pytest.mark.browser_context_args(viewport=...).
    return {
        **browser_context_args,
        "locale": "ko-KR",
        "timezone_id": "Asia/Seoul",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def context(context):
    """pytest-playwright's context, offline: anything but the loopback is aborted and fails the test."""
    attempted: list[str] = []

    def guard(route):
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK_HOSTS:
            route.continue_()
        else:
            attempted.append(f"{route.request.method} {route.request.url}")
            route.abort("internetdisconnected")

    context.route("**/*", guard)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    yield context
    if attempted:
        pytest.fail(
            "the page tried to reach hosts outside the loopback (all aborted):\n  " + "\n  ".join(attempted),
            pytrace=False,
        )


CSP_VIOLATION_MARKERS = ("Content Security Policy", "Refused to")


class CspViolation(AssertionError):
    """The page's Content-Security-Policy refused something (Chromium's console said so)."""


@pytest.fixture
def csp_violations() -> list[str]:
    """The console's CSP refusals on the test's page so far (the `page` fixture fills it)."""
    return []


def assert_no_csp_violation(violations: list[str]) -> None:
    """Raise CspViolation listing `violations`, then forget them (so they are reported once)."""
    if violations:
        found = list(violations)
        violations.clear()
        raise CspViolation("Content-Security-Policy violations:\n  " + "\n  ".join(found))


@pytest.fixture
def dialogs() -> list[str]:
    """The messages of the page's dialogs so far (confirm("…환불하시겠습니까?…")), each accepted."""
    return []


@pytest.fixture
def page(page, request, csp_violations, dialogs):
    """The test's page; uncaught page errors and CSP violations fail the test; the last state is a PNG.

    Chromium reports every Content-Security-Policy refusal of the page as a console message naming the
    policy ("Refused to …", "… violates the following Content Security Policy directive …"): one of them
    means our CSP blocked something the page (or a script it loaded) tried to do.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    page_errors: list[str] = []

    def on_console(message) -> None:
        if message.type in ("error", "warning"):
            print(f"[browser console.{message.type}] {message.text}")
        if any(marker in message.text for marker in CSP_VIOLATION_MARKERS):
            where = message.location or {}
            at = f"{where.get('url', '')}:{where.get('lineNumber', '')}:{where.get('columnNumber', '')}"
            csp_violations.append(f"console.{message.type} at {at}: {message.text}")

    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("dialog", lambda dialog: _accept_dialog(dialog, dialogs))
    page.on("console", on_console)
    yield page
    screenshot(page, request.node)
    problems = ["uncaught errors in the page:\n  " + "\n  ".join(page_errors)] if page_errors else []
    try:
        assert_no_csp_violation(csp_violations)
    except CspViolation as violation:
        problems.append(str(violation))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _accept_dialog(dialog, seen: list[str]) -> None:
    # A confirm("환불하시겠습니까?") would otherwise be dismissed by Playwright and nothing would happen.
    print(f"[browser dialog {dialog.type}] {dialog.message}")
    seen.append(dialog.message)
    dialog.accept()


def screenshot(page, node) -> Path | None:
    """Save a full-page PNG as tests/e2e/artifacts/<test name>.png (artifacts/ is gitignored)."""
    name = node.name.replace("[chromium]", "")
    name = re.sub(r"[^\w.-]+", "_", name).strip("_")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # a crashed page must not hide the test's own failure
        print(f"screenshot of {name} failed: {exc}")
        return None
    return path


# --- the frontend build -------------------------------------------------------------------------------


def _newest_source_mtime() -> float:
    sources = [p for folder in ("src", "public") for p in (FRONTEND / folder).rglob("*") if p.is_file()]
    # entry HTML, package.json / lockfile, vite and TypeScript configs
    sources += [p for p in FRONTEND.iterdir() if p.is_file()]
    return max((p.stat().st_mtime for p in sources), default=0.0)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, cwd=FRONTEND, capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{' '.join(command[1:])}` in frontend/ took longer than 10 minutes", pytrace=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-4000:]
        pytest.fail(
            f"`npm {' '.join(command[1:])}` in frontend/ failed ({done.returncode}):\n{output}", pytrace=False
        )


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    """frontend/dist, built when it is missing or older than its sources."""
    if os.environ.get("E2E_SKIP_BUILD") == "1":
        if not DIST_INDEX.exists():
            pytest.fail("E2E_SKIP_BUILD=1 but frontend/dist/index.html does not exist", pytrace=False)
        return DIST_INDEX.parent
    if DIST_INDEX.exists() and DIST_INDEX.stat().st_mtime > _newest_source_mtime():
        return DIST_INDEX.parent
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            "npm is not installed, so the SPA cannot be built for the browser tests: install Node.js 20.19+ "
            "with npm, or build frontend/dist elsewhere and run with E2E_SKIP_BUILD=1",
            pytrace=False,
        )
    if not (FRONTEND / "node_modules").is_dir():
        _run([npm, "ci", "--no-audit", "--no-fund"])
    _run([npm, "run", "build"])
    if not DIST_INDEX.exists():
        pytest.fail("`npm run build` succeeded but wrote no frontend/dist/index.html", pytrace=False)
    return DIST_INDEX.parent


# --- the server ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _django_before_playwright(django_db_setup, django_db_blocker, live_server):
    """The test database and the live server exist before Playwright starts, and outlive it.

    Playwright's sync API keeps an asyncio loop running in this thread from its start to the end of the
    session; Django then refuses ORM calls here (SynchronousOnlyOperation) unless told the code is
    synchronous. It is: the test bodies and fixtures are plain code, the loop only drives the browser.
    The e2e tests run last (see pytest_collection_modifyitems), so no other test sees the loop.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def shop(frontend_dist, live_server, settings, bootpay, transactional_db):
    """The live server's base URL, in sandbox mode against the session emulator (`bootpay`)."""
    settings.BOOTPAY_MODE = "sandbox"
    settings.BOOTPAY_API_URL = bootpay.api_url
    settings.DEBUG = False
    _check_assets_served(live_server.url)
    return live_server.url


_assets_checked: list[str] = []


def _check_assets_served(base_url: str) -> None:
    """Once: `/` answers the built index.html and its /static/ assets load (a clear failure if not)."""
    import requests

    if base_url in _assets_checked:
        return
    index = requests.get(base_url + "/", timeout=10)
    assert index.status_code == 200, f"GET / answered {index.status_code}: is the SPA view routed?"
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', index.text)
    assert assets, "GET / has no /static/ asset: is it frontend/dist/index.html (Vite base '/static/')?"
    for asset in assets:
        answer = requests.get(base_url + asset, timeout=10)
        assert answer.status_code == 200, (
            f"GET {asset} answered {answer.status_code}: is frontend/dist in STATICFILES_DIRS?"
        )
    _assets_checked.append(base_url)


# --- data -----------------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Two sellers; the tea is tax-free, so an order of keyboard + tea is 43,000원 with 25,000원 면세."""

    seller_a: Seller
    seller_b: Seller
    keyboard: Product
    mouse: Product
    tea: Product


@pytest.fixture
def catalogue(make_seller) -> Catalogue:
    seller_a = make_seller("키보드상회")
    seller_b = make_seller("녹차농원")
    return Catalogue(
        seller_a=seller_a,
        seller_b=seller_b,
        keyboard=Product.objects.create(seller=seller_a, name="무선 키보드", price=18_000, stock=50),
        mouse=Product.objects.create(seller=seller_a, name="무선 마우스", price=12_000, stock=50),
        tea=Product.objects.create(
            seller=seller_b, name="제주 녹차", price=25_000, stock=50, is_tax_free=True
        ),
    )


@pytest.fixture
def emulator(bootpay):
    from tests.e2e.pages import Emulator

    return Emulator(bootpay.url)


@pytest.fixture
def new_order(buyer):
    """An unpaid order of one of each product, made by the ORM as the SPA's createOrder would."""
    from orders.services import OrderLine, order_create

    def make(*products: Product, user=None) -> Order:
        return order_create(buyer=user or buyer, lines=[OrderLine(p.pk, 1) for p in products])

    return make


@pytest.fixture
def paid_order(new_order, buyer, pay_at_pg, bootpay):
    """An order paid at the emulator and verified by the services (not through the page): by card, or
    (`vbank=True`) into a virtual account deposited and synced; at the emulator's default PG or `pg`."""
    from payments.services import payment_reconcile, payment_verify

    def make(*products: Product, vbank: bool = False, pg: str | None = None) -> Order:
        order = new_order(*products)
        options = {"method": "vbank", "state": "vbank_issued"} if vbank else {}
        if pg is not None:  # the PG's display name: its cancel rules apply (docs/cancellations.md)
            options["pg"] = pg
        receipt_id = pay_at_pg(order, **options)
        payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
        if vbank:
            bootpay.state.deposit(receipt_id)
            payment_reconcile(older_than_minutes=0)
            payment.refresh_from_db()
        assert payment.status == "paid"
        order.refresh_from_db()
        return order

    return make
