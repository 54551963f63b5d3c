"""The checkout bundle's pages (frontend/, built by Vite): Django serves its HTML, whitenoise its assets.

Every SPA route answers the bundle's `index.html`; the browser-side router picks the page. The pages
carry a Content-Security-Policy that admits Bootpay's hosts for the payment window's frames and form
posts and nothing else from outside; no inline script but the SDK's own overlay handlers. The CSRF
cookie is set on every page, so the SPA's session-authenticated POSTs can send `X-CSRFToken`.
"""

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.views.decorators.http import require_safe

# The site's icon: frontend/public/assets/favicon.svg, which the build copies into the bundle's assets as is.
FAVICON = "assets/favicon.svg"

NOT_BUILT = """<!doctype html><html lang="ko"><meta charset="utf-8"><title>Frontend not built</title>
<h1>The checkout bundle is not built</h1>
<p>Run <code>make run</code>, or build it with
<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>.</p>
</html>"""


# The inline click handlers @bootpay/client-js (5.3.1) writes into its payment overlay: the close button
# and the popup notice's two buttons. Blocked, they leave the buyer stuck in the overlay; allowed by hash
# ('unsafe-hashes'), no other inline code runs. tests/config/test_spa.py checks them against the SDK.
BOOTPAY_SDK_INLINE_HANDLERS = ("Bootpay.dismiss()", "Bootpay.dismiss(true)", "Bootpay.readyToPopup()")


def _hash_source(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def content_security_policy() -> str:
    # Bootpay's payment UI lives in frames and form posts from its hosts (plus, in production, the PG and
    # card-issuer hosts of the merchant's contract: CHECKOUT_CSP_EXTRA_HOSTS). Its SDK injects one
    # <style> element when it loads, hence 'unsafe-inline' for styles only; scripts come from us alone,
    # but for the SDK's three overlay handlers, by hash.
    remote = " ".join([*settings.CHECKOUT_CSP_BOOTPAY_HOSTS, *settings.CHECKOUT_CSP_EXTRA_HOSTS])
    handlers = " ".join(_hash_source(code) for code in BOOTPAY_SDK_INLINE_HANDLERS)
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'unsafe-hashes' {handlers}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: {remote}",
            f"connect-src 'self' {remote}",
            f"frame-src {remote}",
            f"form-action 'self' {remote}",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


@lru_cache(maxsize=8)
def _read(path: Path, mtime_ns: int) -> str:
    return path.read_text(encoding="utf-8")


def frontend_page(request: HttpRequest, name: str) -> HttpResponse:
    """One built HTML page of the bundle (re-read when a new build replaces it)."""
    get_token(request)  # sets the csrftoken cookie on this response
    path = Path(settings.FRONTEND_DIST_DIR) / name
    try:
        html = _read(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        return HttpResponse(NOT_BUILT, status=503, content_type="text/html; charset=utf-8")
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the HTML names the hashed assets of the current build
    return response


@require_safe
def spa(request: HttpRequest, **kwargs) -> HttpResponse:
    response = frontend_page(request, "index.html")
    response["Content-Security-Policy"] = content_security_policy()
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers ask for on any page that names no icon of its own (the admin, a JSON
    answer): the bundle's icon, by a redirect to its static URL (content-hashed once collected)."""
    try:
        url = static(FAVICON)
    except ValueError:  # manifest storage, and the bundle was not built before collectstatic
        raise Http404("no icon") from None
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "public, max-age=86400"
    return response
